"""Connection state recovery: the bookkeeping, without I/O.

A server started with ``connection_state_recovery`` gives each client, with
its sid, a private session id (``pid``) in the CONNECT reply, and appends an
*offset* (a unique string) as the last argument of every event it emits
without a callback. When a connection ends for a reason that is not a
deliberate disconnect, the client's session (sid, rooms, user session) is
kept for ``max_disconnection_duration`` seconds. A client that connects
again with ``{"pid": ..., "offset": ...}`` in its CONNECT payload gets its
session back, then every event emitted to it (or to its rooms) after that
offset, in order. This is the protocol of the JavaScript server, whose
client then reports ``socket.recovered``.

Every process keeps a log of the events emitted in each namespace (those of
the other processes of a message queue too: the offset travels with the
event), bounded in number, size and age; the missed events of a client are
found in it when it comes back. The sessions of disconnected clients are
kept by :class:`Recovery` (one process) or in a shared store (the Redis
managers, see ``async_recovery.py``).
"""
from __future__ import annotations

import collections
import itertools
import json
import secrets
import threading
import time
from numbers import Real
from typing import Any, Deque, Dict, List, Optional, Tuple

from .payload import is_room_list

#: The options of ``connection_state_recovery`` and their defaults.
DEFAULT_OPTIONS: Dict[str, Any] = {
    # seconds a disconnected client's session is kept (JavaScript: 2 minutes)
    'max_disconnection_duration': 120.0,
    # a recovered client is connected before its connect handler runs
    'skip_middlewares': True,
    # sessions of disconnected clients kept by a process (the oldest go first)
    'max_sessions': 10_000,
    # events kept per namespace for the clients that come back
    'max_events': 10_000,
    # total size of those events per namespace (bytes, as sent)
    'max_events_size': 16 * 1024 * 1024,
    # largest session (as JSON) put in a shared store, such as Redis
    'max_session_size': 64 * 1024,
}

#: Engine.IO disconnect reasons after which a session is kept. A client's
#: Engine.IO CLOSE counts (the JavaScript client's ``engine.close()`` over
#: long-polling); a deliberate disconnect is a Socket.IO DISCONNECT packet,
#: which removes the client from its namespace first.
TEMPORARY_REASONS = frozenset(('ping timeout', 'transport close', 'transport error',
                               'client disconnect'))


class RecoveryOptions:
    """The validated ``connection_state_recovery`` options."""

    max_disconnection_duration: float
    skip_middlewares: bool
    max_sessions: int
    max_events: int
    max_events_size: int
    max_session_size: int

    def __init__(self, **options: Any) -> None:
        unknown = set(options) - set(DEFAULT_OPTIONS)
        if unknown:
            raise ValueError('Unknown connection_state_recovery options: '
                             + ', '.join(sorted(unknown)))
        values = dict(DEFAULT_OPTIONS, **options)
        duration = values['max_disconnection_duration']
        if isinstance(duration, bool) or not isinstance(duration, Real) or duration <= 0:
            raise ValueError(f'Invalid max_disconnection_duration: {duration!r}')
        self.max_disconnection_duration = float(duration)
        self.skip_middlewares = bool(values['skip_middlewares'])
        for name in ('max_sessions', 'max_events', 'max_events_size', 'max_session_size'):
            value = values[name]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f'Invalid {name}: {value!r}')
            setattr(self, name, value)

    def __repr__(self) -> str:
        return 'RecoveryOptions(' + ', '.join(
            f'{name}={getattr(self, name)!r}' for name in DEFAULT_OPTIONS) + ')'


def recovery_options(value: Any) -> Optional[RecoveryOptions]:
    """The options of a ``connection_state_recovery`` argument: None (off)
    for None or False, the defaults for True, else those of the dict."""
    if value is None or value is False:
        return None
    if value is True:
        return RecoveryOptions()
    if isinstance(value, RecoveryOptions):
        return value
    if isinstance(value, dict):
        return RecoveryOptions(**value)
    raise TypeError('connection_state_recovery must be a dict of options')


def split_auth(auth: Any) -> Tuple[Any, Optional[str], Optional[str]]:
    """``(auth, pid, offset)`` of a CONNECT payload: the private session id
    and offset a client sends to recover its session, and the rest."""
    if not isinstance(auth, dict) or not isinstance(auth.get('pid'), str):
        return auth, None, None
    auth = dict(auth)
    pid = auth.pop('pid')
    offset = auth.pop('offset', None)
    return auth, pid, offset if isinstance(offset, str) else None


