"""Acknowledgement callbacks waiting for an answer: their bound and their
timeouts, for servers (by sid) and clients (by namespace). No I/O.

The callbacks stay where python-socketio keeps them, a dict of tables
``callbacks[key] = {0: id counter, ack_id: callback, ...}``;
:class:`PendingCallbacks` adds two rules to it:

* a table holds at most ``limit`` callbacks: registering one more drops the
  oldest (a client that never answers cannot make them pile up), with a
  warning that one client cannot repeat more than once a minute;
* a :class:`TimedCallback` (an emit with ``timeout=``) is dropped when no
  answer came in time, and its ``on_timeout`` is called. The timers run on
  the endpoint's scheduler (``Timers`` of :mod:`socketio.async_primitives`
  or :mod:`socketio.primitives`): the event loop, or one background task per
  server or client, never a thread per emit.
"""
from __future__ import annotations

import logging
import threading
from numbers import Real
from typing import Any, Callable, Dict, Hashable, Optional

from .log_limits import RepeatedLog
from .payload import register_callback

#: Callbacks kept per client of a server (per namespace of a client) while
#: they wait for an acknowledgement, by default.
MAX_PENDING_CALLBACKS = 1000


class TimedCallback:
    """An acknowledgement callback that gives up after ``timeout`` seconds,
    then calls ``on_timeout()`` (if given) instead. Calling it calls the
    callback."""

    __slots__ = ('callback', 'timeout', 'on_timeout')

    def __init__(self, callback: Callable[..., Any], timeout: float,
                 on_timeout: Optional[Callable[[], Any]] = None) -> None:
        self.callback = callback
        self.timeout = timeout
        self.on_timeout = on_timeout

    def __call__(self, *args: Any) -> Any:
        return self.callback(*args)

    def __repr__(self) -> str:
        return f'<TimedCallback {self.callback!r} timeout={self.timeout}>'


def with_timeout(callback: Optional[Callable[..., Any]], timeout: Optional[float],
                 on_timeout: Optional[Callable[[], Any]]) -> Optional[Callable[..., Any]]:
    """The callback an emit registers: ``callback`` itself without a
    ``timeout``, else a :class:`TimedCallback`. ``ValueError`` for a timeout
    without a callback or one that is not a positive number, ``TypeError``
    for an ``on_timeout`` that cannot be called."""
    if timeout is None:
        if on_timeout is not None:
            raise ValueError('on_timeout needs a timeout')
        return callback
    if callback is None:
        raise ValueError('A timeout needs a callback')
    if isinstance(timeout, bool) or not isinstance(timeout, Real) or not timeout > 0:
        raise ValueError(f'Invalid timeout: {timeout!r} (a positive number of seconds)')
    if on_timeout is not None and not callable(on_timeout):
        raise TypeError('on_timeout must be callable')
    return TimedCallback(callback, float(timeout), on_timeout)


def check_limit(limit: Any) -> int:
    """Validate a ``max_pending_callbacks`` value (0 or None: no limit)."""
    if limit is None:
        return 0
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValueError(f'Invalid max_pending_callbacks: {limit!r}')
    return limit


