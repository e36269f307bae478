"""The consultant's pages: beneficiaries, the bilan and its synthesis."""

from bilan.views.beneficiaries import beneficiary_create, beneficiary_detail, beneficiary_edit
from bilan.views.bilans import (
    action_create,
    action_edit,
    bilan_abandon,
    bilan_advance,
    bilan_close,
    bilan_create,
    bilan_detail,
    bilan_edit,
    bilan_override,
    meeting_create,
    meeting_delete,
    meeting_edit,
)
from bilan.views.synthesis import (
    synthesis,
    synthesis_deliver,
    synthesis_pdf,
    synthesis_preview,
)

__all__ = [
    "action_create",
    "action_edit",
    "beneficiary_create",
    "beneficiary_detail",
    "beneficiary_edit",
    "bilan_abandon",
    "bilan_advance",
    "bilan_close",
    "bilan_create",
    "bilan_detail",
    "bilan_edit",
    "bilan_override",
    "meeting_create",
    "meeting_delete",
    "meeting_edit",
    "synthesis",
    "synthesis_deliver",
    "synthesis_pdf",
    "synthesis_preview",
]
