"""Socket.IO client logic shared by :class:`~socketio.Client` and
:class:`~socketio.AsyncClient`.

The connection rules, packet handling, namespace dispatch and reconnection
policy live here once, as generator flows (see :mod:`socketio.trampoline`).
"""
from __future__ import annotations

import logging
import random
import signal
import threading
import time
from typing import Any, Callable, Dict, List, Optional

import engineio

from . import exceptions, packet
from .endpoint import Endpoint
from .options import engineio_options, select_logger, select_packet_class
from .payload import ack_args, event_name, register_callback, to_args
from .trampoline import Flow, call, queue_pending

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


class BaseClient(Endpoint):
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
                 handle_sigint: bool = True, **kwargs: Any) -> None:
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
        self.namespaces: Dict[str, str] = {}
        self.failed_namespaces: List[str] = []
        self.handlers: Dict[str, Dict[str, Callable[..., Any]]] = {}
        self.namespace_handlers: Dict[str, Any] = {}
        self.callbacks: Dict[str, Dict[int, Any]] = {}
        self.not_handled = object()
        self._binary_packet: Optional[packet.Packet] = None
        self._connect_event = self.eio.create_event()
        self._reconnect_task: Any = None
        self._reconnecting = False
        self._keep_reconnecting = False
        self._reconnect_abort = self.eio.create_event()

    def is_asyncio_based(self) -> bool:
        """Tell whether this client runs on asyncio."""
        return False

    def _engineio_client_class(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def _join_task(self, task: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def register_namespace(self, namespace_handler: Any) -> None:
        """Register a class-based client namespace object."""
        from .base_namespace import BaseClientNamespace
        self._check_namespace_handler(namespace_handler, BaseClientNamespace, 'client')
        namespace_handler._set_client(self)
        self.namespace_handlers[namespace_handler.namespace] = namespace_handler

    # -- connecting ---------------------------------------------------------
    def connect(self, url: Any, headers: Any = {}, auth: Any = None, transports: Any = None,  # noqa: B006
                namespaces: Any = None, socketio_path: str = 'socket.io', wait: bool = True,
                wait_timeout: float = 1, retry: bool = False) -> Any:
        """Connect to a Socket.IO server.

        ``url``, ``headers`` and ``auth`` may be callables, evaluated on every
        (re)connection. ``namespaces`` defaults to those with handlers. With
        ``wait`` the call returns once every namespace answered, and raises
        :class:`~socketio.exceptions.ConnectionError` if one was refused or
        did not answer within ``wait_timeout`` seconds. With ``retry`` a
        failed first connection goes through the reconnection policy.
        """
        return self._run(self._connect_flow(url, headers, auth, transports, namespaces,
                                            socketio_path, wait, wait_timeout, retry))

    def _connect_flow(self, url: Any, headers: Any, auth: Any, transports: Any,
                      namespaces: Any, socketio_path: str, wait: bool,
                      wait_timeout: float, retry: bool) -> Flow:
        if self.connected:
            raise exceptions.ConnectionError('Already connected')
        self.connection_url = url
        self.connection_headers = headers
        self.connection_auth = auth
        self.connection_transports = transports
        self.socketio_path = socketio_path
        if namespaces is None:
            namespaces = [n for n in set(self.handlers) | set(self.namespace_handlers)
                          if n != '*'] or ['/']
        elif isinstance(namespaces, str):
            namespaces = [namespaces]
        self.connection_namespaces = namespaces
        self.namespaces = {}
        self.failed_namespaces = []
        self._connect_event.clear()
        real_url = yield call(self._get_real_value, url)
        real_headers = yield call(self._get_real_value, headers)
        try:
            yield call(self.eio.connect, real_url, headers=real_headers,
                       transports=transports, engineio_path=socketio_path)
        except engineio.exceptions.ConnectionError as exc:
            detail = exc.args[1] if len(exc.args) > 1 else (exc.args[0] if exc.args else '')
            for namespace in self.connection_namespaces:
                yield call(self._trigger_event, 'connect_error', namespace, detail)
            if retry:
                yield call(self._handle_reconnect)
                if self.eio.state == 'connected':
                    return
            message = str(exc.args[0]) if exc.args else 'Connection error'
            cause = exc.__cause__ or exc.__context__  # e.g. the refused socket
            if cause is not None and str(cause) and str(cause) not in message:
                message = f'{message}: {cause}'
            raise exceptions.ConnectionError(message) from exc
        self.connected = True
        if not wait:
            return
        requested = set(self.connection_namespaces)
        while not requested <= set(self.namespaces) | set(self.failed_namespaces):
            if not (yield call(self._wait_event, self._connect_event, wait_timeout)):
                break
            self._connect_event.clear()
        if set(self.namespaces) != requested:
            missing = [n for n in self.connection_namespaces if n not in self.namespaces]
            self._keep_reconnecting = True  # a failed attempt must not end the loop
            try:
                yield call(self.disconnect)
            finally:
                self._keep_reconnecting = False
            raise exceptions.ConnectionError(
                'One or more namespaces failed to connect: ' + ', '.join(missing))

    @staticmethod
    def _get_real_value(value: Any) -> Any:
        return value() if callable(value) else value

    def wait(self) -> Any:
        """Block until the connection ends, following reconnections."""
        return self._run(self._wait_flow())

    def _wait_flow(self) -> Flow:
        while True:
            yield call(self.eio.wait)
            yield call(self.sleep, 1)  # let a reconnection task get started
            if not self._reconnect_task:
                break
            yield call(self._join_task, self._reconnect_task)
            if self.eio.state != 'connected':
                break

    # -- emitting ---------------------------------------------------------------
    def emit(self, event: str, data: Any = None, namespace: Optional[str] = None,
             callback: Optional[Callable[..., Any]] = None) -> Any:
        """Emit an event to the server.

        ``data`` may be any JSON value or bytes; a tuple sends several
        arguments. ``callback`` receives the server's acknowledgement.
        """
        return self._run(self._emit_flow(event, data, namespace or '/', callback))

    def _emit_flow(self, event: str, data: Any, namespace: str, callback: Any) -> Flow:
        if namespace not in self.namespaces:
            raise exceptions.BadNamespaceError(namespace + ' is not a connected namespace.')
        self.logger.info('Emitting event "%s" [%s]', event, namespace)
        ack_id = None if callback is None else self._generate_ack_id(namespace, callback)
        yield call(self._send_packet, self.packet_class(
            packet.EVENT, namespace=namespace, data=[event] + to_args(data), id=ack_id))

    def send(self, data: Any, namespace: Optional[str] = None,
             callback: Optional[Callable[..., Any]] = None) -> Any:
        """Emit a ``message`` event (see :meth:`emit`)."""
        return self.emit('message', data=data, namespace=namespace, callback=callback)

    def call(self, event: str, data: Any = None, namespace: Optional[str] = None,
             timeout: Optional[float] = 60) -> Any:
        """Emit an event and return the server's acknowledgement.

        Raises :class:`socketio.exceptions.TimeoutError` when no answer comes
        within ``timeout`` seconds.
        """
        return self._run(self._await_ack_flow(
            lambda on_ack: self.emit(event, data=data, namespace=namespace, callback=on_ack),
            timeout))

    # -- disconnecting ------------------------------------------------------------
    def disconnect(self) -> Any:
        """Disconnect from the server (also stops a reconnection in progress)."""
        return self._run(self._disconnect_flow())

    def _disconnect_flow(self) -> Flow:
        if self._reconnecting and not self._keep_reconnecting:
            self._reconnect_abort.set()
        # Engine.IO closes a websocket without flushing its send queue: give
        # the DISCONNECT packets a moment (at most 1 s) to go out first.
        flush = bool(self.namespaces) and self.eio.state == 'connected'
        queued = queue_pending(self.eio.queue) if flush else 0
        for namespace in list(self.namespaces):
            yield call(self._send_packet, self.packet_class(packet.DISCONNECT,
                                                            namespace=namespace))
        deadline = time.monotonic() + 1
        while flush and queue_pending(self.eio.queue) > queued \
                and time.monotonic() < deadline:
            yield call(self.sleep, 0.01)
        yield call(self.eio.disconnect)
        if self.connected:  # Engine.IO did not report the end of the connection
            yield from self._eio_disconnect_flow(self.reason.CLIENT_DISCONNECT)

    def shutdown(self) -> Any:
        """Disconnect, or stop a reconnection loop and wait for it to end."""
        return self._run(self._shutdown_flow())

    def _shutdown_flow(self) -> Flow:
        if self.connected:
            yield call(self.disconnect)
        elif self._reconnecting and self._reconnect_task:
            self._reconnect_abort.set()
            yield call(self._join_task, self._reconnect_task)

    def get_sid(self, namespace: Optional[str] = None) -> Optional[str]:
        """Return the sid of a connected namespace, or None."""
        return self.namespaces.get(namespace or '/')

    def transport(self) -> str:
        """Return ``'polling'`` or ``'websocket'``."""
        return self.eio.transport()

    # -- outgoing packets -----------------------------------------------------------
    def _send_packet(self, pkt: packet.Packet) -> Any:
        return self._run(self._send_packet_flow(pkt))

    def _send_packet_flow(self, pkt: packet.Packet) -> Flow:
        encoded = pkt.encode()
        if isinstance(encoded, list):
            for part in encoded:
                yield call(self.eio.send, part)
        else:
            yield call(self.eio.send, encoded)

    def _generate_ack_id(self, namespace: Optional[str], callback: Callable[..., Any]) -> int:
        return register_callback(self.callbacks, namespace or '/', callback)

    # -- Engine.IO events -------------------------------------------------------------
    def _handle_eio_connect(self) -> Any:
        return self._run(self._eio_connect_flow())

    def _eio_connect_flow(self) -> Flow:
        self.logger.info('Engine.IO connection established')
        self.sid = self.eio.sid
        auth = yield call(self._get_real_value, self.connection_auth)
        for namespace in self.connection_namespaces:
            yield call(self._send_packet, self.packet_class(
                packet.CONNECT, data=auth or {}, namespace=namespace))

    def _on_eio_message(self, data: Any) -> Any:
        """Engine.IO ``message`` entry point: bad input is logged, not raised."""
        return self._run(self._guarded_message_flow(data))

    def _guarded_message_flow(self, data: Any) -> Flow:
        try:
            yield call(self._handle_eio_message, data)
        except ValueError as exc:
            self._binary_packet = None
            self.logger.warning('Invalid packet from the server: %s', exc)
        except Exception:  # Engine.IO runs this in a thread of its own
            self.logger.exception('Error while handling a message from the server')

    def _handle_eio_message(self, data: Any) -> Any:
        return self._run(self._eio_message_flow(data))

    def _eio_message_flow(self, data: Any) -> Flow:
        pkt = self._binary_packet
        if pkt is not None:
            if pkt.add_attachment(data):
                self._binary_packet = None
                yield from self._dispatch_binary(pkt)
            return
        pkt = self.packet_class(encoded_packet=data)
        packet_type = pkt.packet_type
        if packet_type == packet.EVENT:
            yield call(self._handle_event, pkt.namespace, pkt.id, pkt.data)
        elif packet_type == packet.ACK:
            yield call(self._handle_ack, pkt.namespace, pkt.id, pkt.data)
        elif packet_type == packet.CONNECT:
            yield call(self._handle_connect, pkt.namespace, pkt.data)
        elif packet_type == packet.DISCONNECT:
            yield call(self._handle_disconnect, pkt.namespace)
        elif packet_type in (packet.BINARY_EVENT, packet.BINARY_ACK):
            if pkt.attachment_count == 0:
                yield from self._dispatch_binary(pkt)
            else:
                self._binary_packet = pkt
        elif packet_type == packet.CONNECT_ERROR:
            yield call(self._handle_error, pkt.namespace, pkt.data)
        else:
            raise ValueError('Unknown packet type.')

    def _dispatch_binary(self, pkt: packet.Packet) -> Flow:
        handle = self._handle_event if pkt.packet_type == packet.BINARY_EVENT \
            else self._handle_ack
        yield call(handle, pkt.namespace, pkt.id, pkt.data)

    def _handle_eio_disconnect(self, reason: Optional[str] = None) -> Any:
        return self._run(self._eio_disconnect_flow(reason))

    def _eio_disconnect_flow(self, reason: Optional[str]) -> Flow:
        self.logger.info('Engine.IO connection dropped')
        will_reconnect = bool(self.reconnection) and self.eio.state == 'connected'
        if self.connected:
            for namespace in list(self.namespaces):
                yield call(self._trigger_event, 'disconnect', namespace,
                           reason or self.reason.CLIENT_DISCONNECT)
                if not will_reconnect:
                    yield call(self._trigger_event, '__disconnect_final', namespace)
            self.namespaces = {}
            self.connected = False
        self.callbacks = {}
        self._binary_packet = None
        self.sid = None
        if will_reconnect and not self._reconnecting:
            self._reconnect_abort.clear()  # here: a disconnect() from now on must count
            self._reconnecting = True
            self._reconnect_task = self.start_background_task(self._handle_reconnect)

    # -- Socket.IO packets -------------------------------------------------------------
    def _handle_connect(self, namespace: Optional[str], data: Any) -> Any:
        return self._run(self._namespace_connect_flow(namespace or '/', data))

    def _namespace_connect_flow(self, namespace: str, data: Any) -> Flow:
        if namespace in self.namespaces:
            return
        self.logger.info('Namespace {} is connected'.format(namespace))
        sid = data.get('sid') if isinstance(data, dict) else None
        self.namespaces[namespace] = sid or self.sid
        try:
            yield call(self._trigger_event, 'connect', namespace=namespace)
        finally:
            self._connect_event.set()

    def _handle_disconnect(self, namespace: Optional[str]) -> Any:
        return self._run(self._namespace_disconnect_flow(namespace or '/'))

    def _namespace_disconnect_flow(self, namespace: str) -> Flow:
        if not self.connected:
            return
        yield call(self._trigger_event, 'disconnect', namespace, self.reason.SERVER_DISCONNECT)
        yield call(self._trigger_event, '__disconnect_final', namespace)
        self.namespaces.pop(namespace, None)
        if not self.namespaces:
            self.connected = False
            yield call(self.eio.disconnect, abort=True)

    def _handle_event(self, namespace: Optional[str], id: Optional[int], data: Any) -> Any:
        return self._run(self._event_flow(namespace or '/', id, data))

    def _event_flow(self, namespace: str, id: Optional[int], data: Any) -> Flow:
        self.logger.info('Received event "%s" [%s]', event_name(data), namespace)
        result = yield call(self._trigger_event, data[0], namespace, *data[1:])
        if id is not None and result is not self.not_handled:
            yield call(self._send_packet, self.packet_class(
                packet.ACK, namespace=namespace, id=id, data=to_args(result)))

    def _handle_ack(self, namespace: Optional[str], id: Optional[int], data: Any) -> Any:
        return self._run(self._ack_received_flow(namespace or '/', id, data))

    def _ack_received_flow(self, namespace: str, id: Optional[int], data: Any) -> Flow:
        self.logger.info('Received ack [%s]', namespace)
        data = ack_args(data)
        callbacks = self.callbacks.get(namespace, {})
        callback = callbacks.pop(id, None) if id is not None else None
        if callback is None:
            self.logger.warning('Unknown callback received, ignoring.')
            return
        yield call(callback, *(data or ()))

    def _handle_error(self, namespace: Optional[str], data: Any) -> Any:
        return self._run(self._error_flow(namespace or '/', data))

    def _error_flow(self, namespace: str, data: Any) -> Flow:
        self.logger.info('Connection to namespace {} was rejected'.format(namespace))
        if data is None:
            data = ()
        elif not isinstance(data, (tuple, list)):
            data = (data,)
        try:
            yield call(self._trigger_event, 'connect_error', namespace, *data)
        finally:
            self.namespaces.pop(namespace, None)
            if namespace == '/':
                self.namespaces = {}
                self.connected = False
            self.failed_namespaces.append(namespace)
            self._connect_event.set()

    # -- handler dispatch ------------------------------------------------------------------

    # -- reconnection ----------------------------------------------------------------------
    def _handle_reconnect(self) -> Any:
        return self._run(self._reconnect_flow())

    def _reconnect_flow(self) -> Flow:
        if not self._reconnecting:  # else cleared when the task was scheduled
            self._reconnect_abort.clear()
        self._reconnecting = True
        reconnecting_clients.append(self)
        attempt = 0
        success = False
        try:
            while True:
                delay = reconnect_delay(attempt, self.reconnection_delay,
                                        self.reconnection_delay_max, self.randomization_factor)
                self.logger.info('Connection failed, new attempt in {:.02f} seconds'
                                 .format(delay))
                if (yield call(self._wait_event, self._reconnect_abort, delay)):
                    self.logger.info('Reconnect task aborted')
                    break
                attempt += 1
                try:
                    yield call(self.connect, self.connection_url,
                               headers=self.connection_headers, auth=self.connection_auth,
                               transports=self.connection_transports,
                               namespaces=self.connection_namespaces,
                               socketio_path=self.socketio_path)
                except (exceptions.ConnectionError, ValueError):
                    pass
                else:
                    if self._reconnect_abort.is_set():  # disconnect() during the attempt
                        self.logger.info('Reconnect task aborted')
                        yield call(self.disconnect)
                        break
                    self.logger.info('Reconnection successful')
                    self._reconnect_task = None
                    success = True
                    break
                if self.reconnection_attempts and attempt >= self.reconnection_attempts:
                    self.logger.info('Maximum reconnection attempts reached, giving up')
                    break
        finally:
            reconnecting_clients.remove(self)
            self._reconnecting = False
        if not success:
            for namespace in self.connection_namespaces:
                yield call(self._trigger_event, '__disconnect_final', namespace)
