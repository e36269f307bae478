from __future__ import annotations

from django import template

register = template.Library()

STATUS_TONES = {
    "preliminary": "blue",
    "investigation": "blue",
    "conclusion": "amber",
    "delivered": "green",
    "closed": "",
    "abandoned": "red",
}
ACTION_TONES = {"todo": "", "in_progress": "blue", "done": "green", "abandoned": "red"}


@register.filter
def status_tone(status: str) -> str:
    return STATUS_TONES.get(status, "")


@register.filter
def action_tone(status: str) -> str:
    return ACTION_TONES.get(status, "")


@register.filter
def percent(value, maximum) -> int:
    try:
        return max(0, min(100, int(float(value) * 100 / float(maximum))))
    except (TypeError, ValueError, ZeroDivisionError):
        return 0


@register.filter
def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@register.filter
def date_fr(value, fmt: str = "l j F Y") -> str:
    """A date in words, the French way: "mardi 1er décembre 2026" (ordinal for the first)."""
    if not value:
        return ""
    from django.template.defaultfilters import date as date_filter

    day = value.day if not hasattr(value, "astimezone") else date_filter(value, "j")
    if str(day) == "1":
        fmt = fmt.replace("j", r"j\e\r")
    return date_filter(value, fmt)
