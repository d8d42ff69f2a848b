"""A synchronous Socket.IO client without callbacks, for scripts."""
from __future__ import annotations

import threading
from typing import Any

from .base_simple_client import BaseSimpleClient
from .client import Client
from .trampoline import run, wait_event


class SimpleClient(BaseSimpleClient):
    """A Socket.IO client for scripts: connect, emit, call, receive.

    The constructor arguments are passed to :class:`~socketio.Client`
    (or :attr:`client_class`) each time :meth:`connect` creates a client.
    Usable as a context manager, which disconnects on exit.
    """

    client_class = Client
    _run = staticmethod(run)
    _wait_event = staticmethod(wait_event)
    _create_event = staticmethod(threading.Event)

    def __enter__(self) -> SimpleClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.disconnect()


__all__ = ['SimpleClient']
