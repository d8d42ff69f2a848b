"""What the Admin UI instrumentation of both flavours shares without I/O:
option checks, the description of sockets, statistics and traffic counts.

The instrumentation itself is :class:`~socketio.async_admin.InstrumentedAsyncServer`
(``async_admin.py``) and :class:`~socketio.admin.InstrumentedServer`
(``admin.py``, generated from it).
"""
from __future__ import annotations

import os
import socket
import threading
import time
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional, Set, Tuple
from urllib.parse import parse_qs

from engineio import packet as eio_packet

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


class BaseInstrumentedServer:
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

    def instrument(self) -> None:  # pragma: no cover - defined by each flavour
        raise NotImplementedError

    _broadcast: Callable[..., Any]  # defined by each flavour

    def _broadcast_later(self, event: str, *data: Any) -> None:
        """Emit to the admin clients from code that can neither block nor
        await (a hook on the manager's room bookkeeping, a packet counter)."""
        self.server.start_background_task(self._broadcast, event, *data)

    @property
    def development(self) -> bool:
        """True when every socket and event is reported."""
        return self.mode == 'development'

    def uninstrument(self) -> None:
        """Remove the server hooks (the admin namespace handlers stay)."""
        for (obj, name) in self._originals:
            obj.__dict__.pop(name, None)
        self._originals.clear()
        self.server.eio.on('connect', self.server._handle_eio_connect)
        self.server.eio.on('disconnect', self.server._handle_eio_disconnect)

    def _patch(self, obj: Any, name: str, replacement: Callable[..., Any]) -> None:
        """Replace ``obj.name`` on the instance, remembering the original."""
        self._originals[(obj, name)] = getattr(obj, name)
        setattr(obj, name, replacement)

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


def _size(data: Any) -> int:
    if isinstance(data, str):
        return len(data.encode('utf-8'))
    if isinstance(data, (bytes, bytearray)):
        return len(data)
    return 0