class Entry:
    """An event of the log: what it was sent to and the Engine.IO packets
    that carried it."""

    __slots__ = ('seq', 'offset', 'room', 'skip_sid', 'packets', 'size', 'time',
                 'deferred_to')

    def __init__(self, seq: int, offset: str, room: Any, skip_sid: Any, packets: List[Any],
                 size: int, when: float, deferred_to: Optional[str]) -> None:
        self.seq = seq
        self.offset = offset
        self.room = room
        self.skip_sid = skip_sid
        self.packets = packets
        self.size = size
        self.time = when
        self.deferred_to = deferred_to

    def reaches(self, sid: str, rooms: Any) -> bool:
        """Whether the event went to the client ``sid`` in ``rooms``."""
        skip = self.skip_sid
        if skip is not None and (sid in skip if isinstance(skip, list) else sid == skip):
            return False
        room = self.room
        if room is None:
            return True
        try:
            if is_room_list(room):
                return any(name in rooms for name in room)
            return room in rooms
        except TypeError:  # a name that cannot be a room
            return False


class Log:
    """The events of one namespace, oldest first; ``next_seq`` numbers the
    next one (a gap at the start means events were dropped)."""

    __slots__ = ('entries', 'size', 'next_seq')

    def __init__(self) -> None:
        self.entries: Deque[Entry] = collections.deque()
        self.size = 0
        self.next_seq = 0


class Session:
    """The state of a client kept while it is away."""

    __slots__ = ('pid', 'sid', 'namespace', 'rooms', 'data', 'start_seq', 'start_offset',
                 'host', 'kept_at', 'after_seq')

    def __init__(self, pid: str, sid: str, namespace: str, rooms: List[Any], data: Any,
                 start_seq: Optional[int], start_offset: Optional[str], host: str) -> None:
        self.pid = pid
        self.sid = sid
        self.namespace = namespace
        self.rooms = rooms
        self.data = data
        self.start_seq = start_seq  # the log position when it (re)connected...
        self.start_offset = start_offset  # ...and the last offset then
        self.host = host  # the Recovery that numbered start_seq
        self.kept_at = time.monotonic()
        self.after_seq: int = -1  # set by Recovery.locate()


class Client:
    """A connected client of a recovering server."""

    __slots__ = ('pid', 'recovered', 'start_seq', 'start_offset')

    def __init__(self, pid: str, recovered: bool) -> None:
        self.pid = pid
        self.recovered = recovered
        self.start_seq: Optional[int] = None
        self.start_offset: Optional[str] = None


