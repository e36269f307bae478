from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _eager_celery(eager_celery):
    """Every suivi test sends its event messages in the test process (see eager_celery)."""
