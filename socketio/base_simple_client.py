"""Logic shared by :class:`~socketio.SimpleClient` and
:class:`~socketio.AsyncSimpleClient`.

A simple client hides callbacks: events from the server are queued and read
with ``receive()``. Every method is written once here as a generator flow (see
:mod:`socketio.trampoline`); the public classes only choose the driver, the
client class, the event type and the context-manager protocol.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from . import exceptions
from .trampoline import Flow, call


class BaseSimpleClient:
    """State and flows of a simple client (one namespace, no callbacks)."""

    #: The client class instantiated by :meth:`connect`; subclasses may override it.
    client_class: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Store the arguments given to the client class on every connection."""
        self.client_args = args
        self.client_kwargs: Dict[str, Any] = kwargs
        self.client: Any = None
        self.namespace = '/'
        self.connected = False
        self.connected_event = self._create_event()
        self.input_event = self._create_event()
        self.input_buffer: List[List[Any]] = []

    # -- flavour hooks, defined by the public classes ----------------------------
    @staticmethod
    def _run(flow: Flow) -> Any:  # pragma: no cover - set by each flavour
        raise NotImplementedError

    @staticmethod
    def _wait_event(event: Any, timeout: Optional[float]) -> Any:  # pragma: no cover
        raise NotImplementedError

    @staticmethod
    def _create_event() -> Any:  # pragma: no cover - set by each flavour
        raise NotImplementedError

    # -- properties -----------------------------------------------------------------
    @property
    def sid(self) -> Optional[str]:
        """The session id in the connected namespace, or None."""
        return self.client.get_sid(self.namespace) if self.client else None

    @property
    def transport(self) -> str:
        """``'polling'`` or ``'websocket'``; empty when there is no client."""
        return self.client.transport() if self.client else ''

    # -- connecting -------------------------------------------------------------------
    def connect(self, url: Any, headers: Any = {}, auth: Any = None,  # noqa: B006
                transports: Any = None, namespace: str = '/',
                socketio_path: str = 'socket.io', wait_timeout: float = 5) -> Any:
        """Connect to a Socket.IO server, on a single namespace.

        Raises :class:`socketio.exceptions.ConnectionError` when the server
        cannot be reached or refuses the connection, and ``RuntimeError`` when
        already connected.
        """
        return self._run(self._connect_flow(url, headers, auth, transports, namespace,
                                            socketio_path, wait_timeout))

    def _connect_flow(self, url: Any, headers: Any, auth: Any, transports: Any,
                      namespace: str, socketio_path: str, wait_timeout: float) -> Flow:
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
        yield call(client.connect, url, headers=headers, auth=auth, transports=transports,
                   namespaces=[namespace], socketio_path=socketio_path,
                   wait_timeout=wait_timeout)

    # Handlers registered on the client; plain functions suit both flavours.
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

    # -- talking to the server -----------------------------------------------------------
    def _wait_connected_flow(self) -> Flow:
        yield call(self._wait_event, self.connected_event, None)
        if not self.connected:
            raise exceptions.DisconnectedError()

    def emit(self, event: str, data: Any = None) -> Any:
        """Emit an event; a tuple sends several arguments.

        Waits while a reconnection is in progress and raises
        :class:`socketio.exceptions.DisconnectedError` when not connected.
        """
        return self._run(self._emit_flow(event, data))

    def _emit_flow(self, event: str, data: Any) -> Flow:
        while True:
            yield from self._wait_connected_flow()
            try:
                return (yield call(self.client.emit, event, data, namespace=self.namespace))
            except exceptions.SocketIOError:
                yield call(self.client.sleep, 0.01)  # namespace lost: wait and retry

    def call(self, event: str, data: Any = None, timeout: float = 60) -> Any:
        """Emit an event and return the server's acknowledgement.

        Raises :class:`socketio.exceptions.TimeoutError` when no answer
        comes within ``timeout`` seconds.
        """
        return self._run(self._call_flow(event, data, timeout))

    def _call_flow(self, event: str, data: Any, timeout: float) -> Flow:
        while True:
            yield from self._wait_connected_flow()
            try:
                return (yield call(self.client.call, event, data, namespace=self.namespace,
                                   timeout=timeout))
            except exceptions.TimeoutError:
                raise
            except exceptions.SocketIOError:
                yield call(self.client.sleep, 0.01)  # namespace lost: wait and retry

    def receive(self, timeout: Optional[float] = None) -> Any:
        """Return the oldest unread event as a list ``[event, *args]``.

        Waits up to ``timeout`` seconds (forever when None) and raises
        :class:`socketio.exceptions.TimeoutError` when nothing arrives, or
        :class:`socketio.exceptions.DisconnectedError` when the connection
        ended.
        """
        return self._run(self._receive_flow(timeout))

    def _receive_flow(self, timeout: Optional[float]) -> Flow:
        while not self.input_buffer:
            if not (yield call(self._wait_event, self.connected_event, timeout)):
                raise exceptions.TimeoutError()
            if not self.connected:
                raise exceptions.DisconnectedError()
            if not (yield call(self._wait_event, self.input_event, timeout)):
                raise exceptions.TimeoutError()
            self.input_event.clear()
        return self.input_buffer.pop(0)

    def disconnect(self) -> Any:
        """Disconnect from the server (does nothing when not connected)."""
        return self._run(self._disconnect_flow())

    def _disconnect_flow(self) -> Flow:
        if self.connected:
            yield call(self.client.disconnect)
            self.client = None
            self.connected = False
