from __future__ import annotations

import pytest

from config.celery import app


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    """Event messages (booking confirmations...) are queued on commit: here the task runs in
    the test process, against Django's test mailbox. The integration tests use a real worker."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "http://testserver"
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
