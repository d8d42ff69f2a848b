"""What the asyncio server and client share: running handlers, sleeping and
waiting for an acknowledgement."""
# The source of socketio/endpoint.py (scripts/unasync.py).  # async-only
from __future__ import annotations

import asyncio  # async-only
import inspect  # async-only
from typing import Any, Callable, List, Optional, Tuple

from . import exceptions
from .async_primitives import Timers, wait_event
from .base_endpoint import BaseEndpoint
from .payload import ack_value


class AsyncEndpoint(BaseEndpoint):
    """Base of :class:`~socketio.AsyncServer` and :class:`~socketio.AsyncClient`."""

    def is_asyncio_based(self) -> bool:  # async-only
        """Tell whether this is an asyncio server or client."""
        return True

    async def sleep(self, seconds: float = 0) -> None:
        """Sleep for ``seconds`` the way the async mode wants."""
        return await self.eio.sleep(seconds)

    def _timers(self) -> Timers:
        """The scheduler of this server's or client's delayed calls
        (acknowledgement timeouts), created on first use."""
        timers = self.__dict__.get('_timer_queue')
        if timers is None:
            timers = self.__dict__.setdefault('_timer_queue', Timers(self))
        return timers

    async def _trigger_event(self, event: str, namespace: str, *args: Any) -> Any:
        """Run the handler of ``event`` in ``namespace`` and return its result,
        or ``self.not_handled`` when there is no handler.

        A ``disconnect`` handler that fails with ``TypeError`` is called
        again without its last argument (the reason), for handlers written
        before reasons existed.
        """
        handler, args = self._get_event_handler(event, namespace, args)
        if handler is None:
            return self.not_handled
        try:
            result = handler(*args)
            if inspect.isawaitable(result):  # async-only
                result = await result
        except asyncio.CancelledError:  # async-only: as if the handler returned None
            return None
        except TypeError:
            if event != 'disconnect':
                raise
            result = handler(*args[:-1])
            if inspect.isawaitable(result):  # async-only
                result = await result
        return result

    async def _emit_and_wait(self, emit: Callable[[Callable[..., None]], Any],
                             forget: Callable[[Callable[..., None]], Any],
                             timeout: Optional[float]) -> Any:
        """Emit with a callback (``emit(callback)``), wait for the
        acknowledgement and return its value (see ``payload.ack_value``).

        Raises :class:`~socketio.exceptions.TimeoutError` when no answer
        comes within ``timeout`` seconds. Unless it was answered, the
        callback is then forgotten (``forget(callback)``), also when the
        wait is cancelled or interrupted.
        """
        answered = self.eio.create_event()
        answers: List[Tuple[Any, ...]] = []

        def on_ack(*args: Any) -> None:
            answers.append(args)
            answered.set()

        await emit(on_ack)
        try:
            if not await wait_event(answered, timeout):
                raise exceptions.TimeoutError()
        finally:
            if not answers:
                forget(on_ack)
        return ack_value(answers[0])
