"""The standard Socket.IO client (threads)."""
from __future__ import annotations

import itertools  # noqa: F401  (part of the module's historical surface)
import logging  # noqa: F401
import random  # noqa: F401  (tests patch ``socketio.client.random.random``)
import signal  # noqa: F401
import threading  # noqa: F401
from typing import Any

import engineio

from . import exceptions, namespace, packet  # noqa: F401
from .base_client import (  # noqa: F401
    BaseClient,
    default_logger,
    original_signal_handler,
    reconnecting_clients,
    signal_handler,
)
from .trampoline import run, wait_event


class Client(BaseClient):
    """A Socket.IO client for standard Python.

    :param reconnection: reconnect automatically when the connection drops.
    :param reconnection_attempts: give up after this many attempts (0: never).
    :param reconnection_delay: first delay between attempts, in seconds; it
        doubles after each failed attempt...
    :param reconnection_delay_max: ...up to this many seconds.
    :param randomization_factor: jitter added to each delay, in seconds.
    :param logger: ``True``/``False`` or a :class:`logging.Logger`.
    :param serializer: ``'default'`` (JSON), ``'msgpack'`` or a packet class.
    :param json: a module with ``dumps``/``loads`` replacing :mod:`json`.
    :param handle_sigint: let Ctrl-C abort reconnection loops.
    :param kwargs: Engine.IO client options (``request_timeout``,
        ``http_session``, ``ssl_verify``, ``websocket_extra_options``,
        ``engineio_logger``).
    """

    _run = staticmethod(run)
    _wait_event = staticmethod(wait_event)

    def _engineio_client_class(self) -> Any:
        return engineio.Client

    def _join_task(self, task: Any) -> None:
        task.join()


__all__ = ['Client', 'reconnecting_clients', 'signal_handler', 'default_logger']
