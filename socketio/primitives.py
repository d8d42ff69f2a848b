"""The few waiting primitives of the standard flavour (threads, eventlet,
gevent): the same functions as :mod:`socketio.async_primitives`, which the
generated standard modules import instead."""
from __future__ import annotations

import threading
import time
from typing import Any, Optional

#: the event type of the simple clients
Event = threading.Event


def wait_event(event: Any, timeout: Optional[float]) -> bool:
    """Wait until ``event`` is set; False when ``timeout`` seconds passed first."""
    return bool(event.wait(timeout))


def join_task(task: Any) -> Any:
    """Wait for a background task (a thread or greenlet) to end."""
    join = getattr(task, 'join', None) or task.wait
    return join()


def wait_shielded(fn: Any, *args: Any) -> Any:
    """Run ``fn(*args)`` (threads cannot be cancelled: nothing to shield)."""
    return fn(*args)


def close_quietly(connection: Any) -> None:
    """Close a broker connection that may be broken already (errors ignored)."""
    if connection is not None:
        try:
            connection.close()
        except Exception:  # already broken
            pass


def drain_queue(queue: Any, timeout: float) -> None:
    """Wait (at most ``timeout`` seconds) until every item put in ``queue``
    (a :class:`queue.Queue`) was taken and marked done by its consumer."""
    deadline = time.monotonic() + timeout
    while queue.unfinished_tasks and time.monotonic() < deadline:
        time.sleep(0.01)


def spawn(fn: Any, *args: Any) -> Any:
    """Run ``fn(*args)`` in a daemon thread of its own, where there is no
    server to start background tasks."""
    thread = threading.Thread(target=fn, args=args, daemon=True)
    thread.start()
    return thread


def sleep(seconds: float) -> None:
    """Sleep (cooperatively once eventlet or gevent patched ``time``)."""
    time.sleep(seconds)
