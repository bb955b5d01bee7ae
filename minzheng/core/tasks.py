"""Background work. `enqueue` is the single way to start it.

Tasks are plain functions that take ids and are safe to run twice. The runner is chosen
by settings.TASK_RUNNER: "celery" in production, "thread" in the embedded setup (so a
progress bar really moves while the page polls), "eager" in tests. Work is started only
after the surrounding transaction commits.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


def _run(path: str, kwargs: dict) -> None:
    try:
        import_string(path)(**kwargs)
    except Exception:  # the task records its own failure on its Job; this is the last net
        log.exception("background task %s failed", path)
    finally:
        connection.close()


def enqueue(func: Callable, **kwargs) -> None:
    path = f"{func.__module__}.{func.__name__}"
    runner = settings.TASK_RUNNER

    def start() -> None:
        if runner == "celery":
            from .celery_tasks import run_path

            run_path.delay(path, kwargs)
        elif runner == "thread":
            threading.Thread(
                target=_run, args=(path, kwargs), daemon=True, name=f"task:{path}"
            ).start()
        else:
            import_string(path)(**kwargs)

    transaction.on_commit(start)
