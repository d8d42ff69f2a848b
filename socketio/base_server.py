"""What :class:`~socketio.Server` and :class:`~socketio.AsyncServer` share
without any I/O: construction, handler registration, queries, and the
decisions of the connection protocol.

Everything that sends, waits or runs a handler is in ``async_server.py``
(written for asyncio) and ``server.py`` (generated from it).
"""
from __future__ import annotations

import asyncio
import builtins
import functools
import logging
from typing import Any, Callable, Dict, List, Optional

import engineio

from . import exceptions, handler_threads, packet
from .acks import MAX_PENDING_CALLBACKS, check_limit
from .base_endpoint import BaseEndpoint, hold_task
from .base_recovery import Recovery, recovery_options
from .log_limits import RepeatedLog
from .long_polling import check_packet_limit
from .options import engineio_options, select_logger, select_packet_class

default_logger = logging.getLogger('socketio.server')

#: Events that never reach a ``'*'`` catch-all event handler.
RESERVED_EVENTS = ('connect', 'disconnect')

#: Engine.IO's async modes of :class:`~socketio.AsyncServer`
ASYNCIO_MODES = ('asgi', 'aiohttp', 'sanic', 'tornado')


class SendsThroughEngineIO:
    """Decorator of ``_send_eio_packet``: looked up on a server, it gives
    that server's ``eio.send_packet``, which is all the method does.

    A broadcast calls ``server._send_eio_packet`` once per recipient, and the
    call of the method around Engine.IO's would double the cost of each
    (``benchmarks/bench_broadcast.py``). Looked up on the class it is the
    method itself (a coroutine function on ``AsyncServer``); replacing it on
    a server, as Flask-SocketIO's test client does, or overriding it in a
    subclass works as for any method.
    """

    def __init__(self, method: Callable[..., Any]) -> None:
        self.method = method
        functools.update_wrapper(self, method)  # type: ignore[arg-type]

    def __get__(self, server: Any, cls: Any = None) -> Any:
        if server is None:
            return self.method
        return server.eio.send_packet


