"""Reporting to the Socket.IO Admin UI (https://admin.socket.io).

``server.instrument(auth=...)`` returns an :class:`InstrumentedServer`, which
opens an admin namespace (``/admin`` by default) that the Admin UI connects to,
and reports to it what happens on the server: sockets connecting and leaving,
rooms, events received and sent, and periodic ``server_stats``.

One implementation serves :class:`~socketio.Server` and
:class:`~socketio.AsyncServer`. It observes the server by wrapping a few of
its methods on the instance (``_trigger_event``, ``shutdown``, the manager's
``emit``, ``basic_enter_room`` and ``basic_leave_room``, the Engine.IO
``connect``/``disconnect`` handlers and each Engine.IO socket's ``send`` and
``receive``). Wrappers that may need to wait are generator flows run by the
server's own driver, so they return plain values on a standard server and
awaitables on an asyncio server, exactly like the methods they wrap.
"""
from __future__ import annotations

import inspect
import os
import socket
import threading
import time
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional, Set, Tuple
from urllib.parse import parse_qs

from engineio import packet as eio_packet

from . import exceptions
from .payload import to_args
from .trampoline import Flow, call

EVENT_TYPES = ('rawConnection', 'rawDisconnection', 'packetsIn', 'packetsOut',
               'bytesIn', 'bytesOut')


def isotime() -> str:
    """The current time in ISO 8601 format, UTC, millisecond precision."""
    return datetime.now(timezone.utc).isoformat(timespec='milliseconds') \
        .replace('+00:00', 'Z')


class EventBuffer:
    """Counts of aggregated events, per second, until the next report."""

    def __init__(self) -> None:
        self.buffer: Dict[Tuple[int, str], int] = {}
        self.lock = threading.Lock()

    def push(self, type: str, count: int = 1) -> None:
        """Add ``count`` occurrences of ``type`` to the current second."""
        key = (int(time.time()) * 1000, type)
        with self.lock:
            self.buffer[key] = self.buffer.get(key, 0) + count

    def get_and_clear(self) -> List[Dict[str, Any]]:
        """Return the aggregated events and empty the buffer."""
        with self.lock:
            buffer, self.buffer = self.buffer, {}
        return [{'timestamp': timestamp, 'type': type, 'count': count}
                for (timestamp, type), count in buffer.items()]


