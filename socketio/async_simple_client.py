"""A Socket.IO client without callbacks, for asyncio scripts."""
# The source of socketio/simple_client.py (scripts/unasync.py).  # async-only
from __future__ import annotations

from typing import Any, Dict, List, Optional

from . import exceptions
from .async_client import AsyncClient
from .async_primitives import Event, wait_event


class AsyncSimpleClient:
    """A Socket.IO client for scripts: connect, emit, call, receive.

    Events from the server are queued and read with :meth:`receive`. The
    constructor arguments are given to :class:`~socketio.AsyncClient` (or
    :attr:`client_class`) each time :meth:`connect` creates a client. Use
    it in an ``async with`` block to disconnect at the end.
    """

    #: The client class instantiated by :meth:`connect`; subclasses may override it.
    client_class: Any = AsyncClient

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.client_args = args
        self.client_kwargs: Dict[str, Any] = kwargs
        self.client: Any = None
        self.namespace = '/'
        self.connected = False
        self.connected_event = Event()
        self.input_event = Event()
        self.input_buffer: List[List[Any]] = []

    @property
    def sid(self) -> Optional[str]:
        """The session id in the connected namespace, or None."""
        return self.client.get_sid(self.namespace) if self.client else None

    @property
    def recovered(self) -> bool:
        """True when the server recovered the session after the last
        reconnection (the events missed meanwhile are queued for
        :meth:`receive`); see :doc:`recovery`."""
        return self.client.is_recovered(self.namespace) if self.client else False

    @property
    def transport(self) -> str:
        """``'polling'`` or ``'websocket'``; empty when there is no client."""
        return self.client.transport() if self.client else ''

    async def connect(self, url: Any, headers: Any = {}, auth: Any = None,  # noqa: B006
                      transports: Any = None, namespace: str = '/',
                      socketio_path: str = 'socket.io', wait_timeout: float = 5) -> None:
        """Connect to a Socket.IO server, on a single namespace.

        Raises :class:`socketio.exceptions.ConnectionError` when the server
        cannot be reached or refuses the connection, and ``RuntimeError`` when
        already connected.
        """
        if self.connected:
            raise RuntimeError('Already connected')
        self.namespace = namespace
        self.input_buffer = []
        self.input_event.clear()
        self.client = client = self.client_class(*self.client_args, **self.client_kwargs)
        client.on('connect', self._on_connect, namespace=namespace)
        client.on('disconnect', self._on_disconnect, namespace=namespace)
        client.on('__disconnect_final', self._on_disconnect_final, namespace=namespace)
        client.on('*', self._on_event, namespace=namespace)
        await client.connect(url, headers=headers, auth=auth, transports=transports,
                             namespaces=[namespace], socketio_path=socketio_path,
                             wait_timeout=wait_timeout)

    # handlers registered on the client
    def _on_connect(self) -> None:
        self.connected = True
        self.connected_event.set()

    def _on_disconnect(self, *reason: Any) -> None:
        self.connected_event.clear()  # callers wait while reconnecting

    def _on_disconnect_final(self) -> None:
        self.connected = False
        self.connected_event.set()  # release waiters: they see connected == False
        self.input_event.set()

    def _on_event(self, event: str, *args: Any) -> None:
        self.input_buffer.append([event, *args])
        self.input_event.set()

    async def _wait_connected(self) -> None:
        """Wait while a reconnection is in progress; raise
        :class:`~socketio.exceptions.DisconnectedError` if the connection ended."""
        await wait_event(self.connected_event, None)
        if not self.connected:
            raise exceptions.DisconnectedError()

    async def emit(self, event: str, data: Any = None) -> None:
        """Emit an event; a tuple sends several arguments.

        Waits while a reconnection is in progress and raises
        :class:`socketio.exceptions.DisconnectedError` when not connected.
        """
        while True:
            await self._wait_connected()
            try:
                return await self.client.emit(event, data, namespace=self.namespace)
            except exceptions.SocketIOError:
                await self.client.sleep(0.01)  # namespace lost: wait and retry

    async def call(self, event: str, data: Any = None, timeout: float = 60) -> Any:
        """Emit an event and return the server's acknowledgement.

        Raises :class:`socketio.exceptions.TimeoutError` when no answer
        comes within ``timeout`` seconds.
        """
        while True:
            await self._wait_connected()
            try:
                return await self.client.call(event, data, namespace=self.namespace,
                                              timeout=timeout)
            except exceptions.TimeoutError:
                raise
            except exceptions.SocketIOError:
                await self.client.sleep(0.01)  # namespace lost: wait and retry

    async def receive(self, timeout: Optional[float] = None) -> List[Any]:
        """Return the oldest unread event as a list ``[event, *args]``.

        Waits up to ``timeout`` seconds (forever when None) and raises
        :class:`socketio.exceptions.TimeoutError` when nothing arrives, or
        :class:`socketio.exceptions.DisconnectedError` when the connection
        ended.
        """
        while not self.input_buffer:
            if not await wait_event(self.connected_event, timeout):
                raise exceptions.TimeoutError()
            if not self.connected:
                raise exceptions.DisconnectedError()
            if not await wait_event(self.input_event, timeout):
                raise exceptions.TimeoutError()
            self.input_event.clear()
        return self.input_buffer.pop(0)

    async def disconnect(self) -> None:
        """Disconnect from the server (does nothing when not connected)."""
        if self.connected:
            await self.client.disconnect()
            self.client = None
            self.connected = False

    async def __aenter__(self) -> AsyncSimpleClient:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.disconnect()


__all__ = ['AsyncSimpleClient']
