"""The in-memory client manager for :class:`~socketio.AsyncServer`."""
from __future__ import annotations

from typing import Any, Callable, Optional

from .base_manager import BaseManager
from .trampoline import run_async


class AsyncManager(BaseManager):
    """Client manager for a single asyncio server process.

    The bookkeeping is the base class's; only the operations that send
    packets or run callbacks are coroutines: :meth:`emit`,
    :meth:`close_room`, :meth:`can_disconnect` and :meth:`trigger_callback`.
    """

    _run = staticmethod(run_async)

    async def can_disconnect(self, sid: str, namespace: str) -> Any:
        """Tell whether this process can disconnect ``sid`` itself."""
        return self.is_connected(sid, namespace)

    async def emit(self, event: str, data: Any, namespace: str, room: Any = None,
                   skip_sid: Any = None, callback: Optional[Callable[..., Any]] = None,
                   to: Any = None, **kwargs: Any) -> None:
        """Send an event to the clients of a room (everyone when ``room`` is None)."""
        await self._emit_flow(event, data, namespace, room if to is None else to,
                              skip_sid, callback)

    async def close_room(self, room: Any, namespace: str) -> None:
        """Remove every client from a room."""
        self.basic_close_room(room, namespace)

    async def trigger_callback(self, sid: str, id: int, data: Any) -> None:
        """Run the callback registered for ``(sid, id)``, awaiting it if needed."""
        await run_async(self._trigger_callback_flow(sid, id, data))