class InstrumentedServer:
    """Connects a server to the Socket.IO Admin UI.

    :param server: the :class:`~socketio.Server` or :class:`~socketio.AsyncServer`.
    :param auth: required. ``False`` disables authentication; a dict must
        equal the admin client's ``auth``; a list of dicts must contain it; a
        callable (a coroutine function on asyncio) gets it and returns True
        to accept.
    :param mode: ``'development'`` reports every socket and event,
        ``'production'`` only aggregate statistics.
    :param read_only: refuse the UI's operations (emit, join, leave,
        disconnect).
    :param server_id: the name of this server in the UI; by default the
        message-queue host id, else the host name.
    :param namespace: the namespace the UI connects to.
    :param server_stats_interval: seconds between ``server_stats`` reports.
    """

    def __init__(self, server: Any, auth: Any = None, mode: str = 'development',
                 read_only: bool = False, server_id: Optional[str] = None,
                 namespace: str = '/admin', server_stats_interval: float = 2) -> None:
        if auth is None:
            raise ValueError('auth must be specified')
        if mode not in ('development', 'production'):
            raise ValueError("mode must be 'development' or 'production'")
        self.sio = self.server = server
        self.auth = auth
        self.mode = mode
        self.read_only = read_only
        self.admin_namespace = namespace
        self.server_id = server_id or getattr(server.manager, 'host_id', None) \
            or socket.gethostname()
        self.server_stats_interval = server_stats_interval
        self.event_buffer = EventBuffer()
        self.stats_task: Any = None
        self.stop_stats_event: Any = None
        self._stopped = False
        self._issued: Dict[str, float] = {}
        self._polling: Set[str] = set()
        self._originals: Dict[Tuple[Any, str], Any] = {}
        self.instrument()

    @property
    def development(self) -> bool:
        """True when every socket and event is reported."""
        return self.mode == 'development'

    # -- installation -------------------------------------------------------------
    def instrument(self) -> None:
        """Install the admin namespace handlers and the server hooks."""
        server, manager, ns = self.server, self.server.manager, self.admin_namespace
        server.on('connect', self._handler(self._admin_connect_flow), namespace=ns)
        if not self.read_only:
            server.on('emit', self._handler(self._admin_emit_flow), namespace=ns)
            server.on('join', self._handler(self._admin_join_flow), namespace=ns)
            server.on('leave', self._handler(self._admin_leave_flow), namespace=ns)
            server.on('_disconnect', self._handler(self._admin_disconnect_flow),
                      namespace=ns)
        self._wrap(server, '_trigger_event', self._trigger_event_flow)
        self._wrap(server, 'shutdown', self._shutdown_flow)
        self._wrap(manager, 'emit', self._manager_emit_flow)
        self._patch(manager, 'basic_enter_room', self._basic_enter_room)
        self._patch(manager, 'basic_leave_room', self._basic_leave_room)
        server.eio.on('connect', self._entry_point('connect', self._eio_connect_flow))
        server.eio.on('disconnect', self._entry_point('disconnect', self._eio_disconnect_flow))

    def uninstrument(self) -> None:
        """Remove the server hooks (the admin namespace handlers stay)."""
        for (obj, name) in self._originals:
            obj.__dict__.pop(name, None)
        self._originals.clear()
        self.server.eio.on('connect', self.server._handle_eio_connect)
        self.server.eio.on('disconnect', self.server._handle_eio_disconnect)

    def _patch(self, obj: Any, name: str, replacement: Callable[..., Any]) -> None:
        self._originals[(obj, name)] = getattr(obj, name)
        setattr(obj, name, replacement)

    def _wrap(self, obj: Any, name: str, flow: Callable[..., Flow]) -> None:
        """Replace ``obj.name`` by ``flow(original, *args)`` run by the server."""
        original = getattr(obj, name)
        run = self.server._run
        if inspect.iscoroutinefunction(original):  # keep it a coroutine function
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                return await run(flow(original, *args, **kwargs))
            self._patch(obj, name, async_wrapper)
        else:
            self._patch(obj, name, lambda *args, **kwargs: run(flow(original, *args, **kwargs)))

    def _handler(self, flow: Callable[..., Flow]) -> Callable[..., Any]:
        """A Socket.IO event handler running ``flow`` with the server's driver."""
        run = self.server._run
        return lambda *args: run(flow(*args))

    def _entry_point(self, event: str, flow: Callable[..., Flow]) -> Callable[..., Any]:
        """An Engine.IO handler wrapping the server's own, as ``flow(original, ...)``.

        Engine.IO awaits only coroutine functions, hence the asyncio variant.
        """
        server = self.server
        original = getattr(server, '_handle_eio_' + event)
        if server.is_asyncio_based():
            async def async_entry(*args: Any) -> Any:
                return await server._run(flow(original, *args))
            return async_entry
        return lambda *args: server._run(flow(original, *args))

    # -- helpers ---------------------------------------------------------------------
    def _broadcast(self, event: str, *data: Any) -> Any:
        """Emit to every admin client (returns an awaitable on asyncio)."""
        return self.server.emit(event, data, namespace=self.admin_namespace)

    def _broadcast_later(self, event: str, *data: Any) -> None:
        """Emit to the admin clients from code that can neither block nor await."""
        if self.server.is_asyncio_based():
            self.server.start_background_task(self._broadcast, event, *data)
        else:
            self._broadcast(event, *data)

    def _connected_sids(self, eio_sid: str) -> List[Tuple[str, str]]:
        """``(namespace, sid)`` of every namespace an Engine.IO session is in."""
        manager = self.server.manager
        result = []
        for namespace in list(manager.get_namespaces()):
            sid = manager.sid_from_eio_sid(eio_sid, namespace)
            if sid:
                result.append((namespace, sid))
        return result

    def serialize_socket(self, sid: str, namespace: str,
                         eio_sid: Optional[str] = None) -> Dict[str, Any]:
        """Describe a connected socket the way the Admin UI expects."""
        server = self.server
        if eio_sid is None:
            eio_sid = server.manager.eio_sid_from_sid(sid, namespace)
        environ = server.environ.get(eio_sid) or {}
        try:
            transport = server.eio.transport(eio_sid)
        except KeyError:
            transport = 'polling'
        issued = self._issued.get(eio_sid, time.time())
        headers = {key[5:].lower().replace('_', '-'): value
                   for key, value in environ.items() if key.startswith('HTTP_')}
        query = {key: value[0] if len(value) == 1 else value
                 for key, value in parse_qs(environ.get('QUERY_STRING', '')).items()}
        return {
            'id': sid,
            'clientId': eio_sid,
            'transport': transport,
            'nsp': namespace,
            'data': {},
            'handshake': {
                'address': environ.get('REMOTE_ADDR', ''),
                'headers': headers,
                'query': query,
                'secure': environ.get('wsgi.url_scheme', 'http') == 'https',
                'url': environ.get('PATH_INFO', ''),
                'issued': int(issued * 1000),
                'time': datetime.fromtimestamp(issued, timezone.utc).isoformat(),
            },
            'rooms': [room for room in server.manager.get_rooms(sid, namespace)
                      if room is not None],
        }

    def all_sockets(self) -> List[Dict[str, Any]]:
        """Describe every connected socket, in every namespace."""
        manager = self.server.manager
        return [self.serialize_socket(sid, namespace, eio_sid)
                for namespace in list(manager.get_namespaces())
                for sid, eio_sid in manager.get_participants(namespace, None)]

    def supported_features(self) -> List[str]:
        """The feature list sent to the UI in the ``config`` event."""
        features = ['AGGREGATED_EVENTS']
        if not self.read_only:
            features += ['EMIT', 'JOIN', 'LEAVE', 'DISCONNECT', 'MJOIN', 'MLEAVE',
                         'MDISCONNECT']
        if self.development:
            features.append('ALL_EVENTS')
        return features

    def server_stats(self, started: float, namespaces: List[str]) -> Dict[str, Any]:
        """The payload of a ``server_stats`` report (clears the event buffer)."""
        server = self.server
        sockets = list(server.eio.sockets.values())
        return {
            'serverId': self.server_id,
            'hostname': socket.gethostname(),
            'pid': os.getpid(),
            'uptime': time.time() - started,
            'clientsCount': len(sockets),
            'pollingClientsCount': len([s for s in sockets if not s.upgraded]),
            'aggregatedEvents': self.event_buffer.get_and_clear(),
            'namespaces': [{'name': namespace,
                            'socketsCount': len(list(server.manager.get_participants(
                                namespace, None)))}
                           for namespace in namespaces],
        }

    # -- the admin namespace ---------------------------------------------------------
    def _admin_connect_flow(self, sid: str, environ: Any, client_auth: Any = None) -> Flow:
        if self.auth is not False:
            if isinstance(self.auth, dict):
                authenticated = client_auth == self.auth
            elif isinstance(self.auth, list):
                authenticated = client_auth in self.auth
            else:
                authenticated = yield call(self.auth, client_auth)
            if not authenticated:
                raise exceptions.ConnectionRefusedError('authentication failed')
        self.server.start_background_task(self.server._run, self._greet_flow(sid))

    def _greet_flow(self, sid: str) -> Flow:
        server, ns = self.server, self.admin_namespace
        yield call(server.sleep, 0.1)  # let the CONNECT reply go out first
        yield call(server.emit, 'config', {'supportedFeatures': self.supported_features()},
                   to=sid, namespace=ns)
        if self.development:
            yield call(server.emit, 'all_sockets', self.all_sockets(), to=sid, namespace=ns)

    def _admin_emit_flow(self, sid: str, namespace: str, room_filter: Any, event: str,
                         *data: Any) -> Flow:
        payload = data[0] if len(data) == 1 else (tuple(data) if data else None)
        yield call(self.server.emit, event, payload, to=room_filter, namespace=namespace)

    def _admin_join_flow(self, sid: str, namespace: str, room: Any,
                         room_filter: Any = None) -> Flow:
        for target, _ in list(self.server.manager.get_participants(namespace, room_filter)):
            yield call(self.server.enter_room, target, room, namespace=namespace)

    def _admin_leave_flow(self, sid: str, namespace: str, room: Any,
                          room_filter: Any = None) -> Flow:
        for target, _ in list(self.server.manager.get_participants(namespace, room_filter)):
            yield call(self.server.leave_room, target, room, namespace=namespace)

    def _admin_disconnect_flow(self, sid: str, namespace: str, close: bool,
                               room_filter: Any = None) -> Flow:
        closed = set()
        for target, eio_sid in list(self.server.manager.get_participants(namespace,
                                                                         room_filter)):
            if not close:
                yield call(self.server.disconnect, target, namespace=namespace)
            elif eio_sid not in closed:
                closed.add(eio_sid)
                try:
                    yield call(self.server.eio.disconnect, eio_sid)
                except KeyError:  # already gone
                    pass

    # -- hooks on the server --------------------------------------------------------
    def _trigger_event_flow(self, original: Callable[..., Any], event: str, namespace: str,
                            *args: Any) -> Flow:
        if event == 'connect':
            result = yield call(original, event, namespace, *args)
            if result is not False and self.development:
                try:
                    info = self.serialize_socket(args[0], namespace)
                except Exception:  # reporting must never break a connection
                    self.server.logger.exception('admin: cannot describe %s', args[0])
                else:
                    yield call(self._broadcast, 'socket_connected', info, isotime())
            return result
        if event == 'disconnect':
            try:
                return (yield call(original, event, namespace, *args))
            finally:
                if self.development:
                    reason = args[1] if len(args) > 1 else \
                        self.server.reason.CLIENT_DISCONNECT
                    self._broadcast_later('socket_disconnected', namespace, args[0],
                                          reason, isotime())
        if self.development and namespace != self.admin_namespace and args:
            yield call(self._broadcast, 'event_received', namespace, args[0],
                       [event, *args[1:]], isotime())
        return (yield call(original, event, namespace, *args))

    def _manager_emit_flow(self, original: Callable[..., Any], event: str, data: Any,
                           namespace: str, room: Any = None, skip_sid: Any = None,
                           callback: Any = None, **kwargs: Any) -> Flow:
        if kwargs.get('to') is not None:
            room = kwargs.pop('to')
        result = yield call(original, event, data, namespace, room=room, skip_sid=skip_sid,
                            callback=callback, **kwargs)
        if self.development and namespace != self.admin_namespace:
            skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
            message = [event, *to_args(data)]
            for sid, _ in list(self.server.manager.get_participants(namespace, room)):
                if sid not in skip:
                    yield call(self._broadcast, 'event_sent', namespace, sid, message,
                               isotime())
        return result

    def _basic_enter_room(self, sid: str, namespace: str, room: Any,
                          eio_sid: Optional[str] = None) -> Any:
        original = self._originals[(self.server.manager, 'basic_enter_room')]
        result = original(sid, namespace, room, eio_sid=eio_sid)
        if room and self.development:
            self._broadcast_later('room_joined', namespace, room, sid, isotime())
        return result

    def _basic_leave_room(self, sid: str, namespace: str, room: Any) -> Any:
        original = self._originals[(self.server.manager, 'basic_leave_room')]
        result = original(sid, namespace, room)
        if room and self.development:
            self._broadcast_later('room_left', namespace, room, sid, isotime())
        return result

    def _shutdown_flow(self, original: Callable[..., Any]) -> Flow:
        yield from self._stop_stats_flow()
        return (yield call(original))

    def shutdown(self) -> Any:
        """Stop the statistics task (awaitable on asyncio)."""
        return self.server._run(self._stop_stats_flow())

    # -- hooks on Engine.IO ------------------------------------------------------------
    def _eio_connect_flow(self, original: Callable[..., Any], eio_sid: str,
                          environ: Any) -> Flow:
        result = yield call(original, eio_sid, environ)
        if result is False:
            return result
        self.event_buffer.push('rawConnection')
        self._issued[eio_sid] = time.time()
        eio_socket = self.server.eio.sockets.get(eio_sid)
        if eio_socket is not None:
            self._watch_socket(eio_socket)
            if not eio_socket.upgraded and \
                    'transport=websocket' not in (environ or {}).get('QUERY_STRING', ''):
                self._polling.add(eio_sid)
        if self.stats_task is None and not self._stopped:
            self.stop_stats_event = self.server.eio.create_event()
            self.stats_task = self.server.start_background_task(self.server._run,
                                                                self._stats_flow())
        return result

    def _eio_disconnect_flow(self, original: Callable[..., Any], eio_sid: str,
                             *reason: Any) -> Flow:
        try:
            return (yield call(original, eio_sid, *reason))
        finally:
            self.event_buffer.push('rawDisconnection')
            self._issued.pop(eio_sid, None)
            self._polling.discard(eio_sid)

    def _watch_socket(self, eio_socket: Any) -> None:
        """Count an Engine.IO socket's traffic and report it at each ping."""
        send, receive = eio_socket.send, eio_socket.receive
        buffer = self.event_buffer

        def counted_send(pkt: Any) -> Any:
            if pkt.packet_type == eio_packet.MESSAGE:
                buffer.push('packetsOut')
                buffer.push('bytesOut', _size(pkt.data))
            elif pkt.packet_type == eio_packet.PING and self.development:
                for namespace, sid in self._connected_sids(eio_socket.sid):
                    self._broadcast_later('socket_connected',
                                          self.serialize_socket(sid, namespace,
                                                                eio_socket.sid),
                                          isotime())
            return send(pkt)

        def counted_receive(pkt: Any) -> Any:
            if pkt.packet_type == eio_packet.MESSAGE:
                buffer.push('packetsIn')
                buffer.push('bytesIn', _size(pkt.data))
            return receive(pkt)

        eio_socket.send = counted_send
        eio_socket.receive = counted_receive

    # -- statistics --------------------------------------------------------------------
    def _stats_flow(self) -> Flow:
        server = self.server
        started = time.time()
        namespaces = sorted(ns for ns in set(server.handlers) | set(server.namespace_handlers)
                            if ns != '*')
        while not (yield call(server._wait_event, self.stop_stats_event,
                              self.server_stats_interval)):
            if self.development:
                yield from self._report_upgrades_flow()
            yield call(self._broadcast, 'server_stats', self.server_stats(started, namespaces))

    def _report_upgrades_flow(self) -> Flow:
        for eio_sid in list(self._polling):
            eio_socket = self.server.eio.sockets.get(eio_sid)
            if eio_socket is not None and not eio_socket.upgraded:
                continue
            self._polling.discard(eio_sid)
            if eio_socket is None:
                continue
            for namespace, sid in self._connected_sids(eio_sid):
                yield call(self._broadcast, 'socket_updated',
                           {'id': sid, 'nsp': namespace, 'transport': 'websocket'})

    def _stop_stats_flow(self) -> Flow:
        self._stopped = True
        task, self.stats_task = self.stats_task, None
        if task is not None:
            self.stop_stats_event.set()
            yield call(self._join, task)

    def _join(self, task: Any) -> Any:
        if self.server.is_asyncio_based():
            return task  # awaited by the driver
        join = getattr(task, 'join', None) or task.wait
        return join()


def _size(data: Any) -> int:
    if isinstance(data, str):
        return len(data.encode('utf-8'))
    if isinstance(data, (bytes, bytearray)):
        return len(data)
    return 0


def instrument(server: Any, auth: Any = None, mode: str = 'development',
               read_only: bool = False, server_id: Optional[str] = None,
               namespace: str = '/admin', server_stats_interval: float = 2) -> Any:
    """Instrument ``server`` for the Admin UI; see :class:`InstrumentedServer`."""
    cls: Any = InstrumentedServer
    if server.is_asyncio_based():
        from .async_admin import InstrumentedAsyncServer
        cls = InstrumentedAsyncServer
    return cls(server, auth=auth, mode=mode, read_only=read_only, server_id=server_id,
               namespace=namespace, server_stats_interval=server_stats_interval)


__all__ = ['InstrumentedServer', 'instrument', 'EVENT_TYPES']
