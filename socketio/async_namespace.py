"""Class-based namespaces for the asyncio server and client.

Events are dispatched to methods named ``on_<event>``, which may be
coroutine functions or plain functions; the other methods act on the
namespace of the object unless told otherwise.
"""
# The source of socketio/namespace.py (scripts/unasync.py).  # async-only
from __future__ import annotations

import inspect  # async-only
from typing import Any, Optional

from .base_namespace import BaseClientNamespace, BaseNamespace, BaseServerNamespace


async def trigger_event(self: Any, event: str, *args: Any) -> Any:
    """Call the ``on_<event>`` method, if there is one, with ``args`` and
    return what it returns. An ``on_disconnect`` that fails with
    ``TypeError`` is called again without its last argument (the reason),
    for handlers written before reasons existed."""
    handler = getattr(self, 'on_' + (event or ''), None)
    if handler is None:
        return None
    try:
        result = handler(*args)
        if inspect.isawaitable(result):  # async-only
            result = await result
    except TypeError:
        if event != 'disconnect' or not args:
            raise
        result = handler(*args[:-1])
        if inspect.isawaitable(result):  # async-only
            result = await result
    return result


class AsyncNamespace(BaseServerNamespace):
    """Base class for class-based namespaces of :class:`socketio.AsyncServer`.

    For example the ``connect`` event calls ``on_connect(sid, environ[,
    auth])`` and a ``my_event`` event ``on_my_event(sid, *args)``.
    """

    trigger_event = trigger_event

    def is_asyncio_based(self) -> bool:  # async-only
        return True

    async def emit(self, event: str, data: Any = None, to: Any = None, room: Any = None,
                   skip_sid: Any = None, namespace: Optional[str] = None,
                   callback: Any = None, ignore_queue: bool = False,
                   timeout: Optional[float] = None, on_timeout: Any = None) -> Any:
        """Emit an event (see :meth:`socketio.AsyncServer.emit`)."""
        timed = {} if timeout is None and on_timeout is None else {
            'timeout': timeout, 'on_timeout': on_timeout}
        return await self.server.emit(event, data=data, to=to, room=room, skip_sid=skip_sid,
                                      namespace=namespace or self.namespace,
                                      callback=callback, ignore_queue=ignore_queue, **timed)

    async def send(self, data: Any, to: Any = None, room: Any = None, skip_sid: Any = None,
                   namespace: Optional[str] = None, callback: Any = None,
                   ignore_queue: bool = False) -> Any:
        """Send a ``message`` event (see :meth:`socketio.AsyncServer.send`)."""
        return await self.server.send(data, to=to, room=room, skip_sid=skip_sid,
                                      namespace=namespace or self.namespace,
                                      callback=callback, ignore_queue=ignore_queue)

    async def call(self, event: str, data: Any = None, to: Any = None, sid: Any = None,
                   namespace: Optional[str] = None, timeout: Any = None,
                   ignore_queue: bool = False) -> Any:
        """Emit an event to one client and return its acknowledgement (see
        :meth:`socketio.AsyncServer.call`; here ``timeout`` defaults to
        waiting forever)."""
        return await self.server.call(event, data=data, to=to, sid=sid,
                                      namespace=namespace or self.namespace,
                                      timeout=timeout, ignore_queue=ignore_queue)

    async def enter_room(self, sid: str, room: Any, namespace: Optional[str] = None) -> Any:
        """Put a client in a room."""
        return await self.server.enter_room(sid, room, namespace=namespace or self.namespace)

    async def leave_room(self, sid: str, room: Any, namespace: Optional[str] = None) -> Any:
        """Take a client out of a room."""
        return await self.server.leave_room(sid, room, namespace=namespace or self.namespace)

    async def close_room(self, room: Any, namespace: Optional[str] = None) -> Any:
        """Remove every client from a room."""
        return await self.server.close_room(room, namespace=namespace or self.namespace)

    async def get_session(self, sid: str, namespace: Optional[str] = None) -> Any:
        """Return a client's user session."""
        return await self.server.get_session(sid, namespace=namespace or self.namespace)

    async def save_session(self, sid: str, session: Any,
                           namespace: Optional[str] = None) -> Any:
        """Store a client's user session."""
        return await self.server.save_session(sid, session,
                                              namespace=namespace or self.namespace)

    async def disconnect(self, sid: str, namespace: Optional[str] = None) -> Any:
        """Disconnect a client from this namespace."""
        return await self.server.disconnect(sid, namespace=namespace or self.namespace)

    # -- the cluster (see :meth:`socketio.AsyncServer.call_all` and the next ones)
    async def call_all(self, event: str, data: Any = None, to: Any = None,
                       namespace: Optional[str] = None, skip_sid: Any = None,
                       timeout: float = 60, room: Any = None,
                       ignore_queue: bool = False) -> Any:
        """Emit to many clients and collect their acknowledgements (see
        :meth:`socketio.AsyncServer.call_all`)."""
        return await self.server.call_all(event, data=data, to=to,
                                          namespace=namespace or self.namespace,
                                          skip_sid=skip_sid, timeout=timeout, room=room,
                                          ignore_queue=ignore_queue)

    async def fetch_sockets(self, namespace: Optional[str] = None, room: Any = None,
                            timeout: float = 5, to: Any = None, skip_sid: Any = None,
                            ignore_queue: bool = False) -> Any:
        """The clients of every server process (see
        :meth:`socketio.AsyncServer.fetch_sockets`)."""
        return await self.server.fetch_sockets(namespace=namespace or self.namespace,
                                               room=room, timeout=timeout, to=to,
                                               skip_sid=skip_sid, ignore_queue=ignore_queue)

    async def sockets_join(self, rooms: Any, namespace: Optional[str] = None,
                           room: Any = None, to: Any = None, skip_sid: Any = None,
                           ignore_queue: bool = False) -> Any:
        """Put clients of every server process in rooms."""
        return await self.server.sockets_join(rooms, namespace=namespace or self.namespace,
                                              room=room, to=to, skip_sid=skip_sid,
                                              ignore_queue=ignore_queue)

    async def sockets_leave(self, rooms: Any, namespace: Optional[str] = None,
                            room: Any = None, to: Any = None, skip_sid: Any = None,
                            ignore_queue: bool = False) -> Any:
        """Take clients of every server process out of rooms."""
        return await self.server.sockets_leave(rooms, namespace=namespace or self.namespace,
                                               room=room, to=to, skip_sid=skip_sid,
                                               ignore_queue=ignore_queue)

    async def disconnect_sockets(self, namespace: Optional[str] = None, room: Any = None,
                                 close: bool = False, to: Any = None, skip_sid: Any = None,
                                 ignore_queue: bool = False) -> Any:
        """Disconnect clients of every server process."""
        return await self.server.disconnect_sockets(namespace=namespace or self.namespace,
                                                    room=room, close=close, to=to,
                                                    skip_sid=skip_sid,
                                                    ignore_queue=ignore_queue)

    async def server_side_emit(self, event: str, data: Any = None,
                               namespace: Optional[str] = None,
                               timeout: Optional[float] = None) -> Any:
        """Send an event to the other server processes (see
        :meth:`socketio.AsyncServer.server_side_emit`)."""
        return await self.server.server_side_emit(event, data=data,
                                                  namespace=namespace or self.namespace,
                                                  timeout=timeout)