class PendingCallbacks:
    """The bound and the timers of the callbacks of one manager or client.

    ``owner.callbacks`` is the dict of tables (read when a timer fires, so
    that a client replacing it on disconnect is seen), ``owner._timers()``
    the scheduler, ``owner._get_logger()`` or ``owner.logger`` the logger.
    """

    def __init__(self, owner: Any, limit: int = MAX_PENDING_CALLBACKS) -> None:
        self.owner = owner
        self.limit = check_limit(limit)
        #: callbacks dropped because a table was full, since the start
        self.dropped = 0
        self._timers: Dict[Any, Dict[int, Any]] = {}  # key -> ack id -> timer
        self._lock = threading.Lock()
        self._repeated = RepeatedLog()

    def _logger(self) -> logging.Logger:
        get_logger = getattr(self.owner, '_get_logger', None)
        return get_logger() if get_logger is not None else self.owner.logger

    # -- registering ----------------------------------------------------------
    def register(self, key: Any, callback: Callable[..., Any]) -> int:
        """Store ``callback`` under a new ack id for ``key`` and return the id;
        start its timer if it is a :class:`TimedCallback`."""
        callbacks = self.owner.callbacks
        ack_id = register_callback(callbacks, key, callback)
        if self.limit:
            table = callbacks.get(key)
            if table is not None and len(table) > self.limit + 1:  # + the counter
                self._drop_oldest(key, table)
        if type(callback) is TimedCallback:
            timer = self.owner._timers().call_later(callback.timeout, self._expire, key,
                                                    ack_id, callback)
            with self._lock:
                self._timers.setdefault(key, {})[ack_id] = timer
        return ack_id

    def _drop_oldest(self, key: Any, table: Dict[int, Any]) -> None:
        """Drop the oldest callbacks of a full table (the first registered)."""
        dropped = []
        with self._lock:
            while len(table) > self.limit + (0 in table):
                oldest = _first_id(table)
                if oldest is None:
                    break
                callback = table.pop(oldest, None)
                if callback is not None:
                    dropped.append((oldest, callback))
            self.dropped += len(dropped)
        for ack_id, callback in dropped:
            timer = self._pop_timer(key, ack_id)
            if timer is not None:  # it will never be answered: say so now
                self.owner._timers().cancel(timer)
                if callback.on_timeout is not None:
                    self.owner._timers().call_later(0, callback.on_timeout)
        if dropped:
            self._repeated.log(self._logger(), logging.WARNING, key, 'callbacks dropped',
                               '%s has %d callbacks waiting for an acknowledgement: the '
                               'oldest is dropped', key, self.limit)

    # -- answers, timeouts, departures ------------------------------------------
    def answered(self, key: Any, ack_id: Any) -> None:
        """The callback of ``(key, ack_id)`` was taken for its answer: stop
        its timer."""
        if self._timers:
            timer = self._pop_timer(key, ack_id)
            if timer is not None:
                self.owner._timers().cancel(timer)

    def _expire(self, key: Any, ack_id: int, callback: TimedCallback) -> Any:
        """A timer fired: drop the callback if it is still waiting and call
        its ``on_timeout``; return what that returns (the asyncio scheduler
        awaits a coroutine)."""
        self._pop_timer(key, ack_id)
        table = self.owner.callbacks.get(key)
        if table is None or table.get(ack_id) is not callback:
            return None
        if table.pop(ack_id, None) is not callback or callback.on_timeout is None:
            return None
        return callback.on_timeout()

    def forget(self, key: Any) -> None:
        """``key`` (a client, a namespace) is gone: stop its timers, without
        calling ``on_timeout``, and forget its warnings."""
        with self._lock:
            timers = self._timers.pop(key, None)
        if timers:
            scheduler = self.owner._timers()
            for timer in timers.values():
                scheduler.cancel(timer)
        self._repeated.forget(self._logger(), key)

    def forget_all(self) -> None:
        """Every key is gone (a client disconnected)."""
        for key in list(self._timers):
            self.forget(key)

    def timers(self, key: Optional[Hashable] = None) -> int:
        """The number of running timers (of ``key``, or in all)."""
        with self._lock:
            if key is not None:
                return len(self._timers.get(key, ()))
            return sum(len(timers) for timers in self._timers.values())

    def _pop_timer(self, key: Any, ack_id: Any) -> Any:
        with self._lock:
            timers = self._timers.get(key)
            if timers is None:
                return None
            timer = timers.pop(ack_id, None)
            if not timers:
                del self._timers[key]
            return timer


def _first_id(table: Dict[int, Any]) -> Optional[int]:
    """The first ack id of a table in insertion order (the counter, key 0,
    is skipped); other threads may change the table meanwhile."""
    for _ in range(100):
        try:
            for ack_id in table:
                if ack_id != 0:
                    return ack_id
            return None
        except RuntimeError:  # changed during the iteration: try again
            continue
    return None
