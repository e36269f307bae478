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
