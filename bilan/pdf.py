"""The document de synthèse as a PDF (WeasyPrint, from templates/pdf/synthesis.html).

French typography: a (narrow) no-break space before « : ; ? ! » and inside « guillemets », words
hyphenated in French (lang="fr"), page numbers "Page X sur Y" from CSS @page counters. The PDF
is tagged (PDF/UA-1) so screen readers can follow its structure.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone, translation

from bilan.models import Synthesis

# WeasyPrint reports each rendering step at INFO level: too chatty for commands and workers.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

NBSP = "\u00a0"
NARROW_NBSP = "\u202f"

_BEFORE_HIGH_PUNCTUATION = re.compile(r"[ \u00a0\u202f]*([;?!])")
_BEFORE_COLON = re.compile(r"(?<=\S)[ \u00a0\u202f]*:(?=\s|$)")
_OPEN_QUOTE = re.compile(r"«[ \u00a0\u202f]*")
_CLOSE_QUOTE = re.compile(r"[ \u00a0\u202f]*»")
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)


def french_typography(text: str) -> str:
    """Put the no-break spaces French typography wants before high punctuation.

    URLs are left alone (``https://`` keeps its colon glued)."""
    parts, last = [], 0
    for match in _URL.finditer(text):
        parts.append(_fix(text[last : match.start()]))
        parts.append(match.group(0))
        last = match.end()
    parts.append(_fix(text[last:]))
    return "".join(parts)


def _fix(text: str) -> str:
    text = _BEFORE_HIGH_PUNCTUATION.sub(lambda m: NARROW_NBSP + m.group(1), text)
    # Do not put a space inside "?!" runs or at the start of a line.
    text = re.sub(NARROW_NBSP + r"([;?!])" + NARROW_NBSP, NARROW_NBSP + r"\1", text)
    text = re.sub(r"(^|\n)" + NARROW_NBSP, r"\1", text)
    text = re.sub(r"([?!])" + NARROW_NBSP + r"([?!])", r"\1\2", text)
    text = _BEFORE_COLON.sub(NBSP + ":", text)
    text = _OPEN_QUOTE.sub("«" + NBSP, text)
    text = _CLOSE_QUOTE.sub(NBSP + "»", text)
    return text


def paragraphs(text: str) -> list[str]:
    """Split free text into paragraphs (blank lines), typeset in French."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n"))]
    return [french_typography(b) for b in blocks if b]


def css_string(text: str) -> str:
    """Text safe inside a double-quoted CSS string in a <style> element."""
    out = []
    for char in text:
        if char in '\\"<>&' or ord(char) < 32:
            out.append(f"\\{ord(char):x} ")
        else:
            out.append(char)
    return "".join(out)


def _logo_uri(organisation) -> str | None:
    logo = organisation.logo
    if not logo:
        return None
    try:
        path = Path(logo.path)
    except (NotImplementedError, ValueError):
        return None
    return path.as_uri() if path.is_file() else None


def synthesis_context(synthesis: Synthesis) -> dict:
    bilan = synthesis.bilan
    organisation = bilan.organisation
    sections = [
        {
            "number": index,
            "title": french_typography(str(section["title"])),
            "paragraphs": paragraphs(section["text"]),
        }
        for index, section in enumerate(synthesis.sections(), start=1)
    ]
    delivered_at = synthesis.delivered_at or timezone.now()
    return {
        "synthesis": synthesis,
        "bilan": bilan,
        "organisation": organisation,
        "beneficiary": bilan.beneficiary,
        "consultants": list(bilan.consultants.order_by("last_name", "first_name")),
        "sections": sections,
        "goals": [french_typography(g.strip()) for g in bilan.goals.splitlines() if g.strip()],
        "delivered_on": timezone.localtime(delivered_at).date(),
        "logo_uri": _logo_uri(organisation),
        "organisation_css": css_string(organisation.name),
        "beneficiary_comment": paragraphs(synthesis.beneficiary_comment),
    }


def render_synthesis_html(synthesis: Synthesis, *, draft: bool = False) -> str:
    context = synthesis_context(synthesis)
    context["draft"] = draft
    with translation.override("fr"):
        return render_to_string("pdf/synthesis.html", context)


def render_synthesis_pdf(synthesis: Synthesis, *, draft: bool = False) -> bytes:
    """The synthesis as a tagged PDF (bytes). A draft preview is marked as such on every page."""
    from weasyprint import HTML  # heavy import, only when a PDF is made

    html = render_synthesis_html(synthesis, draft=draft)
    document = HTML(string=html, base_url=str(Path(__file__).resolve().parent))
    return document.write_pdf(pdf_variant="pdf/ua-1", uncompressed_pdf=False)
