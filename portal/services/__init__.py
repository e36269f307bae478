"""The rules of the beneficiary's portal (one function per action). Views and the admin call them
as `from portal import services; services.invite_beneficiary(...)`.

- own_rows: the beneficiary's own rows by id: `own_bilan`, `own_action`, `own_share` (who sees
  what is bilan/rules.py's to say; everything else is a 404).
- invitations: `invite_beneficiary` (consultant) then `activate_portal_account` (the beneficiary
  sets a password through a single-use, expiring link whose secret is stored hashed).
- sharing: the synthesis: `share_synthesis`, `revoke_share`, `find_share`, `open_share`.
- action_plan: `add_own_action`, `update_own_action` (the bilan services write the timeline).
- data_export and data_requests: their data (RGPD): `export_personal_data` (a ZIP) and
  `request_data_change`, `handle_data_request`.
- journey: where they stand: `phase_steps`, `follow_up_summary`.
"""

from portal.services.action_plan import (
    ACTION_PLAN_STATUSES,
    BENEFICIARY_ACTION_FIELDS,
    OWN_ACTION_FIELDS,
    action_plan_open,
    add_own_action,
    update_own_action,
)
from portal.services.data_export import export_personal_data, personal_data, readme_text
from portal.services.data_requests import (
    handle_data_request,
    organisation_admin_emails,
    request_data_change,
)
from portal.services.errors import PortalError
from portal.services.invitations import (
    SentPortalInvitation,
    activate_portal_account,
    find_portal_invitation,
    invite_beneficiary,
    portal_access,
    portal_invitation_url,
)
from portal.services.journey import PHASES, follow_up_summary, phase_steps
from portal.services.own_rows import (
    beneficiary_of,
    delivered_synthesis,
    own_action,
    own_bilan,
    own_share,
)
from portal.services.sharing import (
    DEFAULT_SHARE_VALIDITY_DAYS,
    SHARE_VALIDITY_CHOICES,
    CreatedShare,
    find_share,
    open_share,
    revoke_share,
    share_synthesis,
    share_url,
    synthesis_pdf_filename,
)

__all__ = [
    "ACTION_PLAN_STATUSES",
    "BENEFICIARY_ACTION_FIELDS",
    "DEFAULT_SHARE_VALIDITY_DAYS",
    "OWN_ACTION_FIELDS",
    "PHASES",
    "SHARE_VALIDITY_CHOICES",
    "CreatedShare",
    "PortalError",
    "SentPortalInvitation",
    "action_plan_open",
    "activate_portal_account",
    "add_own_action",
    "beneficiary_of",
    "delivered_synthesis",
    "export_personal_data",
    "find_portal_invitation",
    "find_share",
    "follow_up_summary",
    "handle_data_request",
    "invite_beneficiary",
    "open_share",
    "organisation_admin_emails",
    "own_action",
    "own_bilan",
    "own_share",
    "personal_data",
    "phase_steps",
    "portal_access",
    "portal_invitation_url",
    "readme_text",
    "request_data_change",
    "revoke_share",
    "share_synthesis",
    "share_url",
    "synthesis_pdf_filename",
    "update_own_action",
]
