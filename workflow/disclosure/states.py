"""The states of a request for disclosure and the moves between them, as a small table.

received ──route──▶ handling ──draft_reply──▶ reply_drafted ──approve_reply──▶
reply_approved ──answer──▶ answered; reply_drafted ──return_reply──▶ handling;
received/handling ──ask_correction──▶ correction ──correction_received──▶ handling
(received while no unit holds it) or ──close_uncorrected──▶ answered;
handling ──consult──▶ consulting ──consult_end──▶ handling.
Extending the time limit, asking 协办 units and their opinions do not move the state.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from workflow.errors import InvalidTransition


class RequestState(StrEnum):
    RECEIVED = "received"  # 已登记，待转办
    HANDLING = "handling"  # 办理中
    CORRECTION = "correction"  # 待补正 (the clock stops; it restarts on the correction)
    CONSULTING = "consulting"  # 征求第三方意见 (not counted)
    REPLY_DRAFTED = "reply_drafted"  # 答复书待审核
    REPLY_APPROVED = "reply_approved"  # 答复书已审核，待发出
    ANSWERED = "answered"  # 已答复


class RequestAction(StrEnum):
    REGISTER = "register"
    ROUTE = "route"  # 转办
    ASK_CORRECTION = "ask_correction"
    CORRECTION_RECEIVED = "correction_received"
    CLOSE_UNCORRECTED = "close_uncorrected"  # 逾期不补正，不再处理
    CONSULT = "consult"
    CONSULT_END = "consult_end"
    EXTEND = "extend"
    ASSIST = "assist"  # 请协办单位提出意见
    ASSIST_OPINION = "assist_opinion"
    DRAFT_REPLY = "draft_reply"
    APPROVE_REPLY = "approve_reply"
    RETURN_REPLY = "return_reply"
    ANSWER = "answer"


S, A = RequestState, RequestAction
OPEN_STATES: Final = tuple(s for s in RequestState if s is not S.ANSWERED)

# (state, action) → the state it leads to; for correction_received the state depends on
# whether a unit already holds the request (`after`).
MOVES: Final[dict[tuple[RequestState, RequestAction], RequestState]] = {
    (S.RECEIVED, A.ROUTE): S.HANDLING,
    (S.HANDLING, A.ROUTE): S.HANDLING,  # routed on again (再次转办)
    (S.RECEIVED, A.ASK_CORRECTION): S.CORRECTION,
    (S.HANDLING, A.ASK_CORRECTION): S.CORRECTION,
    (S.CORRECTION, A.CORRECTION_RECEIVED): S.HANDLING,
    (S.CORRECTION, A.CLOSE_UNCORRECTED): S.ANSWERED,
    (S.HANDLING, A.CONSULT): S.CONSULTING,
    (S.CONSULTING, A.CONSULT_END): S.HANDLING,
    (S.HANDLING, A.DRAFT_REPLY): S.REPLY_DRAFTED,
    (S.REPLY_DRAFTED, A.DRAFT_REPLY): S.REPLY_DRAFTED,
    (S.REPLY_DRAFTED, A.APPROVE_REPLY): S.REPLY_APPROVED,
    (S.REPLY_DRAFTED, A.RETURN_REPLY): S.HANDLING,
    (S.REPLY_APPROVED, A.RETURN_REPLY): S.HANDLING,
    (S.REPLY_APPROVED, A.ANSWER): S.ANSWERED,
}

# Actions that stay in the state they are taken in, and where they may be taken.
STAYS: Final[dict[RequestAction, tuple[RequestState, ...]]] = {
    A.EXTEND: tuple(s for s in OPEN_STATES if s is not S.CORRECTION),
    A.ASSIST: (S.HANDLING, S.CONSULTING),
    A.ASSIST_OPINION: (S.HANDLING, S.CONSULTING, S.REPLY_DRAFTED),
}


def available(state: str, action: RequestAction, *, has_unit: bool = True) -> bool:
    try:
        after(state, action, has_unit=has_unit)
    except InvalidTransition:
        return False
    return True


def after(state: str, action: RequestAction, *, has_unit: bool = True) -> RequestState:
    """Where `action` takes a request in `state`; InvalidTransition when it may not."""
    current = RequestState(state)
    if action in STAYS:
        if current in STAYS[action]:
            return current
        raise InvalidTransition(f"cannot {action} a request in state {current}")
    dest = MOVES.get((current, action))
    if dest is None:
        raise InvalidTransition(f"cannot {action} a request in state {current}")
    if action is A.CORRECTION_RECEIVED and not has_unit:
        return S.RECEIVED
    return dest
