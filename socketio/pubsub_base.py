"""Helpers of the message-queue managers that need no I/O: lazy imports of
the client libraries, the listeners' backoff, the eventlet/gevent check.

The managers themselves are :class:`~socketio.AsyncPubSubManager`
(``async_pubsub_manager.py``) and :class:`~socketio.PubSubManager`
(generated from it), and the backend modules.
"""
from __future__ import annotations

import logging
from typing import Any

#: Delays between two attempts to reach the broker while it is away: from
#: RETRY_FIRST doubling up to RETRY_MAX seconds, so that a broker that comes
#: back is used again within half a second.
RETRY_FIRST, RETRY_MAX = 0.1, 0.5

#: Seconds the publisher waits, once the broker is back after an outage,
#: before sending the messages it kept: the listeners retry at least every
#: RETRY_MAX seconds, and a broker drops what is published while nobody listens.
LISTENER_GRACE = 1.0

#: Messages kept by default while the broker cannot be reached
#: (``max_buffered_messages`` of the managers).
MAX_BUFFERED_MESSAGES = 1000


#: Marks a client library that is imported on first use (keeps ``import socketio`` fast).
LAZY: Any = type('Lazy', (), {'__repr__': lambda self: '<not imported yet>'})()


def optional_import(name: str) -> Any:
    """Import and return module ``name``, or None when it is not installed."""
    import importlib
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


class Backoff:
    """Reconnection delays, and the failures since the last success (an
    outage is logged once, at its first failure)."""

    def __init__(self, first: float = RETRY_FIRST, maximum: float = RETRY_MAX) -> None:
        self.first, self.maximum = first, maximum
        self.delay = first
        self.failures = 0

    def next(self) -> float:
        """Count a failure; return the delay to wait now (the following one
        doubles, up to the maximum)."""
        self.failures += 1
        delay = self.delay
        self.delay = min(self.delay * 2, self.maximum)
        return delay

    @property
    def first_failure(self) -> bool:
        """True right after the first failure since the last success."""
        return self.failures == 1

    def reset(self) -> int:
        """Start again after a success; return the failures it ends."""
        failures, self.failures = self.failures, 0
        self.delay = self.first
        return failures

    def failed(self, logger: logging.Logger, broker: str, error: Any) -> float:
        """Count a failure to receive from ``broker``; return the delay to
        wait. Only the first failure of an outage is logged."""
        delay = self.next()
        if self.first_failure:
            logger.error('Cannot receive from %s... retrying in %s secs (%s)', broker, delay,
                         error or 'connection lost', extra={broker + '_exception': str(error)})
        return delay

    def recovered(self, logger: logging.Logger, broker: str) -> None:
        """Receiving works (again): log the end of an outage."""
        failures = self.reset()
        if failures:
            logger.warning('Receiving from %s again (failed attempts: %d)', broker,
                           failures)


def check_monkey_patched(server: Any, library: str) -> None:
    """Raise RuntimeError when an eventlet/gevent server runs unpatched sockets."""
    async_mode = getattr(server, 'async_mode', None) or ''
    patched = True
    if async_mode == 'eventlet':
        from eventlet.patcher import is_monkey_patched
        patched = is_monkey_patched('socket')
    elif 'gevent' in async_mode:
        from gevent.monkey import is_module_patched
        patched = is_module_patched('socket')
    if not patched:
        raise RuntimeError(f'{library} requires a monkey patched socket library to work '
                           f'with {async_mode}')
