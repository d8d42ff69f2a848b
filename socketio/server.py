"""The standard Socket.IO server (threads, eventlet or gevent)."""
from __future__ import annotations

import logging  # noqa: F401  (part of the module's historical surface)
from typing import Any

import engineio

from . import base_manager, exceptions, handler_threads, namespace, packet  # noqa: F401
from .base_server import BaseServer, default_logger
from .manager import Manager
from .trampoline import call_each, run, wait_event


class Server(BaseServer):
    """A Socket.IO server for WSGI applications.

    :param client_manager: the client manager; by default an in-memory
        :class:`~socketio.Manager`. Pass a message-queue manager to share
        clients between processes.
    :param logger: ``True``/``False`` to enable or silence logging, or a
        :class:`logging.Logger`.
    :param serializer: ``'default'`` (JSON), ``'msgpack'`` or a packet class.
    :param json: a module with ``dumps``/``loads`` replacing :mod:`json`.
    :param async_handlers: run each event handler in a background task.
    :param always_connect: accept every connection before the ``connect``
        handler runs (a refusal then disconnects the client).
    :param namespaces: namespaces accepted without handlers, or ``'*'``.
    :param kwargs: Engine.IO options (``async_mode``, ``ping_interval``,
        ``ping_timeout``, ``max_http_buffer_size``, ``cors_allowed_origins``,
        ``engineio_logger``, ...).
    """

    _run = staticmethod(run)
    _call_each = staticmethod(call_each)
    _wait_event = staticmethod(wait_event)
    _eio_start_background_task = staticmethod(engineio.Server.start_background_task)

    def _start_handler(self, target: Any, *args: Any) -> None:
        # In threading mode a handler runs on a reused thread (see
        # handler_threads), unless start_background_task was replaced.
        if self.eio.async_mode == 'threading' and self._own_background_tasks():
            handler_threads.shared.submit(target, *args)
        else:
            self.start_background_task(target, *args)

    def _engineio_server_class(self) -> Any:
        return engineio.Server

    def _default_manager(self) -> Manager:
        return Manager()


__all__ = ['Server', 'default_logger']
