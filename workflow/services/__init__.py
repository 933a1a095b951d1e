"""The services that change items: create, edit, and the seven 三审 actions.

Every service takes the session, the acting user and `now` (an aware datetime); it
checks everything before writing, writes the change and its audit row, and returns
events. It never commits and never sends anything: the caller commits, then hands the
events on. After a StaleVersion the caller must roll back (the web layer does on any
error).
"""

from workflow.enums import Action
from workflow.services.drafting import (
    add_attachment,
    create_item,
    remove_attachment,
    update_draft,
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

ACTIONS = {
    Action.SUBMIT: submit,
    Action.APPROVE: approve,
    Action.REJECT: reject,
    Action.RESUBMIT: resubmit,
    Action.WITHDRAW: withdraw,
    Action.RETRACT: retract,
    Action.REVISE: revise,
}

__all__ = [
    "ACTIONS",
    "add_attachment",
    "approve",
    "create_item",
    "reject",
    "remove_attachment",
    "resubmit",
    "retract",
    "revise",
    "submit",
    "update_draft",
    "withdraw",
]
