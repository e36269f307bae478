"""The rules of the bilan (one function per action). Views, API, admin and tasks call these.

Every function runs inside the caller's organisation scope and refuses rows of another
organisation. Refusals are `BilanError` (a ValidationError) with a French message. By
responsibility:

- common.py: BilanError, the timeline (record_event), model validation
- beneficiaries.py: one person, one record
- bilans.py: opening a bilan, its phases, closing, abandoning, the 24-hour exception
- meetings.py: meetings and the hours ledger
- synthesis.py: drafts, delivery (sends synthesis_delivered)
- action_plan.py: the action plan

Who may see and do what is not here but in bilan/rules.py (the services ask it too).

Callers use the package (`from bilan import services; services.open_bilan(...)`); the names
below are its public interface.
"""

from bilan.services.action_plan import add_action, get_action_plan, update_action
from bilan.services.beneficiaries import (
    create_beneficiary,
    find_duplicate_beneficiary,
    update_beneficiary,
)
from bilan.services.bilans import (
    NEXT_STATUS,
    abandon_bilan,
    advance_phase,
    close_bilan,
    cpf_withdrawal_ends_on,
    grant_hours_override,
    open_bilan,
    update_bilan,
)
from bilan.services.common import BilanError, record_event
from bilan.services.meetings import (
    PHASE_ORDER,
    Ledger,
    delete_meeting,
    format_hours,
    hours_ledger,
    log_meeting,
    update_meeting,
)
from bilan.services.synthesis import (
    deliver_synthesis,
    delivery_warnings,
    get_synthesis,
    record_access,
    save_synthesis_draft,
    set_beneficiary_comment,
)

__all__ = [
    "NEXT_STATUS",
    "PHASE_ORDER",
    "BilanError",
    "Ledger",
    "abandon_bilan",
    "add_action",
    "advance_phase",
    "close_bilan",
    "cpf_withdrawal_ends_on",
    "create_beneficiary",
    "delete_meeting",
    "deliver_synthesis",
    "delivery_warnings",
    "find_duplicate_beneficiary",
    "format_hours",
    "get_action_plan",
    "get_synthesis",
    "grant_hours_override",
    "hours_ledger",
    "log_meeting",
    "open_bilan",
    "record_access",
    "record_event",
    "save_synthesis_draft",
    "set_beneficiary_comment",
    "update_action",
    "update_beneficiary",
    "update_bilan",
    "update_meeting",
]
