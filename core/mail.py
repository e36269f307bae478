"""French emails with a text and an HTML part, rendered from templates/emails/<name>.{txt,html}."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def build_email(
    name: str,
    to: Iterable[str],
    context: dict,
    *,
    reply_to: Iterable[str] | None = None,
    headers: dict | None = None,
) -> EmailMultiAlternatives:
    """The first line of the text template is the subject; the rest is the body."""
    context = {"site_url": settings.SITE_URL, **context}
    with translation.override(settings.LANGUAGE_CODE):
        subject, _, body = render_to_string(f"emails/{name}.txt", context).partition("\n")
        html = render_to_string(f"emails/{name}.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=body.lstrip("\n"),
        to=list(to),
        reply_to=list(reply_to or []),
        headers=headers or {},
    )
    message.attach_alternative(html, "text/html")
    return message
