"""The one place where events leave the web layer, after the commit.

Every view runs its `workflow` service through `web.helpers.run` (workflow.runner),
which commits first, then passes the outcome's events here. Each is logged; the
notifications layer connects here (it registers a handler in
`app.extensions["sanshen.event_handlers"]`), so nothing is ever sent for a change that
was rolled back.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from flask import Flask

log = logging.getLogger("sanshen.events")

Handler = Callable[[Sequence[Any]], None]
HANDLERS_KEY = "sanshen.event_handlers"


def add_handler(app: Flask, handler: Handler) -> None:
    app.extensions.setdefault(HANDLERS_KEY, []).append(handler)


def dispatch(app: Flask, events: Iterable[Any]) -> None:
    """Hand committed events on: log each, then call every registered handler. A failing
    handler is logged and does not fail the request (the change is already committed)."""
    batch = list(events)
    if not batch:
        return
    for event in batch:
        is_instance = dataclasses.is_dataclass(event) and not isinstance(event, type)
        fields = dataclasses.asdict(event) if is_instance else event
        log.info("%s %s", type(event).__name__, fields)
    for handler in app.extensions.get(HANDLERS_KEY, []):
        try:
            handler(batch)
        except Exception:  # the commit stands; the handler's owner must see the error
            log.exception("event handler %r failed", handler)
