"""The in-memory client manager of :class:`~socketio.AsyncServer`."""
# The source of socketio/manager.py (scripts/unasync.py).  # async-only
from __future__ import annotations

import inspect  # async-only
import logging
from typing import Any, Callable, List, Optional, Tuple

from .async_primitives import wait_event
from .base_manager import BaseManager
from .cluster_base import (
    CallResults,
    ClusterList,
    Request,
    check_timeout,
    describe,
    local_sids,
    room_names,
)
from .payload import forget_callback, to_args


class AsyncManager(BaseManager):
    """Client manager for a single asyncio server process (the default).

    The bookkeeping is :class:`~socketio.base_manager.BaseManager`'s; this
    class adds the operations that send packets, run callbacks or (in the
    message-queue managers) talk to other processes.
    """

    async def pre_connect(self, eio_sid: str, namespace: str,
                          sid: Optional[str] = None) -> Optional[str]:
        """Admit an Engine.IO session to ``namespace`` while its connect
        handler runs and return its new sid (see
        :meth:`BaseManager.pre_connect <socketio.base_manager.BaseManager.pre_connect>`)."""
        return super().pre_connect(eio_sid, namespace, sid=sid)

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
        if self._recovery is not None and callback is None:
            return await self._emit_with_offset(event, data, namespace, room, skip_sid,
                                                kwargs.get('offset'))
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
                # checked after the snapshot: one admitted meanwhile is skipped too
                if sid not in skip and not self.is_pre_connected(sid, namespace):
                    ack_id = self._register_ack(sid, namespace, callback)
                    if ack_id is not None:  # else gone meanwhile
                        await server._emit_internal(eio_sid, event, data, namespace, ack_id)
            return
        eio_sids = self._recipient_eio_sids(namespace, room, skip_sid)
        if not eio_sids:
            return
        await send_to_each(server._send_eio_packet, eio_sids,
                           self._encode(event, data, namespace))

    async def _emit_with_offset(self, event: str, data: Any, namespace: str, room: Any,
                                skip_sid: Any, offset: Optional[str]) -> None:
        """``emit`` without a callback, with connection state recovery: the
        event carries an offset as its last argument (the one it got from
        another process through the message queue, else a new one) and is
        logged for the clients that come back; it is logged and its
        recipients chosen under the recovery lock, so that a client being
        recovered gets it either as a missed event or live, once."""
        recovery = self._recovery
        offset = offset if isinstance(offset, str) else recovery.new_offset()
        data = tuple(to_args(data)) + (offset,)
        eio_packets = self._encode(event, data, namespace)
        with recovery.lock:
            if self.is_pre_connected(room, namespace):
                # to a client whose connect handler runs: sent once it is accepted
                recovery.record(namespace, offset, room, skip_sid, eio_packets, room)
                self._defer_emit(event, data, namespace, room, None)
                return
            recovery.record(namespace, offset, room, skip_sid, eio_packets)
            eio_sids = self._recipient_eio_sids(namespace, room, skip_sid)
        await send_to_each(self.server._send_eio_packet, eio_sids, eio_packets)

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
            self._client_log.log(self._get_logger(), logging.WARNING, sid, 'unknown callback',
                                 'Unknown callback received from %s (id %s), ignoring.',
                                 sid, id)
            return None
        result = callback(*(data or ()))
        if inspect.isawaitable(result):  # async-only
            result = await result
        return result

    # -- the cluster: the in-memory manager answers alone (see cluster_base.py;
    # the message-queue managers ask the other processes too) ------------------
    async def call_all(self, event: str, data: Any, namespace: str, room: Any = None,
                       skip_sid: Any = None, timeout: float = 60,
                       **kwargs: Any) -> CallResults:
        """Emit to the clients of ``room`` (everyone when None) with an
        acknowledgement id each, and return the answers that arrived within
        ``timeout`` seconds, by sid."""
        timeout = check_timeout(timeout)
        request = Request('call', (), self.server.eio.create_event())
        callbacks = await self._call_local(request, event, data, namespace, room, skip_sid)
        await self._collect(request, timeout, callbacks)
        return request.call_results()

    async def fetch_sockets(self, namespace: str, room: Any = None, skip_sid: Any = None,
                            timeout: float = 5, **kwargs: Any) -> ClusterList:
        """The connected clients of ``room`` (everyone when None)."""
        check_timeout(timeout)
        return ClusterList(describe(self, sid, namespace)
                           for sid in local_sids(self, namespace, room, skip_sid))

    async def sockets_join(self, rooms: Any, namespace: str, room: Any = None,
                           skip_sid: Any = None, **kwargs: Any) -> None:
        """Put the clients of ``room`` (everyone when None) in ``rooms``."""
        self._join_local(rooms, namespace, room, skip_sid, True)

    async def sockets_leave(self, rooms: Any, namespace: str, room: Any = None,
                            skip_sid: Any = None, **kwargs: Any) -> None:
        """Take the clients of ``room`` (everyone when None) out of ``rooms``."""
        self._join_local(rooms, namespace, room, skip_sid, False)

    async def disconnect_sockets(self, namespace: str, room: Any = None, skip_sid: Any = None,
                                 close: bool = False, **kwargs: Any) -> None:
        """Disconnect the clients of ``room`` (everyone when None) from
        ``namespace``, or close their connections (``close=True``)."""
        for sid in local_sids(self, namespace, room, skip_sid):
            eio_sid = self.eio_sid_from_sid(sid, namespace)
            if close:
                if eio_sid is not None:
                    await self.server._close_connection(eio_sid)
            else:
                await self.server.disconnect(sid, namespace=namespace, ignore_queue=True)

    async def server_side_emit(self, event: str, data: Any, namespace: str,
                               timeout: Optional[float] = None,
                               **kwargs: Any) -> Optional[ClusterList]:
        """Send an event to the other server processes: there are none here
        (an empty list of answers when ``timeout`` is given)."""
        if timeout is None:
            return None
        check_timeout(timeout)
        return ClusterList()

    async def _call_local(self, request: Request, event: str, data: Any, namespace: str,
                          room: Any, skip_sid: Any) -> List[Tuple[str, Any]]:
        """Emit to this process's clients of a call, each with an ack id of
        its own; return the ``(sid, callback)`` pairs."""
        sids = local_sids(self, namespace, room, skip_sid)
        request.expect_local(sids)
        callbacks = []
        for sid in sids:
            eio_sid = self.eio_sid_from_sid(sid, namespace)
            callback = request.ack_callback(sid)
            ack_id = None if eio_sid is None else \
                self._register_ack(sid, namespace, callback)
            if ack_id is None:  # gone meanwhile: it will not answer
                continue
            callbacks.append((sid, callback))
            await self.server._emit_internal(eio_sid, event, data, namespace, ack_id)
        return callbacks

    async def _collect(self, request: Request, timeout: float,
                       callbacks: List[Tuple[str, Any]]) -> None:
        """Wait (at most ``timeout`` seconds) until ``request`` has every
        answer it expects, then forget the callbacks not called."""
        try:
            if not request.complete:
                await wait_event(request.event, timeout)
        finally:
            for sid, callback in callbacks:
                forget_callback(self.callbacks, sid, callback)

    def _join_local(self, rooms: Any, namespace: str, room: Any, skip_sid: Any,
                    join: bool) -> None:
        """Put this process's clients of ``room`` in ``rooms`` (or take
        them out); another client's own room is refused (logged)."""
        names = room_names(rooms)
        for sid in local_sids(self, namespace, room, skip_sid):
            for name in names:
                if not join:
                    self.basic_leave_room(sid, namespace, name)
                    continue
                try:
                    self._check_room_change(sid, namespace, name)
                    self.basic_enter_room(sid, namespace, name)
                except ValueError as exc:
                    self._get_logger().warning('%s cannot enter room %r: %s', sid, name, exc)


async def send_to_each(send: Callable[[str, Any], Any], eio_sids: List[str],
                       eio_packets: List[Any]) -> None:
    """Send the same encoded packets to each client, in order (a broadcast
    is encoded once)."""
    if len(eio_packets) == 1:
        eio_pkt = eio_packets[0]
        for eio_sid in eio_sids:
            await send(eio_sid, eio_pkt)
    else:
        for eio_sid in eio_sids:
            for eio_pkt in eio_packets:
                await send(eio_sid, eio_pkt)


__all__ = ['AsyncManager']
