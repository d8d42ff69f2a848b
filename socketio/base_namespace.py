"""Class-based namespaces: event dispatch to ``on_<event>`` methods."""
from __future__ import annotations

import inspect
from typing import Any


class BaseNamespace:
    """Common base of server and client namespace classes."""

    def __init__(self, namespace: str | None = None) -> None:
        self.namespace = namespace or '/'

    def is_asyncio_based(self) -> bool:
        """Tell whether this namespace is for an asyncio server or client."""
        return False

    def trigger_event(self, event: str, *args: Any) -> Any:
        """Call the ``on_<event>`` method, if there is one, with ``args``."""
        handler = getattr(self, 'on_' + event, None)
        if handler is not None:
            return handler(*args)
        return None


async def async_trigger_event(self: BaseNamespace, event: str, *args: Any) -> Any:
    """Call ``on_<event>``, awaiting it when it is a coroutine function."""
    handler = getattr(self, 'on_' + event, None)
    if handler is None:
        return None
    if inspect.iscoroutinefunction(handler):
        return await handler(*args)
    return handler(*args)


class BaseServerNamespace(BaseNamespace):
    """Server-side namespace; proxies fill in the namespace argument.

    With an asyncio server each proxy returns the server's awaitable, so the
    same methods serve :class:`~socketio.AsyncNamespace` with ``await``.
    """

    def __init__(self, namespace: str | None = None) -> None:
        super().__init__(namespace=namespace)
        self.server: Any = None

    def _set_server(self, server: Any) -> None:
        self.server = server

    def emit(self, event: str, data: Any = None, to: Any = None, room: Any = None,
             skip_sid: Any = None, namespace: str | None = None, callback: Any = None,
             **kwargs: Any) -> Any:
        """Emit an event (see :meth:`socketio.Server.emit`)."""
        return self.server.emit(event, data=data, room=to or room, skip_sid=skip_sid,
                                namespace=namespace or self.namespace, callback=callback,
                                **kwargs)

    def send(self, data: Any, to: Any = None, room: Any = None, skip_sid: Any = None,
             namespace: str | None = None, callback: Any = None, **kwargs: Any) -> Any:
        """Send a ``message`` event (see :meth:`socketio.Server.send`)."""
        return self.server.send(data, room=to or room, skip_sid=skip_sid,
                                namespace=namespace or self.namespace, callback=callback,
                                **kwargs)

    def call(self, event: str, data: Any = None, to: Any = None, sid: Any = None,
             namespace: str | None = None, timeout: Any = None, **kwargs: Any) -> Any:
        """Emit an event and wait for its acknowledgement."""
        return self.server.call(event, data=data, to=to, sid=sid,
                                namespace=namespace or self.namespace, timeout=timeout,
                                **kwargs)

    def enter_room(self, sid: str, room: Any, namespace: str | None = None) -> Any:
        """Put a client in a room."""
        return self.server.enter_room(sid, room, namespace=namespace or self.namespace)

    def leave_room(self, sid: str, room: Any, namespace: str | None = None) -> Any:
        """Take a client out of a room."""
        return self.server.leave_room(sid, room, namespace=namespace or self.namespace)

    def close_room(self, room: Any, namespace: str | None = None) -> Any:
        """Remove every client from a room."""
        return self.server.close_room(room, namespace=namespace or self.namespace)

    def rooms(self, sid: str, namespace: str | None = None) -> Any:
        """Return the rooms a client is in."""
        return self.server.rooms(sid, namespace=namespace or self.namespace)

    def get_session(self, sid: str, namespace: str | None = None) -> Any:
        """Return a client's user session."""
        return self.server.get_session(sid, namespace=namespace or self.namespace)

    def save_session(self, sid: str, session: Any, namespace: str | None = None) -> Any:
        """Store a client's user session."""
        return self.server.save_session(sid, session, namespace=namespace or self.namespace)

    def session(self, sid: str, namespace: str | None = None) -> Any:
        """Context manager giving access to a client's user session."""
        return self.server.session(sid, namespace=namespace or self.namespace)

    def disconnect(self, sid: str, namespace: str | None = None) -> Any:
        """Disconnect a client from this namespace."""
        return self.server.disconnect(sid, namespace=namespace or self.namespace)


class BaseClientNamespace(BaseNamespace):
    """Client-side namespace; proxies fill in the namespace argument."""

    def __init__(self, namespace: str | None = None) -> None:
        super().__init__(namespace=namespace)
        self.client: Any = None

    def _set_client(self, client: Any) -> None:
        self.client = client

    def emit(self, event: str, data: Any = None, namespace: str | None = None,
             callback: Any = None) -> Any:
        """Emit an event to the server."""
        return self.client.emit(event, data=data, namespace=namespace or self.namespace,
                                callback=callback)

    def send(self, data: Any, room: Any = None, skip_sid: Any = None,
             namespace: str | None = None, callback: Any = None) -> Any:
        """Send a ``message`` event to the server (``room``/``skip_sid`` are ignored)."""
        return self.client.send(data, namespace=namespace or self.namespace, callback=callback)

    def call(self, event: str, data: Any = None, namespace: str | None = None,
             timeout: Any = None) -> Any:
        """Emit an event to the server and wait for its acknowledgement."""
        return self.client.call(event, data=data, namespace=namespace or self.namespace,
                                timeout=timeout)

    def disconnect(self) -> Any:
        """Disconnect the client."""
        return self.client.disconnect()