class BaseServer(BaseEndpoint):
    """State and protocol rules of a Socket.IO server."""

    #: Disconnect reasons passed to ``disconnect`` handlers.
    reason = engineio.Server.reason
    reserved_events = RESERVED_EVENTS

    def __init__(self, client_manager: Any = None, logger: Any = False,
                 serializer: Any = 'default', json: Any = None,
                 async_handlers: bool = True, always_connect: bool = False,
                 namespaces: Any = None, **kwargs: Any) -> None:
        # this package's options that Engine.IO does not take
        recovery = recovery_options(kwargs.pop('connection_state_recovery', None))
        max_pending = check_limit(kwargs.pop('max_pending_callbacks', MAX_PENDING_CALLBACKS))
        #: packets accepted in one long-polling POST (None: one per 10 bytes of
        #: ``max_http_buffer_size``; see :mod:`socketio.long_polling`)
        self.max_payload_packets = check_packet_limit(kwargs.pop('max_payload_packets', None))
        self.packet_class = select_packet_class(serializer)
        options = engineio_options(kwargs, json, self.packet_class)
        options['async_handlers'] = False
        self.eio = self._engineio_server_class()(**options)
        self.eio.on('connect', self._handle_eio_connect)
        self.eio.on('message', self._on_eio_message)
        self.eio.on('disconnect', self._handle_eio_disconnect)
        self.environ: Dict[str, Any] = {}
        self.handlers: Dict[str, Dict[str, Callable[..., Any]]] = {}
        self.namespace_handlers: Dict[str, Any] = {}
        self.not_handled = object()
        self._binary_packet: Dict[str, packet.Packet] = {}
        #: findings about clients' input, logged once then counted per client
        self._log_limits = RepeatedLog()
        self.logger = select_logger(logger, default_logger)
        if client_manager is None:
            client_manager = self._default_manager()
        self.manager = client_manager
        self.manager.set_server(self)
        acks = getattr(self.manager, '_acks', None)
        if acks is not None:
            acks.limit = max_pending
        #: connection state recovery (:mod:`socketio.base_recovery`), or None
        self._recovery = None if recovery is None else Recovery(recovery)
        if self._recovery is not None:
            self.manager._recovery = self._recovery
        self.manager_initialized = False
        self.async_handlers = async_handlers
        self.always_connect = always_connect
        self.namespaces = namespaces or ['/']
        self.async_mode = self.eio.async_mode
        #: handlers of the events of other server processes (``on_server_event``)
        self.server_handlers: Dict[str, Dict[str, Callable[..., Any]]] = {}

    # -- defined by each flavour ----------------------------------------------
    def _engineio_server_class(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def _default_manager(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    # Engine.IO's entry points (coroutines on AsyncServer)
    _handle_eio_connect: Callable[..., Any]
    _on_eio_message: Callable[..., Any]
    _handle_eio_disconnect: Callable[..., Any]

    # -- handler registration ------------------------------------------------
    def register_namespace(self, namespace_handler: Any) -> None:
        """Register a class-based namespace object."""
        from .base_namespace import BaseServerNamespace
        self._check_namespace_handler(namespace_handler, BaseServerNamespace, 'server')
        namespace_handler._set_server(self)
        self.namespace_handlers[namespace_handler.namespace] = namespace_handler

    # -- queries -------------------------------------------------------------
    def rooms(self, sid: str, namespace: Optional[str] = None) -> List[Any]:
        """Return the rooms a client is in, its own room included."""
        return self.manager.get_rooms(sid, namespace or '/')

    def get_environ(self, sid: str, namespace: Optional[str] = None) -> Any:
        """Return the WSGI/ASGI environ of a client's connection, or None."""
        eio_sid = self.manager.eio_sid_from_sid(sid, namespace or '/')
        return self.environ.get(eio_sid)

    def transport(self, sid: str, namespace: Optional[str] = None) -> str:
        """Return ``'polling'`` or ``'websocket'`` for a client (an
        Engine.IO sid is accepted too)."""
        eio_sid = self.manager.eio_sid_from_sid(sid, namespace or '/')
        return self.eio.transport(sid if eio_sid is None else eio_sid)

    def instrument(self, auth: Any = None, mode: str = 'development', read_only: bool = False,
                   server_id: Optional[str] = None, namespace: str = '/admin',
                   server_stats_interval: float = 2) -> Any:
        """Report to the Socket.IO Admin UI; returns the instrumentation
        object (see :class:`socketio.admin.InstrumentedServer`)."""
        instrumented: Any
        if self.is_asyncio_based():
            from .async_admin import InstrumentedAsyncServer as instrumented
        else:
            from .admin import InstrumentedServer as instrumented
        return instrumented(self, auth=auth, mode=mode, read_only=read_only,
                            server_id=server_id, namespace=namespace,
                            server_stats_interval=server_stats_interval)

    # -- Engine.IO plumbing ------------------------------------------------------
    def _start_handler(self, target: Callable[..., Any], *args: Any) -> None:
        """Run an event handler in the background (``async_handlers``).

        In ``threading`` mode it runs on a reused thread (starting a thread
        costs far more than dispatching an event, see
        :mod:`socketio.handler_threads`); in the asyncio modes it is an
        asyncio task, created here and held until it ends (Engine.IO's
        ``start_background_task`` costs about a microsecond more per event);
        in the other modes (eventlet, gevent) it is a background task.
        """
        mode = self.async_mode
        if mode == 'threading':
            handler_threads.shared.submit(target, *args)
        elif mode in ASYNCIO_MODES:
            hold_task(asyncio.get_running_loop().create_task(target(*args)))
        else:
            self.start_background_task(target, *args)

    def _drop_binary_packet(self, eio_sid: Optional[str], namespace: str) -> None:
        """Forget the half-received binary packet of a client leaving
        ``namespace``."""
        if eio_sid is None:
            return
        pkt = self._binary_packet.get(eio_sid)
        if pkt is not None and (pkt.namespace or '/') == namespace:
            self._binary_packet.pop(eio_sid, None)

    def _invalid_packet(self, eio_sid: str, exc: ValueError) -> None:
        """Drop what was pending for a client that sent a bad packet, log it."""
        self._binary_packet.pop(eio_sid, None)
        self._client_warning(eio_sid, 'invalid packet', 'Invalid packet from %s: %s', eio_sid,
                             exc)

    def _client_warning(self, eio_sid: Optional[str], kind: str, message: str,
                        *args: Any) -> None:
        """Log a warning about what a client sent: in full the first time,
        then counted, so that one client cannot flood the logs."""
        self._log_limits.log(self.logger, logging.WARNING, eio_sid, kind, message, *args,
                             stacklevel=3)

    # -- protocol decisions ----------------------------------------------------------
    def _namespace_allowed(self, namespace: str) -> bool:
        """Tell whether a CONNECT to ``namespace`` may go to its handler."""
        return (self.namespaces == '*' or namespace in self.namespaces
                or namespace in self.handlers or namespace in self.namespace_handlers)

    def _start_binary_packet(self, eio_sid: str, pkt: packet.Packet) -> bool:
        """Take the header of a binary packet; True when it is complete
        already (no attachment announced), else it waits for attachments."""
        if self.manager.sid_from_eio_sid(eio_sid, pkt.namespace or '/') is None:
            raise ValueError('Unexpected binary packet')
        if pkt.attachment_count == 0:
            return True
        self._binary_packet[eio_sid] = pkt
        return False

    def _add_attachment(self, eio_sid: str, pkt: packet.Packet, data: Any) -> bool:
        """Give ``data`` to the binary packet pending for ``eio_sid``; True
        once the packet is complete (it is then no longer pending)."""
        if isinstance(data, str):
            # whatever comes next is the attachment, as in 5.0.3; text
            # happens with gevent_uwsgi, whose Engine.IO driver takes a
            # binary frame starting with a byte >= 0x30 for text
            data = data.encode('utf-8')
        elif not isinstance(data, (bytes, bytearray)):
            del self._binary_packet[eio_sid]
            raise ValueError('Expected a binary attachment')
        if not pkt.add_attachment(data):
            return False
        del self._binary_packet[eio_sid]
        return True

    @staticmethod
    def _refusal(exc: BaseException) -> Any:
        """The CONNECT_ERROR payload for what a connect handler raised, or
        None when it is an error of the handler rather than a refusal."""
        if isinstance(exc, exceptions.ConnectionRefusedError):
            return exc.error_args
        if isinstance(exc, builtins.ConnectionRefusedError):
            return {'message': 'Connection refused by server'}
        return None

    # -- the cluster (docs/cluster.rst) ---------------------------------------------
    def on_server_event(self, event: str, handler: Optional[Callable[..., Any]] = None,
                        namespace: Optional[str] = None) -> Any:
        """Register a handler of ``event`` sent by another server process with
        ``server_side_emit()``; usable as a decorator. It is called with the
        event's arguments (no sid) and what it returns is its answer, as an
        event handler's is an acknowledgement. A message-queue manager is
        needed: events never come back to the process that sent them."""
        def register(handler: Callable[..., Any]) -> Callable[..., Any]:
            self.server_handlers.setdefault(namespace or '/', {})[event] = handler
            return handler

        return register if handler is None else register(handler)

    def _join_cluster(self) -> None:
        """Start the manager (its listener) before a cluster request, if no
        client connected yet."""
        if not self.manager_initialized:
            self.manager_initialized = True
            self.manager.initialize()


class BaseSessionContext:
    """What ``server.session(sid)`` returns: a client's user session, for a
    ``with`` block (``async with`` for :class:`~socketio.AsyncServer`)."""

    def __init__(self, server: Any, sid: str, namespace: Optional[str]) -> None:
        self.server = server
        self.sid = sid
        self.namespace = namespace
        self.session: Any = None
