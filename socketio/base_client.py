"""What :class:`~socketio.Client` and :class:`~socketio.AsyncClient` share
without any I/O: construction, handler registration, the reconnection
policy and Ctrl-C handling.

Everything that sends, waits or runs a handler is in ``async_client.py``
(written for asyncio) and ``client.py`` (generated from it).
"""
from __future__ import annotations

import logging
import random
import signal
import threading
from typing import Any, Callable, Dict, List, Optional, Tuple

import engineio

from . import packet
from .acks import MAX_PENDING_CALLBACKS, PendingCallbacks
from .base_endpoint import BaseEndpoint
from .log_limits import RepeatedLog
from .options import engineio_options, select_logger, select_packet_class

default_logger = logging.getLogger('socketio.client')

#: Clients currently inside their reconnection loop (Ctrl-C aborts them).
reconnecting_clients: List[BaseClient] = []
original_signal_handler: Any = None

#: Events that never reach a ``'*'`` catch-all event handler.
RESERVED_EVENTS = ('connect', 'connect_error', 'disconnect', '__disconnect_final')


def signal_handler(sig: int, frame: Any) -> Any:
    """SIGINT handler: abort reconnection loops, then defer to the previous one."""
    for client in reconnecting_clients[:]:
        client._reconnect_abort.set()
    if callable(original_signal_handler):
        return original_signal_handler(sig, frame)
    return signal.default_int_handler(sig, frame)  # pragma: no cover


def reconnect_delay(attempt: int, delay: float, delay_max: float, factor: float) -> float:
    """Seconds to wait before reconnection attempt number ``attempt + 1``.

    Exponential backoff from ``delay``, capped at ``delay_max``, plus a
    uniform jitter of up to ``factor`` seconds either way.
    """
    base = min(delay * 2 ** min(attempt, 32), delay_max)
    return max(0.0, base + factor * (2 * random.random() - 1))


