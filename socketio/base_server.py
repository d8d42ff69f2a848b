"""Socket.IO server logic shared by :class:`~socketio.Server` and
:class:`~socketio.AsyncServer`.

Every rule of the server lives here once. Methods that only forward to
Engine.IO or the client manager return whatever those return, which is a plain
value for the standard server and an awaitable for the asyncio server.
Methods that need to block or await are generator *flows* (see
:mod:`socketio.trampoline`) run by the subclass's ``_run`` driver.
"""
from __future__ import annotations

import builtins
import inspect
import logging
from typing import Any, Callable, Dict, List, Optional

import engineio

from . import exceptions, packet
from .endpoint import Endpoint
from .options import engineio_options, select_logger, select_packet_class
from .payload import ack_args, event_name, to_args
from .trampoline import Done, Flow, call, call_flow, flow_method

default_logger = logging.getLogger('socketio.server')

#: Events that never reach a ``'*'`` catch-all event handler.
RESERVED_EVENTS = ('connect', 'disconnect')


class BaseServer(Endpoint):
    """State and protocol rules of a Socket.IO server."""

    #: Disconnect reasons passed to ``disconnect`` handlers.
    reason = engineio.Server.reason
    reserved_events = RESERVED_EVENTS

    def __init__(self, client_manager: Any = None, logger: Any = False,
                 serializer: Any = 'default', json: Any = None,
                 async_handlers: bool = True, always_connect: bool = False,
                 namespaces: Any = None, **kwargs: Any) -> None:
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
        self.logger = select_logger(logger, default_logger)
        if client_manager is None:
            client_manager = self._default_manager()
        self.manager = client_manager
        self.manager.set_server(self)
        self.manager_initialized = False
        self.async_handlers = async_handlers
        self.always_connect = always_connect
        self.namespaces = namespaces or ['/']
        self.async_mode = self.eio.async_mode

    # -- flavour hooks, defined by Server and AsyncServer -------------------
    def is_asyncio_based(self) -> bool:
        """Tell whether this server runs on asyncio."""
        return False

    def _engineio_server_class(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def _default_manager(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    @staticmethod
    def _call_each(fn: Callable[..., Any], targets: Any, items: Any) -> Any:
        """``trampoline.call_each`` or its asyncio twin."""
        raise NotImplementedError  # pragma: no cover - set by each flavour

    def _result(self, value: Any) -> Any:
        """Return ``value``, as an awaitable on asyncio servers."""
        if self.is_asyncio_based() and not inspect.isawaitable(value):
            return Done(value)
        return value

    # -- handler registration ------------------------------------------------
    def register_namespace(self, namespace_handler: Any) -> None:
        """Register a class-based namespace object."""
        from .base_namespace import BaseServerNamespace
        self._check_namespace_handler(namespace_handler, BaseServerNamespace, 'server')
        namespace_handler._set_server(self)
        self.namespace_handlers[namespace_handler.namespace] = namespace_handler

    # -- emitting --------------------------------------------------------------
    def emit(self, event: str, data: Any = None, to: Any = None, room: Any = None,
             skip_sid: Any = None, namespace: Optional[str] = None,
             callback: Optional[Callable[..., Any]] = None, **kwargs: Any) -> Any:
        """Emit an event to one client, a room, several rooms or everyone.

        ``to`` (or its alias ``room``) is a sid, a room name or a list of
        them; None broadcasts to the namespace. ``skip_sid`` leaves out one sid
        or a list of sids. ``data`` may be any JSON value or bytes; a tuple
        sends several arguments. ``callback`` is called with the client's
        acknowledgement. ``ignore_queue=True`` skips the message queue.
        """
        namespace = namespace or '/'
        room = to or room
        self.logger.info('emitting event "%s" to %s [%s]', event, room or 'all', namespace)
        return self.manager.emit(event, data, namespace, room=room, skip_sid=skip_sid,
                                 callback=callback, **kwargs)

    def send(self, data: Any, to: Any = None, room: Any = None, skip_sid: Any = None,
             namespace: Optional[str] = None, callback: Optional[Callable[..., Any]] = None,
             **kwargs: Any) -> Any:
        """Emit a ``message`` event (see :meth:`emit`)."""
        return self.emit('message', data=data, to=to, room=room, skip_sid=skip_sid,
                         namespace=namespace, callback=callback, **kwargs)

    def call(self, event: str, data: Any = None, to: Any = None, sid: Any = None,
             namespace: Optional[str] = None, timeout: Optional[float] = 60,
             **kwargs: Any) -> Any:
        """Emit an event to one client and return its acknowledgement.

        Raises :class:`socketio.exceptions.TimeoutError` when no answer comes
        within ``timeout`` seconds.
        """
        return self._run(self._call_flow(event, data, to, sid, namespace, timeout, kwargs))

    def _call_flow(self, event: str, data: Any, to: Any, sid: Any, namespace: Any,
                   timeout: Any, kwargs: Dict[str, Any]) -> Flow:
        if to is None and sid is None:
            raise ValueError('Cannot use call() to broadcast.')
        if not self.async_handlers:
            raise RuntimeError('Cannot use call() when async_handlers is False.')
        return (yield from self._await_ack_flow(
            lambda on_ack: self.emit(event, data=data, room=to or sid, namespace=namespace,
                                     callback=on_ack, **kwargs), timeout))

    # -- rooms -------------------------------------------------------------------
    def enter_room(self, sid: str, room: Any, namespace: Optional[str] = None) -> Any:
        """Put a client in a room."""
        namespace = namespace or '/'
        self.logger.info('%s is entering room %s [%s]', sid, room, namespace)
        return self._result(self.manager.enter_room(sid, namespace, room))

    def leave_room(self, sid: str, room: Any, namespace: Optional[str] = None) -> Any:
        """Take a client out of a room."""
        namespace = namespace or '/'
        self.logger.info('%s is leaving room %s [%s]', sid, room, namespace)
        return self._result(self.manager.leave_room(sid, namespace, room))

    def close_room(self, room: Any, namespace: Optional[str] = None) -> Any:
        """Remove every client from a room."""
        namespace = namespace or '/'
        self.logger.info('room %s is closing [%s]', room, namespace)
        return self.manager.close_room(room, namespace)

    def rooms(self, sid: str, namespace: Optional[str] = None) -> Any:
        """Return the rooms a client is in, its own room included."""
        return self.manager.get_rooms(sid, namespace or '/')

    # -- sessions and environ ------------------------------------------------------
    def get_session(self, sid: str, namespace: Optional[str] = None) -> Any:
        """Return the user session dict of a client (live object)."""
        return self._run(self._get_session_flow(sid, namespace or '/'))

    def _get_session_flow(self, sid: str, namespace: str) -> Flow:
        eio_sid = self.manager.eio_sid_from_sid(sid, namespace)
        eio_session = yield call(self.eio.get_session, eio_sid)
        return eio_session.setdefault(namespace, {})

    def save_session(self, sid: str, session: Any, namespace: Optional[str] = None) -> Any:
        """Replace the user session of a client."""
        return self._run(self._save_session_flow(sid, session, namespace or '/'))

    def _save_session_flow(self, sid: str, session: Any, namespace: str) -> Flow:
        eio_sid = self.manager.eio_sid_from_sid(sid, namespace)
        eio_session = yield call(self.eio.get_session, eio_sid)
        eio_session[namespace] = session

    def session(self, sid: str, namespace: Optional[str] = None) -> SessionContext:
        """Context manager (``with`` or ``async with``) for a user session."""
        return SessionContext(self, sid, namespace)

    def get_environ(self, sid: str, namespace: Optional[str] = None) -> Any:
        """Return the WSGI/ASGI environ of a client's connection, or None."""
        eio_sid = self.manager.eio_sid_from_sid(sid, namespace or '/')
        return self.environ.get(eio_sid)

    def transport(self, sid: str, namespace: Optional[str] = None) -> str:
        """Return ``'polling'`` or ``'websocket'`` for a client."""
        eio_sid = self.manager.eio_sid_from_sid(sid, namespace or '/')
        return self.eio.transport(sid if eio_sid is None else eio_sid)

    # -- disconnecting -----------------------------------------------------------
    def disconnect(self, sid: str, namespace: Optional[str] = None,
                   ignore_queue: bool = False) -> Any:
        """Disconnect a client from a namespace (the transport stays open)."""
        return self._run(self._disconnect_flow(sid, namespace or '/', ignore_queue))

    def _disconnect_flow(self, sid: str, namespace: str, ignore_queue: bool) -> Flow:
        if ignore_queue:
            delete_it = self.manager.is_connected(sid, namespace)
        else:
            delete_it = yield call(self.manager.can_disconnect, sid, namespace)
        if not delete_it:
            return
        self.logger.info('Disconnecting %s [%s]', sid, namespace)
        eio_sid = self.manager.pre_disconnect(sid, namespace=namespace)
        yield call(self._send_packet, eio_sid,
                   self.packet_class(packet.DISCONNECT, namespace=namespace))
        yield from self._finish_disconnect_flow(sid, namespace, self.reason.SERVER_DISCONNECT)

    def _finish_disconnect_flow(self, sid: str, namespace: str, reason: str) -> Flow:
        try:
            yield call(self._trigger_event, 'disconnect', namespace, sid, reason)
        except Exception:
            self.logger.exception('disconnect handler error for %s [%s]', sid, namespace)
        yield call(self.manager.disconnect, sid, namespace, ignore_queue=True)

    # -- plumbing ------------------------------------------------------------------
    def handle_request(self, *args: Any, **kwargs: Any) -> Any:
        """Handle an HTTP request (WSGI or ASGI style) through Engine.IO."""
        return self.eio.handle_request(*args, **kwargs)

    def shutdown(self) -> Any:
        """Close every client connection, then stop Engine.IO's background
        service; call before the web server stops.

        Each Engine.IO session is closed by the server (clients receive a
        CLOSE packet), so ``disconnect`` handlers run with
        ``reason.SERVER_DISCONNECT`` for every namespace of every client.
        """
        return self._run(self._shutdown_flow())

    def _shutdown_flow(self) -> Flow:
        self.logger.info('Socket.IO is shutting down')
        # like eio.disconnect(), but without waiting for the packet queues to
        # drain, and leaving each closed socket to Engine.IO until it has sent
        # the CLOSE packet (a polling client only gets it with its next GET)
        for eio_socket in list(self.eio.sockets.values()):
            yield call(eio_socket.close, wait=False, reason=self.reason.SERVER_DISCONNECT)
        return (yield call(self.eio.shutdown))

    def instrument(self, auth: Any = None, mode: str = 'development', read_only: bool = False,
                   server_id: Optional[str] = None, namespace: str = '/admin',
                   server_stats_interval: float = 2) -> Any:
        """Report to the Socket.IO Admin UI (see :mod:`socketio.admin`)."""
        from .admin import instrument
        return instrument(self, auth=auth, mode=mode, read_only=read_only,
                          server_id=server_id, namespace=namespace,
                          server_stats_interval=server_stats_interval)

    # -- outgoing packets --------------------------------------------------------
    def _emit_internal(self, eio_sid: str, event: str, data: Any,
                       namespace: Optional[str] = None, id: Optional[int] = None) -> Any:
        return self._send_packet(eio_sid, self.packet_class(
            packet.EVENT, namespace=namespace, data=[event] + to_args(data), id=id))

    @flow_method
    def _send_packet(self, eio_sid: str, pkt: packet.Packet) -> Flow:
        encoded = pkt.encode()
        if type(encoded) is list:
            for part in encoded:
                yield call(self.eio.send, eio_sid, part)
        else:
            yield call(self.eio.send, eio_sid, encoded)

    def _send_eio_packet(self, eio_sid: str, eio_pkt: Any) -> Any:
        return self.eio.send_packet(eio_sid, eio_pkt)

    def _send_eio_packets(self, eio_sids: List[str], eio_pkts: List[Any]) -> Any:
        """Send the Engine.IO packets of one encoded event to many clients.

        Each packet goes through ``self._send_eio_packet`` (looked up now, so
        that replacing it on the instance works); when it is not replaced,
        Engine.IO's ``send_packet`` is called directly, saving a call per
        recipient.
        """
        send = self._send_eio_packet
        if getattr(send, '__func__', None) is BaseServer._send_eio_packet:
            send = self.eio.send_packet
        return self._call_each(send, eio_sids, eio_pkts)

    # -- Engine.IO events -----------------------------------------------------------
    def _handle_eio_connect(self, eio_sid: str, environ: Any) -> Any:
        if not self.manager_initialized:
            self.manager_initialized = True
            self.manager.initialize()
        self.environ[eio_sid] = environ
        return None

    def _on_eio_message(self, eio_sid: str, data: Any) -> Any:
        """Engine.IO ``message`` entry point: bad input is logged, not raised."""
        try:
            return self._handle_eio_message(eio_sid, data)
        except ValueError as exc:
            self._invalid_packet(eio_sid, exc)
        return None

    #: Engine.IO's own ``start_background_task`` (set by the shells)
    _eio_start_background_task: Any = None

    def _start_handler(self, target: Any, *args: Any) -> None:
        """Run an event handler in the background (``async_handlers``)."""
        self.start_background_task(target, *args)

    def _own_background_tasks(self) -> bool:
        """True when neither this server's nor Engine.IO's
        ``start_background_task`` was replaced (on a subclass or an instance),
        so that a shell may start handler tasks its own faster way."""
        eio = self.eio
        return (type(self).start_background_task is Endpoint.start_background_task
                and 'start_background_task' not in self.__dict__
                and getattr(type(eio), 'start_background_task', None)
                is self._eio_start_background_task
                and 'start_background_task' not in getattr(eio, '__dict__', ()))

    def _invalid_packet(self, eio_sid: str, exc: ValueError) -> None:
        """Drop what was pending for a client that sent a bad packet, log it."""
        self._binary_packet.pop(eio_sid, None)
        self.logger.warning('Invalid packet from %s: %s', eio_sid, exc)

    @flow_method
    def _handle_eio_message(self, eio_sid: str, data: Any) -> Flow:
        pkt = self._binary_packet.get(eio_sid)
        if pkt is not None:
            if isinstance(data, str):
                # whatever comes next is the attachment, as in 5.0.3; text
                # happens with gevent_uwsgi, whose Engine.IO driver takes a
                # binary frame starting with a byte >= 0x30 for text
                data = data.encode('utf-8')
            elif not isinstance(data, (bytes, bytearray)):
                del self._binary_packet[eio_sid]
                raise ValueError('Expected a binary attachment')
            if pkt.add_attachment(data):
                del self._binary_packet[eio_sid]
                yield from self._dispatch_binary(eio_sid, pkt)
            return
        pkt = self.packet_class(encoded_packet=data)
        packet_type = pkt.packet_type
        if packet_type == packet.EVENT:
            yield from call_flow(self._handle_event, eio_sid, pkt.namespace, pkt.id, pkt.data)
        elif packet_type == packet.ACK:
            yield from call_flow(self._handle_ack, eio_sid, pkt.namespace, pkt.id, pkt.data)
        elif packet_type == packet.CONNECT:
            yield call(self._handle_connect, eio_sid, pkt.namespace, pkt.data)
        elif packet_type == packet.DISCONNECT:
            yield call(self._handle_disconnect, eio_sid, pkt.namespace,
                       self.reason.CLIENT_DISCONNECT)
        elif packet_type in (packet.BINARY_EVENT, packet.BINARY_ACK):
            if self.manager.sid_from_eio_sid(eio_sid, pkt.namespace or '/') is None:
                raise ValueError('Unexpected binary packet')
            if pkt.attachment_count == 0:
                yield from self._dispatch_binary(eio_sid, pkt)
            else:
                self._binary_packet[eio_sid] = pkt
        elif packet_type == packet.CONNECT_ERROR:
            raise ValueError('Unexpected CONNECT_ERROR packet.')
        else:
            raise ValueError('Unknown packet type.')

    def _dispatch_binary(self, eio_sid: str, pkt: packet.Packet) -> Flow:
        handle = self._handle_event if pkt.packet_type == packet.BINARY_EVENT \
            else self._handle_ack
        yield call(handle, eio_sid, pkt.namespace, pkt.id, pkt.data)

    def _handle_eio_disconnect(self, eio_sid: str, reason: Optional[str] = None) -> Any:
        return self._run(self._eio_disconnect_flow(eio_sid, reason))

    def _eio_disconnect_flow(self, eio_sid: str, reason: Optional[str]) -> Flow:
        for namespace in list(self.manager.get_namespaces()):
            yield call(self._handle_disconnect, eio_sid, namespace, reason)
        self.environ.pop(eio_sid, None)
        self._binary_packet.pop(eio_sid, None)

    # -- Socket.IO packets ------------------------------------------------------------
    def _namespace_allowed(self, namespace: str) -> bool:
        return (self.namespaces == '*' or namespace in self.namespaces
                or namespace in self.handlers or namespace in self.namespace_handlers)

    @flow_method
    def _handle_connect(self, eio_sid: str, namespace: Optional[str],
                        data: Any = None) -> Flow:
        namespace = namespace or '/'
        sid = None
        if self._namespace_allowed(namespace):
            sid = yield call(self.manager.connect, eio_sid, namespace)
            if sid is None:
                self.logger.warning('%s is already connected to namespace %s',
                                    eio_sid, namespace)
        else:
            self.logger.warning('%s tried to connect to unknown namespace %s',
                                eio_sid, namespace)
        if sid is None:
            yield call(self._send_packet, eio_sid, self.packet_class(
                packet.CONNECT_ERROR, data='Unable to connect', namespace=namespace))
            return
        if self.always_connect:
            yield call(self._send_packet, eio_sid, self.packet_class(
                packet.CONNECT, {'sid': sid}, namespace=namespace))
        environ = self.environ.get(eio_sid)
        fail_reason = None
        try:
            if data:
                success = yield call(self._trigger_event, 'connect', namespace, sid,
                                     environ, data)
            else:
                try:
                    success = yield call(self._trigger_event, 'connect', namespace, sid,
                                         environ)
                except TypeError:
                    success = yield call(self._trigger_event, 'connect', namespace, sid,
                                         environ, None)
        except exceptions.ConnectionRefusedError as exc:
            success, fail_reason = False, exc.error_args
        except builtins.ConnectionRefusedError:
            success, fail_reason = False, {'message': 'Connection refused by server'}
        except Exception:
            self.logger.exception('connect handler error for %s [%s]', sid, namespace)
            success = False
        if success is False:
            fail_reason = fail_reason or exceptions.ConnectionRefusedError().error_args
            if self.always_connect:
                self.manager.pre_disconnect(sid, namespace)
                yield call(self._send_packet, eio_sid, self.packet_class(
                    packet.DISCONNECT, data=fail_reason, namespace=namespace))
            else:
                yield call(self._send_packet, eio_sid, self.packet_class(
                    packet.CONNECT_ERROR, data=fail_reason, namespace=namespace))
            yield call(self.manager.disconnect, sid, namespace, ignore_queue=True)
        elif not self.always_connect:
            yield call(self._send_packet, eio_sid, self.packet_class(
                packet.CONNECT, {'sid': sid}, namespace=namespace))

    @flow_method
    def _handle_disconnect(self, eio_sid: str, namespace: Optional[str],
                           reason: Optional[str] = None) -> Flow:
        namespace = namespace or '/'
        sid = self.manager.sid_from_eio_sid(eio_sid, namespace)
        if not self.manager.is_connected(sid, namespace):
            return
        self.manager.pre_disconnect(sid, namespace=namespace)
        yield from self._finish_disconnect_flow(
            sid, namespace, reason or self.reason.CLIENT_DISCONNECT)

    @flow_method
    def _handle_event(self, eio_sid: str, namespace: Optional[str], id: Optional[int],
                      data: Any) -> Flow:
        namespace = namespace or '/'
        sid = self.manager.sid_from_eio_sid(eio_sid, namespace)
        self.logger.info('received event "%s" from %s [%s]', event_name(data), sid, namespace)
        if not self.manager.is_connected(sid, namespace):
            self.logger.warning('%s is not connected to namespace %s',
                                sid or eio_sid, namespace)
            return
        if self.async_handlers:
            self._start_handler(self._handle_event_internal, self, sid, eio_sid, data,
                                namespace, id)
        else:
            yield from call_flow(self._handle_event_internal, self, sid, eio_sid, data,
                                 namespace, id)

    @flow_method
    def _handle_event_internal(self, server: Any, sid: str, eio_sid: str, data: Any,
                               namespace: str, id: Optional[int]) -> Flow:
        try:
            result = yield from call_flow(server._trigger_event, data[0], namespace, sid, *data[1:])
        except Exception:
            if not server.async_handlers:
                raise
            server.logger.exception('"%s" handler error for %s [%s]', data[0], sid, namespace)
            return
        if id is not None and result is not server.not_handled:
            yield from call_flow(server._send_packet, eio_sid, server.packet_class(
                packet.ACK, to_args(result), namespace, id))

    @flow_method
    def _handle_ack(self, eio_sid: str, namespace: Optional[str], id: Optional[int],
                    data: Any) -> Flow:
        namespace = namespace or '/'
        sid = self.manager.sid_from_eio_sid(eio_sid, namespace)
        self.logger.info('received ack from %s [%s]', sid, namespace)
        data = ack_args(data)
        if sid is None:
            self.logger.warning('%s is not connected to namespace %s', eio_sid, namespace)
            return
        yield call(self.manager.trigger_callback, sid, id, data)

    # -- handler dispatch ---------------------------------------------------------


class SessionContext:
    """Gives access to a user session with ``with`` or ``async with``."""

    def __init__(self, server: Any, sid: str, namespace: Optional[str]) -> None:
        self.server = server
        self.sid = sid
        self.namespace = namespace
        self.session: Any = None

    def __enter__(self) -> Any:
        self.session = self.server.get_session(self.sid, namespace=self.namespace)
        return self.session

    def __exit__(self, *args: Any) -> None:
        self.server.save_session(self.sid, self.session, namespace=self.namespace)

    async def __aenter__(self) -> Any:
        self.session = await self.server.get_session(self.sid, namespace=self.namespace)
        return self.session

    async def __aexit__(self, *args: Any) -> None:
        await self.server.save_session(self.sid, self.session, namespace=self.namespace)
