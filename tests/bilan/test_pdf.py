"""The document de synthèse as a PDF: read it back with a PDF text extractor."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from bilan import pdf, services
from bilan.models import SYNTHESIS_SECTIONS, BilanStatus
from tests.bilan import builders

pytestmark = pytest.mark.django_db


def _text(reader: PdfReader) -> str:
    # Extraction keeps the characters but may break lines and glue spaces; compare loosely.
    return " ".join(page.extract_text() for page in reader.pages)


def _loose(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").replace("-\n", "").split())


@pytest.fixture
def delivered(side_a):
    bilan = builders.bilan(
        side_a,
        status=BilanStatus.DELIVERED,
        beneficiary=builders.beneficiary(side_a, first_name="Éloïse", last_name="Lefèvre-Çelik"),
    )
    with side_a.scope():
        return services.get_synthesis(bilan)


def test_pdf_has_the_sections_accents_and_page_numbers(side_a, delivered):
    with side_a.scope():
        data = delivered.pdf.read()
    reader = PdfReader(io.BytesIO(data))
    text = _loose(_text(reader))
    for _name, title, _help in SYNTHESIS_SECTIONS:
        assert _loose(str(title)) in text, title
    assert "Éloïse Lefèvre-Çelik" in text
    assert "Alpha Bilans" in text
    assert "Document de synthèse" in text
    assert "comptabilité" in text
    assert "pédagogie" in text
    assert f"Page 1 sur {len(reader.pages)}" in text
    # French dates ("jeudi 26 novembre 2026").
    assert any(
        month in text
        for month in (
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        )
    )


def test_pdf_is_tagged_in_french(side_a, delivered):
    with side_a.scope():
        reader = PdfReader(io.BytesIO(delivered.pdf.read()))
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert catalog["/MarkInfo"]["/Marked"]
    assert str(catalog["/Lang"]).startswith("fr")
    assert reader.metadata.title.startswith("Document de synthèse")


def test_french_typography_puts_no_break_spaces_before_high_punctuation():
    text = pdf.french_typography(
        "Pourquoi ? Parce que ! Voici : « la suite » ; https://exemple.fr/a:b"
    )
    assert "Pourquoi\u202f?" in text
    assert "Parce que\u202f!" in text
    assert "Voici\u00a0:" in text
    assert "«\u00a0la suite\u00a0»" in text
    assert "\u202f;" in text
    assert "https://exemple.fr/a:b" in text
    assert pdf.french_typography("Quoi?!") == "Quoi\u202f?!"


def test_logo_is_drawn_when_the_organisation_has_one(side_a, delivered, tmp_path):
    from django.core.files.base import ContentFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (45, 75, 216)).save(buffer, format="PNG")
    side_a.organisation.logo.save("logo.png", ContentFile(buffer.getvalue()))
    with side_a.scope():
        delivered.bilan.organisation.refresh_from_db()
        html = pdf.render_synthesis_html(delivered)
        assert 'alt="Logo de Alpha Bilans"' in html
        data = pdf.render_synthesis_pdf(delivered)
    reader = PdfReader(io.BytesIO(data))
    assert any(page.images for page in reader.pages)


def test_organisation_name_is_safe_in_the_page_header(side_a, delivered):
    assert pdf.css_string('A "B" </style> & C') == "A \\22 B\\22  \\3c /style\\3e  \\26  C"
    side_a.organisation.name = 'Cap "Avenir" </style> & Cie'
    side_a.organisation.save()
    with side_a.scope():
        delivered.bilan.organisation.refresh_from_db()
        data = pdf.render_synthesis_pdf(delivered)
    text = _loose(_text(PdfReader(io.BytesIO(data))))
    assert 'Cap "Avenir" </style> & Cie' in text


def test_dates_in_words_use_the_french_ordinal_for_the_first():
    from datetime import date

    from django.utils import translation

    from bilan.templatetags.bilan_tags import date_fr

    with translation.override("fr"):
        assert date_fr(date(2026, 12, 1)) == "mardi 1er décembre 2026"
        assert date_fr(date(2026, 11, 26)) == "jeudi 26 novembre 2026"
        assert date_fr(date(2026, 12, 1), "j F Y") == "1er décembre 2026"
