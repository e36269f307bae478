from __future__ import annotations

from rest_framework import renderers


class PDFRenderer(renderers.BaseRenderer):
    """Lets a client ask for `Accept: application/pdf`; the PDF itself is a FileResponse."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return renderers.JSONRenderer().render(data)