class BaseClient(BaseEndpoint):
    """State and protocol rules of a Socket.IO client."""

    #: Disconnect reasons passed to ``disconnect`` handlers.
    reason = engineio.Client.reason
    reserved_events = RESERVED_EVENTS
    #: The client consults the ``'*'`` namespace only for namespaces without handlers.
    _star_namespace_fallback_only = True

    def __init__(self, reconnection: bool = True, reconnection_attempts: int = 0,
                 reconnection_delay: float = 1, reconnection_delay_max: float = 5,
                 randomization_factor: float = 0.5, logger: Any = False,
                 serializer: Any = 'default', json: Any = None,
                 handle_sigint: bool = True,
                 max_pending_callbacks: int = MAX_PENDING_CALLBACKS, **kwargs: Any) -> None:
        global original_signal_handler
        if handle_sigint and original_signal_handler is None and \
                threading.current_thread() == threading.main_thread():
            original_signal_handler = signal.signal(signal.SIGINT, signal_handler)
        self.reconnection = reconnection
        self.reconnection_attempts = reconnection_attempts
        self.reconnection_delay = reconnection_delay
        self.reconnection_delay_max = reconnection_delay_max
        self.randomization_factor = randomization_factor
        self.handle_sigint = handle_sigint
        self.packet_class = select_packet_class(serializer)
        options = engineio_options(kwargs, json, self.packet_class)
        if not handle_sigint:
            options['handle_sigint'] = False
        self.eio = self._engineio_client_class()(**options)
        self.eio.on('connect', self._handle_eio_connect)
        self.eio.on('message', self._on_eio_message)
        self.eio.on('disconnect', self._handle_eio_disconnect)
        self.logger = select_logger(logger, default_logger)
        self.connection_url: Any = None
        self.connection_headers: Any = None
        self.connection_auth: Any = None
        self.connection_transports: Any = None
        self.connection_namespaces: List[str] = []
        self.socketio_path: Optional[str] = None
        self.sid: Optional[str] = None
        self.connected = False
        self.namespaces: Dict[str, Any] = {}
        self.failed_namespaces: List[str] = []
        self.handlers: Dict[str, Dict[str, Callable[..., Any]]] = {}
        self.namespace_handlers: Dict[str, Any] = {}
        self.callbacks: Dict[str, Dict[int, Any]] = {}
        #: the bound and the timeouts of ``callbacks`` (see :mod:`socketio.acks`)
        self._acks = PendingCallbacks(self, max_pending_callbacks)
        #: what the server sent wrong, logged once in a while (a server
        #: cannot flood the client's logs)
        self._server_log = RepeatedLog()
        # connection state recovery, by namespace: the private session id the
        # server gave, the offset of the last event received, and whether
        # the last connection recovered the previous session
        self._pids: Dict[str, str] = {}
        self._offsets: Dict[str, str] = {}
        self._recovered: Dict[str, bool] = {}
        self.not_handled = object()
        self._binary_packet: Optional[packet.Packet] = None
        self._connect_event = self.eio.create_event()
        self._reconnect_task: Any = None
        self._reconnecting = False
        self._keep_reconnecting = False
        self._reconnect_abort = self.eio.create_event()

    def _engineio_client_class(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    # Engine.IO's entry points (coroutines on AsyncClient)
    _handle_eio_connect: Callable[..., Any]
    _on_eio_message: Callable[..., Any]
    _handle_eio_disconnect: Callable[..., Any]

    def register_namespace(self, namespace_handler: Any) -> None:
        """Register a class-based client namespace object."""
        from .base_namespace import BaseClientNamespace
        self._check_namespace_handler(namespace_handler, BaseClientNamespace, 'client')
        namespace_handler._set_client(self)
        self.namespace_handlers[namespace_handler.namespace] = namespace_handler

    def get_sid(self, namespace: Optional[str] = None) -> Optional[str]:
        """Return the sid of a connected namespace, or None."""
        return self.namespaces.get(namespace or '/')

    def transport(self) -> str:
        """Return ``'polling'`` or ``'websocket'``."""
        return self.eio.transport()

    @property
    def recovered(self) -> bool:
        """True when the server recovered the previous session of every
        connected namespace (connection state recovery): the same sids, and
        the events emitted while the connection was down were delivered."""
        return bool(self.namespaces) and all(self._recovered.get(namespace, False)
                                             for namespace in self.namespaces)

    def is_recovered(self, namespace: Optional[str] = None) -> bool:
        """Tell whether the server recovered the previous session of
        ``namespace`` when it last connected (see :attr:`recovered`)."""
        return self._recovered.get(namespace or '/', False)

    def _generate_ack_id(self, namespace: Optional[str], callback: Callable[..., Any]) -> int:
        """Register ``callback`` for ``namespace`` and return its new ack id;
        the oldest of the namespace's callbacks is dropped when it has too
        many (see :class:`~socketio.acks.PendingCallbacks`)."""
        return self._acks.register(namespace or '/', callback)

    # -- connection state recovery ------------------------------------------------
    def _connect_data(self, namespace: str, auth: Any) -> Any:
        """The payload of the CONNECT packet of ``namespace``: the auth data,
        with the private session id and the last offset received when the
        server gave one (the server then tries to recover the session)."""
        pid = self._pids.get(namespace)
        if pid is None or not (auth is None or isinstance(auth, dict)):
            return auth or {}
        recovery = {'pid': pid}
        offset = self._offsets.get(namespace)
        if offset is not None:
            recovery['offset'] = offset
        return dict(recovery, **(auth or {}))

    def _session_started(self, namespace: str, data: Any) -> None:
        """Take note of the private session id of a CONNECT reply: the
        session was recovered when it is the one the client sent."""
        pid = data.get('pid') if isinstance(data, dict) else None
        if not isinstance(pid, str):
            pid = None
        recovered = pid is not None and self._pids.get(namespace) == pid
        self._recovered[namespace] = recovered
        if pid is None:
            self._pids.pop(namespace, None)
        else:
            self._pids[namespace] = pid
        if not recovered:
            self._offsets.pop(namespace, None)

    def _session_ended(self, namespace: Optional[str] = None) -> None:
        """A deliberate disconnect (of ``namespace``, or of every one): its
        session cannot be recovered."""
        for mapping in (self._pids, self._offsets, self._recovered):
            if namespace is None:
                mapping.clear()
            else:
                mapping.pop(namespace, None)

    def _take_offset(self, namespace: str, id: Optional[int], data: Any) -> Any:
        """Remove the offset the server appends to the events of a
        recoverable session (the last argument, a string; never on events
        asking for an acknowledgement) and remember it."""
        if id is None and namespace in self._pids and isinstance(data, list) and \
                len(data) > 1 and isinstance(data[-1], str):
            self._offsets[namespace] = data[-1]
            return data[:-1]
        return data

    def _namespaces_to_connect(self, namespaces: Any) -> List[str]:
        """The namespaces a ``connect(namespaces=...)`` call asks for: those
        given, else those with handlers (not ``'*'``), else ``'/'``."""
        if namespaces is None:
            return [n for n in set(self.handlers) | set(self.namespace_handlers)
                    if n != '*'] or ['/']
        if isinstance(namespaces, str):
            return [namespaces]
        return namespaces

    @staticmethod
    def _connection_error(exc: Exception) -> Tuple[Any, str]:
        """What an Engine.IO connection error gives: the detail passed to
        ``connect_error`` handlers and the message of the ConnectionError."""
        detail = exc.args[1] if len(exc.args) > 1 else (exc.args[0] if exc.args else '')
        message = str(exc.args[0]) if exc.args else 'Connection error'
        cause = exc.__cause__ or exc.__context__  # e.g. the refused socket
        if cause is not None and str(cause) and str(cause) not in message:
            message = f'{message}: {cause}'
        return detail, message

    @staticmethod
    def _error_args(data: Any) -> Tuple[Any, ...]:
        """The ``connect_error`` handler arguments of a CONNECT_ERROR payload."""
        if data is None:
            return ()
        if isinstance(data, (tuple, list)):
            return tuple(data)
        return (data,)
