"""Helpers of the message-queue managers that need no I/O: lazy imports of
the client libraries, the listeners' backoff, the eventlet/gevent check.

The managers themselves are :class:`~socketio.AsyncPubSubManager`
(``async_pubsub_manager.py``) and :class:`~socketio.PubSubManager`
(generated from it), and the backend modules.
"""
from __future__ import annotations

from typing import Any

#: Backoff of the listeners: first delay and cap, in seconds.
RETRY_FIRST, RETRY_MAX = 1, 60


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
    """Reconnection delays: 1 s doubling up to 60 s, reset after a success."""

    def __init__(self, first: float = RETRY_FIRST, maximum: float = RETRY_MAX) -> None:
        self.first, self.maximum = first, maximum
        self.delay = first

    def next(self) -> float:
        """Return the delay to wait now and double the following one."""
        delay = self.delay
        self.delay = min(self.delay * 2, self.maximum)
        return delay

    def reset(self) -> None:
        """Start again from the first delay (after a successful connection)."""
        self.delay = self.first


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
