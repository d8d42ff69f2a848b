"""The few waiting primitives of the standard flavour (threads, eventlet,
gevent): the same functions as :mod:`socketio.async_primitives`, which the
generated standard modules import instead."""
from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from typing import Any, List, Optional, Tuple

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


class Timers:
    """Delayed calls of one server or client (acknowledgement timeouts): a
    heap served by one background task (a thread, or a greenlet with
    eventlet/gevent), started with the endpoint's ``start_background_task``
    when a call is scheduled and ending after ``IDLE`` seconds without any.
    Cancelled calls leave the heap lazily; it is compacted when they are
    more than half of it."""

    #: seconds the background task waits for new calls before it ends
    IDLE = 30.0

    def __init__(self, endpoint: Any) -> None:
        self.endpoint = endpoint
        self._heap: List[Tuple[float, int, List[Any]]] = []
        self._order = itertools.count()
        self._lock = threading.Lock()
        self._wakeup = endpoint.eio.create_event()
        self._running = False
        self._cancelled = 0

    def call_later(self, delay: float, fn: Any, *args: Any) -> Any:
        """Call ``fn(*args)`` in ``delay`` seconds, in the background task;
        return a handle for :meth:`cancel`."""
        entry = [fn, args]
        deadline = time.monotonic() + delay
        with self._lock:
            heapq.heappush(self._heap, (deadline, next(self._order), entry))
            earliest = self._heap[0][2] is entry
            start, self._running = not self._running, True
        if start:
            self.endpoint.start_background_task(self._run)
        elif earliest:
            self._wakeup.set()
        return entry

    def cancel(self, handle: Any) -> None:
        """Cancel a call that may have run already."""
        if handle[0] is None:
            return
        handle[0], handle[1] = None, ()
        with self._lock:
            self._cancelled += 1
            if self._cancelled > 64 and 2 * self._cancelled > len(self._heap):
                self._heap = [item for item in self._heap if item[2][0] is not None]
                heapq.heapify(self._heap)
                self._cancelled = 0

    def pending(self) -> int:
        """The number of calls in the heap, cancelled ones included."""
        return len(self._heap)

    def _run(self) -> None:
        idle_since = None
        while True:
            due = []
            with self._lock:
                now = time.monotonic()
                heap = self._heap
                while heap and (heap[0][2][0] is None or heap[0][0] <= now):
                    entry = heapq.heappop(heap)[2]
                    if entry[0] is None:
                        self._cancelled = max(0, self._cancelled - 1)
                    else:
                        due.append(entry)
                if heap or due:
                    idle_since = None
                elif idle_since is None:
                    idle_since = now
                elif now - idle_since >= self.IDLE:
                    self._running = False
                    return
                wait = heap[0][0] - now if heap else self.IDLE
                self._wakeup.clear()
            for entry in due:
                fn, args = entry[0], entry[1]
                entry[0], entry[1] = None, ()
                if fn is None:  # cancelled meanwhile
                    continue
                try:
                    fn(*args)
                except Exception:
                    logging.getLogger('socketio').exception('Error in a timer callback')
            if not due:
                self._wakeup.wait(wait)
