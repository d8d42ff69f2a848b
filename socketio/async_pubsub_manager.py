"""Client manager base for several asyncio server processes sharing a queue."""
from __future__ import annotations

import asyncio
from typing import Any

from .async_manager import AsyncManager
from .pubsub_base import Backoff, PubSubBase
from .trampoline import run_async


class AsyncPubSubManager(PubSubBase, AsyncManager):
    """Manage a client list attached to a pub/sub backend, for asyncio servers.

    Same messages and behaviour as :class:`~socketio.PubSubManager`; the
    operations (``emit``, ``can_disconnect``, ``disconnect``, ``enter_room``,
    ``leave_room``, ``close_room``, ``trigger_callback``) are awaitable.
    Subclasses implement the coroutine ``_publish(message)`` and ``_listen()``:
    an async generator of raw messages, or (5.0.3 style) a coroutine that
    returns one message per call.

    :param channel: the channel name on which the servers communicate.
    :param write_only: only publish, never listen.
    :param logger: a logger for the manager.
    :param json: a JSON module (the server's is used once attached).
    """

    name = 'asyncpubsub'
    _run = staticmethod(run_async)

    async def _thread(self) -> None:
        """The listener task: handle every message ``_listen()`` produces.

        A failing async generator is restarted after a backoff delay; with a
        5.0.3 style ``_listen()`` coroutine a failure ends the task (logged).
        """
        backoff = Backoff()
        while True:
            listener = self._listen()
            if not hasattr(listener, '__aiter__'):
                await self._one_by_one(listener)
                return
            try:
                async for raw in listener:
                    backoff.reset()
                    await run_async(self._dispatch_flow(raw))
                return
            except Exception:
                delay = backoff.next()
                self._get_logger().exception('pubsub listener failed; restarting in %s secs',
                                             delay)
                await asyncio.sleep(delay)

    async def _one_by_one(self, pending: Any) -> None:
        """Drive a 5.0.3 style ``_listen()`` that returns one message per await."""
        while True:
            try:
                raw = await pending
            except Exception:
                self._get_logger().exception('pubsub listener stopped')
                return
            await run_async(self._dispatch_flow(raw))
            pending = self._listen()


__all__ = ['AsyncPubSubManager']