class AsyncClientNamespace(BaseClientNamespace):
    """Base class for class-based namespaces of :class:`socketio.AsyncClient`."""

    trigger_event = trigger_event

    def is_asyncio_based(self) -> bool:  # async-only
        return True

    async def emit(self, event: str, data: Any = None, namespace: Optional[str] = None,
                   callback: Any = None, timeout: Optional[float] = None,
                   on_timeout: Any = None) -> Any:
        """Emit an event to the server (see :meth:`socketio.AsyncClient.emit`)."""
        timed = {} if timeout is None and on_timeout is None else {
            'timeout': timeout, 'on_timeout': on_timeout}
        return await self.client.emit(event, data=data,
                                      namespace=namespace or self.namespace,
                                      callback=callback, **timed)

    async def send(self, data: Any, room: Any = None, skip_sid: Any = None,
                   namespace: Optional[str] = None, callback: Any = None) -> Any:
        """Send a ``message`` event to the server (``room`` and ``skip_sid``
        are ignored)."""
        return await self.client.send(data, namespace=namespace or self.namespace,
                                      callback=callback)

    async def call(self, event: str, data: Any = None, namespace: Optional[str] = None,
                   timeout: Any = None) -> Any:
        """Emit an event to the server and return its acknowledgement (here
        ``timeout`` defaults to waiting forever)."""
        return await self.client.call(event, data=data,
                                      namespace=namespace or self.namespace,
                                      timeout=timeout)

    async def disconnect(self) -> Any:
        """Disconnect the client."""
        return await self.client.disconnect()


__all__ = ['BaseNamespace', 'AsyncNamespace', 'AsyncClientNamespace']
