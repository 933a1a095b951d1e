"""Worker classes that import the job modules once, in the worker process itself:

    rq worker --with-scheduler --worker-class notifications.worker.NotifyWorker sanshen

With the default class every forked work horse imports SQLAlchemy, the models and the
channels again (about half a second per job on a small machine). `NotifySimpleWorker`
runs jobs in the worker process (no fork), keeping the database pool and the SMTP
connection across jobs: the fastest for bulk mail (see bench/reminders.py).
"""

from __future__ import annotations

from rq.worker import SimpleWorker, Worker

import notifications.jobs  # noqa: F401 (preloaded for every job)


class NotifyWorker(Worker):
    pass


class NotifySimpleWorker(SimpleWorker):
    pass
