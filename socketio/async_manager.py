"""The in-memory client manager of :class:`~socketio.AsyncServer`."""
# The source of socketio/manager.py (scripts/unasync.py).  # async-only
from __future__ import annotations

import inspect  # async-only
from typing import Any, Callable, Optional

from .base_manager import BaseManager


class AsyncManager(BaseManager):
    """Client manager for a single asyncio server process (the default).

    The bookkeeping is :class:`~socketio.base_manager.BaseManager`'s; this
    class adds the operations that send packets, run callbacks or (in the
    message-queue managers) talk to other processes.
    """

    async def pre_connect(self, eio_sid: str, namespace: str) -> Optional[str]:
        """Admit an Engine.IO session to ``namespace`` while its connect
        handler runs and return its new sid (see
        :meth:`BaseManager.pre_connect <socketio.base_manager.BaseManager.pre_connect>`)."""
        return super().pre_connect(eio_sid, namespace)

    async def connect(self, sid: str, namespace: str) -> Optional[str]:
        """Mark a client as connected once its connect handler accepted it,
        send it what was emitted to it meanwhile, and return its sid.

        Given the Engine.IO sid of a session that was not pre-connected, it
        admits and connects it in one step (None when that session is in the
        namespace already). None also when the client went away while its
        connect handler ran.
        """
        if not self.is_pre_connected(sid, namespace):
            new_sid = await self.pre_connect(sid, namespace)  # an Engine.IO sid
            if new_sid is None:
                return None
            sid = new_sid
        deferred = self._accept(sid, namespace)
        if deferred is None:
            return None  # it went away while its connect handler ran
        for method, args in deferred:
            await getattr(self.server, method)(*args)
        return sid

    async def can_disconnect(self, sid: str, namespace: str) -> bool:
        """Tell whether this process can disconnect ``sid`` itself."""
        return self.is_connected(sid, namespace)

    async def emit(self, event: str, data: Any, namespace: str, room: Any = None,
                   skip_sid: Any = None, callback: Optional[Callable[..., Any]] = None,
                   to: Any = None, **kwargs: Any) -> None:
        """Send an event to the clients of a room (everyone when ``room`` is
        None; ``to`` is an alias of ``room``).

        ``skip_sid`` is one sid or a list of sids left out. Without a
        ``callback`` the event is encoded once and the same packets go to
        every recipient; with one, each recipient gets its own
        acknowledgement id.
        """
        room = room if to is None else to
        if namespace not in self.rooms:
            return
        server = self.server
        if self.is_pre_connected(room, namespace):
            # to a client whose connect handler runs: sent once it is accepted
            self._defer_emit(event, data, namespace, room, callback)
            return
        if callback is not None:
            skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
            for sid, eio_sid in self.get_participants(namespace, room):
                if sid not in skip:
                    ack_id = self._generate_ack_id(sid, callback)
                    await server._emit_internal(eio_sid, event, data, namespace, ack_id)
            return
        eio_sids = self._recipient_eio_sids(namespace, room, skip_sid)
        if not eio_sids:
            return
        eio_packets = self._encode(event, data, namespace)
        send = server._send_eio_packet
        if len(eio_packets) == 1:
            eio_pkt = eio_packets[0]
            for eio_sid in eio_sids:
                await send(eio_sid, eio_pkt)
        else:
            for eio_sid in eio_sids:
                for eio_pkt in eio_packets:
                    await send(eio_sid, eio_pkt)

    async def disconnect(self, sid: str, namespace: str, **kwargs: Any) -> None:
        """Remove a client from ``namespace``."""
        self.basic_disconnect(sid, namespace, **kwargs)

    async def enter_room(self, sid: str, namespace: str, room: Any,
                         eio_sid: Optional[str] = None) -> None:
        """Add a client to a room (``ValueError`` for another client's own
        room)."""
        self._check_room_change(sid, namespace, room)
        self.basic_enter_room(sid, namespace, room, eio_sid=eio_sid)

    async def leave_room(self, sid: str, namespace: str, room: Any) -> None:
        """Remove a client from a room."""
        self.basic_leave_room(sid, namespace, room)

    async def close_room(self, room: Any, namespace: str) -> None:
        """Remove every client from a room (``ValueError`` for a client's
        own room)."""
        if self.is_sid_room(namespace, room):
            raise ValueError('cannot close a sid room')
        self.basic_close_room(room, namespace)

    async def trigger_callback(self, sid: str, id: int, data: Any) -> Any:
        """Run the callback registered for ``(sid, id)`` with the
        acknowledgement's arguments ``data``; return what it returns."""
        callback = self._pop_callback(sid, id)
        if callback is None:
            self._get_logger().warning('Unknown callback received from %s (id %s), ignoring.',
                                       sid, id)
            return None
        result = callback(*(data or ()))
        if inspect.isawaitable(result):  # async-only
            result = await result
        return result


__all__ = ['AsyncManager']
