"""Worker classes that import the job modules once, in the worker process itself:

    rq worker --with-scheduler --worker-class notifications.worker.NotifyWorker sanshen

With the default class every forked work horse imports SQLAlchemy, the models and the
channels again (about half a second per job on a small machine). `NotifySimpleWorker`
runs jobs in the worker process (no fork), keeping the database pool and the SMTP
connection across jobs: the fastest for bulk mail (see bench/reminders.py).
"""

from __future__ import annotations

from rq.worker import BaseWorker, SimpleWorker, Worker

import notifications.jobs  # noqa: F401 (preloaded for every job)

# RQ's command listener waits up to 60 s for a message between checks for its stop flag;
# closing the connection under it at shutdown then blocks for the rest of that minute
# (a burst worker that has finished lingered 60 s about one time in three).
PUBSUB_POLL_SECONDS = 1


class _QuickToStop(BaseWorker):
    """The pubsub listener polls each second, so the worker stops at once."""

    def subscribe(self) -> None:
        self.log.info(
            "Worker %s: subscribing to channel %s",
            self.name,
            self.pubsub_channel_name,
        )
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        # rq leaves pubsub_thread unannotated, so mypy takes its `= None` for its type.
        self.pubsub_thread = self.pubsub.run_in_thread(  # type: ignore[assignment]
            sleep_time=PUBSUB_POLL_SECONDS,
            daemon=True,
            exception_handler=self._pubsub_exception_handler,
        )


class NotifyWorker(_QuickToStop, Worker):
    pass


class NotifySimpleWorker(_QuickToStop, SimpleWorker):
    pass
