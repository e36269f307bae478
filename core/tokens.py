"""Secrets sent by email or to API clients: random, URL-safe, and stored only as a digest.

Invitation links, portal links, share links, follow-up links and API tokens all use these,
so a leaked database never yields a usable link.
"""

from __future__ import annotations

import hashlib
import secrets


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token(prefix: str = "", nbytes: int = 32) -> tuple[str, str]:
    """A new secret (to send once) and its SHA-256 digest (to store)."""
    raw = prefix + secrets.token_urlsafe(nbytes)
    return raw, hash_token(raw)
