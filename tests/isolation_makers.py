"""Makers for the URL identifiers of each app (see tests/isolation.py).

Each maker creates its object in organisation A (inside A's scope), records a visible marker
(a name or title that would show up in a page) under context["markers"], and returns the id.
"""

from __future__ import annotations
