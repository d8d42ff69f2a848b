"""The asyncio Socket.IO client."""
from __future__ import annotations

import asyncio  # noqa: F401  (tests patch ``asyncio.wait_for``)
import logging
import random  # noqa: F401
from typing import Any, Optional

import engineio

from . import client, exceptions, packet  # noqa: F401
from .base_client import BaseClient
from .trampoline import run_async, wait_event_async

default_logger = logging.getLogger('socketio.client')


class AsyncClient(BaseClient):
    """A Socket.IO client for asyncio.

    Takes the same arguments as :class:`~socketio.Client`. ``connect``,
    ``wait``, ``emit``, ``send``, ``call``, ``disconnect``, ``shutdown`` and
    ``sleep`` must be awaited; handlers may be coroutines or plain functions.
    """

    _run = staticmethod(run_async)
    _wait_event = staticmethod(wait_event_async)

    def is_asyncio_based(self) -> bool:
        return True

    def _engineio_client_class(self) -> Any:
        return engineio.AsyncClient

    def _join_task(self, task: Any) -> Any:
        return task

    # Engine.IO awaits only coroutine functions, so its entry points are these.
    async def _handle_eio_connect(self) -> Any:
        return await super()._handle_eio_connect()

    async def _on_eio_message(self, data: Any) -> Any:
        return await super()._on_eio_message(data)

    async def _handle_eio_disconnect(self, reason: Optional[str] = None) -> Any:
        return await super()._handle_eio_disconnect(reason)


__all__ = ['AsyncClient']
