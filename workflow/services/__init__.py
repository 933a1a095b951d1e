"""The services that change items: create, edit, and the seven 三审 actions.

Every service takes the session, the acting user and `now` (an aware datetime) as
`service(session, *, actor, now, ...)`; it checks everything before writing, writes the
change and its audit row, and returns an `Outcome` (workflow.outcome): its value (the
item, or what the service naturally yields), the events to send and any administrators'
log entries. A service never commits and never sends anything: `workflow.runner.run`
calls it, commits (rolling back on any error, StaleVersion included), and only then
hands the events on — for the web views, the commands and the jobs alike.
"""

from collections.abc import Callable

from workflow.enums import Action
from workflow.outcome import Outcome
from workflow.services.core import ItemSnapshot
from workflow.services.drafting import (
    add_attachment,
    create_item,
    remove_attachment,
    update_draft,
)
from workflow.services.flow import (
    create_delegation,
    end_delegation,
    nudge,
    recall,
)
from workflow.services.review import (
    approve,
    reject,
    resubmit,
    retract,
    revise,
    submit,
    withdraw,
)

# The actions by name, for callers that pick one at run time (demo data, tests).
ACTIONS: dict[Action, Callable[..., Outcome[ItemSnapshot]]] = {
    Action.SUBMIT: submit,
    Action.APPROVE: approve,
    Action.REJECT: reject,
    Action.RESUBMIT: resubmit,
    Action.WITHDRAW: withdraw,
    Action.RETRACT: retract,
    Action.REVISE: revise,
    Action.RECALL: recall,
}

__all__ = [
    "ACTIONS",
    "add_attachment",
    "approve",
    "create_delegation",
    "create_item",
    "end_delegation",
    "nudge",
    "recall",
    "reject",
    "remove_attachment",
    "resubmit",
    "retract",
    "revise",
    "submit",
    "update_draft",
    "withdraw",
]
