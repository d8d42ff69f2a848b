"""An asyncio Socket.IO client without callbacks, for scripts."""
from __future__ import annotations

import asyncio
from typing import Any

from .async_client import AsyncClient
from .base_simple_client import BaseSimpleClient
from .trampoline import run_async, wait_event_async


class AsyncSimpleClient(BaseSimpleClient):
    """The asyncio flavour of :class:`~socketio.SimpleClient`.

    ``connect``, ``emit``, ``call``, ``receive`` and ``disconnect`` must be
    awaited; use it with ``async with``.
    """

    client_class = AsyncClient
    _run = staticmethod(run_async)
    _wait_event = staticmethod(wait_event_async)
    _create_event = staticmethod(asyncio.Event)

    async def __aenter__(self) -> AsyncSimpleClient:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.disconnect()


__all__ = ['AsyncSimpleClient']
