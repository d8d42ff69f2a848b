"""Reused threads for event handlers (the standard server in threading mode).

Starting a thread costs far more than the dispatch of an event (about 70 us
of CPU against about 10 us), so in ``threading`` mode the standard server runs
each event handler on an idle thread when there is one, and starts a new
thread only when every thread is busy. Handlers still run concurrently and
without limit, as they would on a thread each; a thread left idle for
``idle_timeout`` seconds ends. Each handler runs in a fresh
:mod:`contextvars` context, as it would at the start of a new thread.
"""
from __future__ import annotations

import contextvars
import logging
import os
import queue
import threading
import weakref
from typing import Any, Callable, Tuple

logger = logging.getLogger('socketio.server')

Job = Tuple[Callable[..., Any], Tuple[Any, ...]]


class HandlerThreads:
    """An unbounded pool of daemon threads that are reused while busy enough.

    Bookkeeping invariant: ``_idle`` equals the number of threads waiting for
    a job minus the jobs queued. A job is queued under the lock and either
    claims an idle thread or starts a new one; a thread whose wait times out
    ends only if no job is queued (then it was one of the idle ones). It is
    negative while jobs wait for a thread (one could not be started).
    """

    def __init__(self, idle_timeout: float = 60.0, name: str = 'socketio-handler') -> None:
        self.idle_timeout = idle_timeout
        self.name = name
        self._lock = threading.Lock()
        self._reset()
        _pools.add(self)

    def _reset(self) -> None:
        # queue.Queue, not SimpleQueue: it is built on threading's locks, so
        # it cooperates with eventlet/gevent monkey patching.
        self._jobs: queue.Queue[Job] = queue.Queue()
        self._idle = 0
        self._threads = 0

    def submit(self, target: Callable[..., Any], *args: Any) -> None:
        """Run ``target(*args)`` on an idle thread, or on a new one."""
        with self._lock:
            self._jobs.put((target, args))
            if self._idle > 0:
                self._idle -= 1
                return
            self._threads += 1
        try:
            threading.Thread(target=self._work, name=self.name, daemon=True).start()
        except BaseException:
            # no thread for the job just queued: count it as waiting for an
            # idle thread, so the next one to finish takes it, and tell
            with self._lock:
                self._threads -= 1
                self._idle -= 1
            raise

    @property
    def threads(self) -> int:
        """Threads alive in the pool (busy or idle)."""
        return self._threads

    def _work(self) -> None:
        jobs, lock = self._jobs, self._lock
        while True:
            try:
                target, args = jobs.get(timeout=self.idle_timeout)
            except queue.Empty:
                with lock:
                    if jobs.empty():
                        self._idle -= 1
                        self._threads -= 1
                        return
                continue
            try:
                contextvars.Context().run(target, *args)
            except Exception:  # a thread of its own would end here; the pool goes on
                logger.exception('Unhandled error in an event handler thread')
            del target, args
            with lock:
                self._idle += 1


_pools: weakref.WeakSet[HandlerThreads] = weakref.WeakSet()


def _after_fork_in_child() -> None:  # pragma: no cover - runs in a forked child
    # The threads of a pool do not survive fork(); forget them in the child.
    for pool in list(_pools):
        pool._lock = threading.Lock()
        pool._reset()


if hasattr(os, 'register_at_fork'):
    os.register_at_fork(after_in_child=_after_fork_in_child)


#: The pool shared by the standard servers of the process.
shared = HandlerThreads()