class Recovery:
    """The recovery state of one server: the log of each namespace, the
    connected clients' private session ids, the sessions of those that are
    away. Safe under threads: ``lock`` orders the log with the recipients of
    each event (see ``AsyncManager._emit_with_offset``)."""

    def __init__(self, options: RecoveryOptions) -> None:
        self.options = options
        #: held while an event is logged and its recipients chosen, and while
        #: a recovered client gets its missed events and becomes connected
        self.lock = threading.RLock()
        self.host = secrets.token_urlsafe(6)
        self.shutting_down = False
        self._counter = itertools.count(1)
        self._logs: Dict[str, Log] = {}
        self._clients: Dict[Tuple[str, str], Client] = {}
        self._by_pid: Dict[str, Tuple[str, str]] = {}
        self._sessions: collections.OrderedDict[str, Session] = collections.OrderedDict()
        self._sessions_lock = threading.Lock()

    # -- the log ------------------------------------------------------------------
    def new_offset(self) -> str:
        """A new offset, unique across processes and restarts."""
        return f'{self.host}{next(self._counter):x}'

    def record(self, namespace: str, offset: str, room: Any, skip_sid: Any,
               packets: List[Any], deferred_to: Optional[str] = None) -> None:
        """Log an event (call with ``lock`` held); the oldest events go
        beyond ``max_events``, ``max_events_size`` or the recovery window."""
        log = self._logs.get(namespace)
        if log is None:
            log = self._logs[namespace] = Log()
        size = sum(map(_size, packets)) if len(packets) > 1 else _size(packets[0])
        now = time.monotonic()
        log.entries.append(Entry(log.next_seq, offset, _frozen(room), _frozen(skip_sid),
                                 packets, size, now, deferred_to))
        log.next_seq += 1
        log.size += size
        options = self.options
        oldest = now - options.max_disconnection_duration
        entries = log.entries
        while entries and (len(entries) > options.max_events
                           or log.size > options.max_events_size or entries[0].time < oldest):
            log.size -= entries.popleft().size

    def events(self, namespace: Optional[str] = None) -> int:
        """The number of events logged (in ``namespace``, or in all)."""
        if namespace is not None:
            log = self._logs.get(namespace)
            return len(log.entries) if log else 0
        return sum(len(log.entries) for log in list(self._logs.values()))

    def _position(self, namespace: str) -> Tuple[int, Optional[str]]:
        log = self._logs.get(namespace)
        if log is None:
            return 0, None
        return log.next_seq, log.entries[-1].offset if log.entries else None

    # -- connected clients ------------------------------------------------------------
    def connected(self, namespace: str, sid: str, pid: Optional[str] = None) -> str:
        """Register a client being admitted; return its private session id
        (a new one unless ``pid`` recovers a session)."""
        client = Client(pid or secrets.token_urlsafe(16), pid is not None)
        old = self._clients.get((namespace, sid))
        if old is not None:
            self._by_pid.pop(old.pid, None)
        self._clients[(namespace, sid)] = client
        self._by_pid[client.pid] = (namespace, sid)
        return client.pid

    def started(self, namespace: str, sid: str) -> None:
        """A client is about to receive events: note the log position (what
        it would miss from there if it came back without an offset)."""
        client = self._clients.get((namespace, sid))
        if client is not None:
            client.start_seq, client.start_offset = self._position(namespace)

    def pid(self, namespace: str, sid: str) -> Optional[str]:
        client = self._clients.get((namespace, sid))
        return None if client is None else client.pid

    def is_recovered(self, namespace: str, sid: str) -> bool:
        client = self._clients.get((namespace, sid))
        return client is not None and client.recovered

    def not_recovered(self, namespace: str, sid: str) -> str:
        """A recovery could not deliver every missed event: the client gets a
        new private session id (its client then reports no recovery)."""
        return self.connected(namespace, sid)

    def forget(self, namespace: str, sid: str) -> None:
        """The client left its namespace."""
        client = self._clients.pop((namespace, sid), None)
        if client is not None:
            self._by_pid.pop(client.pid, None)

    def live(self, pid: str, namespace: str) -> Optional[str]:
        """The sid of the connected client of ``namespace`` whose private
        session id is ``pid``, if there is one."""
        found = self._by_pid.get(pid)
        return found[1] if found is not None and found[0] == namespace else None

    def clients(self) -> int:
        return len(self._clients)

    # -- sessions of disconnected clients ----------------------------------------------
    def keeps(self, reason: Any) -> bool:
        """Whether a connection that ended for ``reason`` keeps its sessions."""
        return reason in TEMPORARY_REASONS or self.shutting_down

    def capture(self, namespace: str, sid: str, rooms: List[Any], data: Any) -> Optional[Session]:
        """The session of a connected client, to keep while it is away."""
        client = self._clients.get((namespace, sid))
        if client is None:
            return None
        return Session(client.pid, sid, namespace, [room for room in rooms if room != sid],
                       data, client.start_seq, client.start_offset, self.host)

    def keep(self, session: Session) -> None:
        """Keep a session in this process (the oldest go beyond
        ``max_sessions`` or the recovery window)."""
        with self._sessions_lock:
            self._sessions.pop(session.pid, None)
            self._sessions[session.pid] = session
            self._expire_sessions()
            while len(self._sessions) > self.options.max_sessions:
                self._sessions.popitem(last=False)

    def take(self, pid: str, namespace: str) -> Optional[Session]:
        """Remove and return the session of ``pid`` in ``namespace``, unless
        it expired."""
        with self._sessions_lock:
            self._expire_sessions()
            session = self._sessions.get(pid)
            if session is None or session.namespace != namespace:
                return None
            del self._sessions[pid]
        return session

    def sessions(self) -> int:
        with self._sessions_lock:
            self._expire_sessions()
            return len(self._sessions)

    def _expire_sessions(self) -> None:
        oldest = time.monotonic() - self.options.max_disconnection_duration
        sessions = self._sessions
        while sessions:
            session = next(iter(sessions.values()))
            if session.kept_at >= oldest:
                break
            sessions.popitem(last=False)

    # -- recovering ---------------------------------------------------------------------
    def locate(self, session: Session, offset: Optional[str]) -> bool:
        """Find where the client stopped in the log: after ``offset`` (the
        last event it got), else where it (re)connected. False when some
        event it may have missed is no longer there."""
        with self.lock:
            log = self._logs.get(session.namespace) or Log()
            if offset is None and session.host == self.host and session.start_seq is not None:
                after = session.start_seq - 1
            else:
                offset = offset if offset is not None else session.start_offset
                if offset is None:
                    return False
                found = _find(log, offset)
                if found is None:
                    return False
                after = found
            if not _complete_after(log, after):
                return False
            session.after_seq = after
            return True

    def missed(self, session: Session) -> Optional[List[Any]]:
        """The Engine.IO packets of the events a recovered client missed, in
        order (call with ``lock`` held); None when some were dropped since
        :meth:`locate`."""
        log = self._logs.get(session.namespace)
        if log is None:
            return []
        if not _complete_after(log, session.after_seq):
            return None
        sid = session.sid
        rooms = set(_hashable(session.rooms))
        rooms.add(sid)
        found: List[Entry] = []
        for entry in reversed(log.entries):
            if entry.seq <= session.after_seq:
                break
            if entry.deferred_to != sid and entry.reaches(sid, rooms):
                found.append(entry)
        return [pkt for entry in reversed(found) for pkt in entry.packets]

    # -- sessions in a shared store ---------------------------------------------------------
    def to_record(self, session: Session) -> Optional[str]:
        """A session as JSON for a shared store; None when its user session
        is not JSON or the record exceeds ``max_session_size``."""
        try:
            text = json.dumps({
                'pid': session.pid, 'sid': session.sid, 'namespace': session.namespace,
                'rooms': session.rooms, 'data': session.data,
                'start_offset': session.start_offset, 'start_seq': session.start_seq,
                'host': session.host}, separators=(',', ':'), allow_nan=False)
        except (TypeError, ValueError):
            return None
        if len(text) > self.options.max_session_size:
            return None
        return text

    @staticmethod
    def from_record(text: Any, namespace: str) -> Optional[Session]:
        """The session of a record of a shared store (None if it is not a
        valid one for ``namespace``)."""
        if isinstance(text, bytes):
            text = text.decode('utf-8', 'replace')
        try:
            record = json.loads(text) if isinstance(text, str) else None
        except ValueError:
            return None
        if not isinstance(record, dict) or record.get('namespace') != namespace:
            return None
        pid, sid, rooms = record.get('pid'), record.get('sid'), record.get('rooms')
        start_seq, start_offset = record.get('start_seq'), record.get('start_offset')
        if not (isinstance(pid, str) and isinstance(sid, str) and isinstance(rooms, list)):
            return None
        return Session(pid, sid, namespace, rooms, record.get('data'),
                       start_seq if isinstance(start_seq, int) else None,
                       start_offset if isinstance(start_offset, str) else None,
                       str(record.get('host')))


def _find(log: Log, offset: str) -> Optional[int]:
    """The sequence number of the event of ``offset`` (recent ones first)."""
    for entry in reversed(log.entries):
        if entry.offset == offset:
            return entry.seq
    return None


def _complete_after(log: Log, after: int) -> bool:
    """Whether every event numbered after ``after`` is still in the log."""
    first = log.entries[0].seq if log.entries else log.next_seq
    return first <= after + 1


def _size(eio_pkt: Any) -> int:
    """The size of an Engine.IO packet, as kept in the log."""
    data = eio_pkt.data
    return len(data) if isinstance(data, (str, bytes)) else 64


def _frozen(value: Any) -> Any:
    """A room or skip_sid argument as kept in the log (a list is copied)."""
    return list(value) if isinstance(value, (list, tuple, set, frozenset)) else value


def _hashable(names: List[Any]) -> List[Any]:
    return [name for name in names if not isinstance(name, (list, dict))]
