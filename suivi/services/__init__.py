"""The rules of the suivi post-bilan, one function per action, by responsibility:

- planning: a follow-up is created when a synthesis is delivered (or an interview asks for
  another one);
- scheduler: the tick; outbox: the message rows and their queue; sending: one message sent;
- links: the links sent by email and the access they grant;
- booking, beneficiary (decline, check-in, questionnaire), consultant (invite now, move,
  cancel, record the interview), slots, overview (the Suivis page).

Scheduling (docs/scheduling.md): a due date is data. `dispatch_due_followups` is one tick of
the clock:
1. plan: the follow-ups whose invitation date is reached, the reminders without an answer, the
   interview reminders get a message row (unique per follow-up, kind and key: at most once);
2. claim: pending rows are moved to "sending" with `select_for_update(skip_locked=True)`, the
   transaction commits, and only then is the send task enqueued (`transaction.on_commit`);
3. sweep: rows stuck in "sending" longer than the timeout (a worker died, Redis was down when the
   task was queued) are claimed again and re-enqueued; after the last attempt they are "failed".
The send task re-checks the row, stores a stable Message-ID before sending (a resend after a crash
reuses it), sends, and records `sent_at`.

Callers use this package (`from suivi import services; services.book_slot(...)`); the modules
behind it may move.
"""

from suivi.services.beneficiary import (
    decline_follow_up,
    plan_actions,
    save_check_in,
    submit_survey,
)
from suivi.services.booking import (
    available_slots,
    book_slot,
    cancel_booking,
    request_another_time,
)
from suivi.services.common import (
    SuiviError,
    link_validity,
    max_attempts,
    sending_timeout,
)
from suivi.services.consultant import (
    cancel_follow_up,
    invite_now,
    move_follow_up,
    record_interview,
)
from suivi.services.links import (
    GRANTS_SESSION_KEY,
    LINK_PAGE,
    LINK_SALT,
    LinkError,
    beneficiary_may_access,
    follow_up_to_renew,
    grant_access,
    issue_link,
    request_new_link,
    resolve_link,
    spend_link,
)
from suivi.services.outbox import (
    enqueue,
    enqueue_on_commit,
    message_domain,
    new_message_id,
    record_failure,
    retry_failed_message,
)
from suivi.services.overview import overview
from suivi.services.planning import on_synthesis_delivered, schedule_follow_up
from suivi.services.scheduler import (
    Planned,
    dispatch_due_followups,
    preview_due,
    run_tick_in_process,
    sweep_stuck_messages,
    tick,
)
from suivi.services.sending import attach_ics, build_message, send_message
from suivi.services.slots import SLOTS_HORIZON, delete_slot, publish_slots

__all__ = [
    "GRANTS_SESSION_KEY",
    "LINK_PAGE",
    "LINK_SALT",
    "SLOTS_HORIZON",
    "LinkError",
    "Planned",
    "SuiviError",
    "attach_ics",
    "available_slots",
    "beneficiary_may_access",
    "book_slot",
    "build_message",
    "cancel_booking",
    "cancel_follow_up",
    "decline_follow_up",
    "delete_slot",
    "dispatch_due_followups",
    "enqueue",
    "enqueue_on_commit",
    "follow_up_to_renew",
    "grant_access",
    "invite_now",
    "issue_link",
    "link_validity",
    "max_attempts",
    "message_domain",
    "move_follow_up",
    "new_message_id",
    "on_synthesis_delivered",
    "overview",
    "plan_actions",
    "preview_due",
    "publish_slots",
    "record_failure",
    "record_interview",
    "request_another_time",
    "request_new_link",
    "resolve_link",
    "retry_failed_message",
    "run_tick_in_process",
    "save_check_in",
    "schedule_follow_up",
    "send_message",
    "sending_timeout",
    "spend_link",
    "submit_survey",
    "sweep_stuck_messages",
    "tick",
]
