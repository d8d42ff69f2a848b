"""The bookkeeping of cluster requests, without I/O.

A server process asks the others (through the message queue) and collects
their answers here: which processes are alive (:class:`PeerTable`, fed by
heartbeats), what each open request waits for (:class:`Request`) and what the
application gets back (:class:`CallResults`, :class:`ClusterList`,
:class:`ClusterSocket`). The managers that send and wait are in
``async_manager.py`` and ``async_pubsub_manager.py`` (and their generated
twins); the message formats are in ``pubsub_messages.py``.
"""
from __future__ import annotations

import threading
import time
import uuid
from typing import Any, Callable, Dict, Iterable, List, NamedTuple, Optional, Set, Tuple

from .payload import ack_value, is_room_list

#: Seconds between two heartbeats of a listening manager (``heartbeat_interval``).
HEARTBEAT_INTERVAL = 5.0
#: A process is taken for gone after this many of its heartbeat intervals of silence.
PEER_EXPIRY = 2.5
#: Seconds between two greetings while a new listener waits for its own to
#: come back (then it knows that it receives the channel), and at most how
#: long it greets.
HELLO_INTERVAL, HELLO_MAX = 0.2, 10.0
#: Default ``timeout`` of the cluster queries (seconds), as JavaScript's adapters.
REQUEST_TIMEOUT = 5.0


class ClusterSocket(NamedTuple):
    """A connected client, as :meth:`~socketio.AsyncServer.fetch_sockets` sees it."""

    #: the Socket.IO sid
    sid: str
    #: the namespace
    namespace: str
    #: the rooms it is in, its own room (named after the sid) included
    rooms: Tuple[Any, ...]
    #: the ``host_id`` of the manager of the process it is connected to
    #: (None with the in-memory manager)
    host_id: Optional[str]
    #: ``'polling'`` or ``'websocket'`` (None when unknown)
    transport: Optional[str]
    #: the client's address as the web server saw it (``REMOTE_ADDR``), or None
    address: Optional[str]

    def to_json(self) -> Dict[str, Any]:
        """The fields a response carries (``namespace`` and ``host_id`` are
        those of the request and of the response)."""
        return {'sid': self.sid, 'rooms': list(self.rooms), 'transport': self.transport,
                'address': self.address}

    @classmethod
    def from_json(cls, data: Any, namespace: str, host_id: Optional[str]) -> ClusterSocket:
        """Inverse of :meth:`to_json`; ValueError for malformed data."""
        if not isinstance(data, dict) or not isinstance(data.get('sid'), str):
            raise ValueError('malformed socket description')
        rooms = data.get('rooms')
        return cls(data['sid'], namespace,
                   tuple(rooms) if isinstance(rooms, list) else (), host_id,
                   _optional_str(data.get('transport')), _optional_str(data.get('address')))


def _optional_str(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


class CallResults(dict):
    """What :meth:`~socketio.AsyncServer.call_all` returns: ``{sid: answer}``
    for every client that answered in time (an answer is shaped as
    ``call()`` returns it: None, a value, or a tuple of several).

    ``missing_sids`` lists the clients that were sent the event and did not
    answer in time (those of processes that did not report are not known),
    ``missing_hosts`` the ``host_id`` of each process that did not report.
    """

    def __init__(self, answers: Any = (), missing_sids: Iterable[str] = (),
                 missing_hosts: Iterable[str] = ()) -> None:
        super().__init__(answers)
        self.missing_sids: List[str] = sorted(missing_sids)
        self.missing_hosts: List[str] = sorted(missing_hosts)

    @property
    def complete(self) -> bool:
        """True when every client and every process answered in time."""
        return not self.missing_sids and not self.missing_hosts

    def __repr__(self) -> str:
        return (f'CallResults({dict.__repr__(self)}, missing_sids={self.missing_sids!r}, '
                f'missing_hosts={self.missing_hosts!r})')


class ClusterList(list):
    """A list of what the processes of a cluster answered (the sockets of
    :meth:`~socketio.AsyncServer.fetch_sockets`, the answers of
    :meth:`~socketio.AsyncServer.server_side_emit`), with the ``host_id`` of
    each process that did not answer in time in ``missing_hosts``."""

    def __init__(self, items: Iterable[Any] = (), missing_hosts: Iterable[str] = (),
                 hosts: Iterable[Optional[str]] = ()) -> None:
        super().__init__(items)
        self.missing_hosts: List[str] = sorted(missing_hosts)
        #: for server-side emits: the ``host_id`` of each answer, in order
        self.hosts: List[Optional[str]] = list(hosts)

    @property
    def complete(self) -> bool:
        """True when every process answered in time."""
        return not self.missing_hosts

    def __repr__(self) -> str:
        return f'ClusterList({list.__repr__(self)}, missing_hosts={self.missing_hosts!r})'


class PeerTable:
    """The other listening processes of the channel, by ``host_id``, with
    the time each was last heard of. Thread safe."""

    def __init__(self) -> None:
        self._peers: Dict[str, Tuple[float, float]] = {}  # host_id -> (deadline, interval)
        self._lock = threading.Lock()

    def seen(self, host_id: str, interval: Any = HEARTBEAT_INTERVAL,
             now: Optional[float] = None) -> bool:
        """A heartbeat (or an answer) of ``host_id``; True when it is new."""
        try:
            interval = min(max(float(interval), 0.1), 3600.0)
        except (TypeError, ValueError):
            interval = HEARTBEAT_INTERVAL
        now = time.monotonic() if now is None else now
        with self._lock:
            known = host_id in self._peers
            self._peers[host_id] = (now + interval * PEER_EXPIRY, interval)
            return not known

    def touch(self, host_id: str, now: Optional[float] = None) -> None:
        """Any answer of a known ``host_id`` shows it alive (unknown ones are
        added with the default interval)."""
        with self._lock:
            interval = self._peers.get(host_id, (0.0, HEARTBEAT_INTERVAL))[1]
        self.seen(host_id, interval, now)

    def forget(self, host_id: str) -> None:
        with self._lock:
            self._peers.pop(host_id, None)

    def alive(self, now: Optional[float] = None) -> Set[str]:
        """The processes heard of recently (the others are forgotten)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            for host_id in [h for h, (deadline, _) in self._peers.items() if deadline < now]:
                del self._peers[host_id]
            return set(self._peers)


class Request:
    """One request of this process, collecting the answers of the others.

    ``event`` (an event of the server's async mode) is set when nothing more
    is expected: every process of ``hosts`` reported and, for a call, every
    announced client answered. Thread safe.
    """

    def __init__(self, kind: str, hosts: Iterable[str], event: Any,
                 request_id: Optional[str] = None) -> None:
        self.id = request_id or uuid.uuid4().hex
        self.kind = kind
        self.event = event
        self.expected: Set[str] = set(hosts)
        self.reported: Set[str] = set()
        #: (host_id, value) of each answer, in order of arrival
        self.values: List[Tuple[Optional[str], Any]] = []
        #: calls: the clients that were sent the event, and their answers
        self.sids: Set[str] = set()
        self.answers: Dict[str, Any] = {}
        self._local_done = True
        self._lock = threading.Lock()

    def expect_local(self, sids: Iterable[str]) -> None:
        """A call: this process sent the event to ``sids``."""
        with self._lock:
            self.sids.update(sids)
            self._check()

    def report(self, host_id: str, value: Any = None, has_value: bool = True) -> None:
        """A process answered (a query, a server-side event)."""
        with self._lock:
            self.reported.add(host_id)
            if has_value:
                self.values.append((host_id, value))
            self._check()

    def announce(self, host_id: str, sids: Iterable[str]) -> None:
        """A call: process ``host_id`` sent the event to ``sids``."""
        with self._lock:
            self.reported.add(host_id)
            self.sids.update(sid for sid in sids if isinstance(sid, str))
            self._check()

    def answer(self, sid: str, value: Any) -> None:
        """A call: client ``sid`` answered (the first answer counts)."""
        with self._lock:
            self.sids.add(sid)
            self.answers.setdefault(sid, value)
            self._check()

    @property
    def complete(self) -> bool:
        with self._lock:
            return self._complete()

    def _complete(self) -> bool:
        return self.expected <= self.reported and len(self.answers) >= len(self.sids)

    def _check(self) -> None:
        if self._complete():
            self.event.set()

    def ack_callback(self, sid: str) -> Callable[..., None]:
        """The acknowledgement callback of client ``sid`` for a call."""
        def on_ack(*args: Any) -> None:
            self.answer(sid, ack_value(args))
        return on_ack

    def unanswered(self) -> List[str]:
        """The clients sent the event that did not answer (yet)."""
        with self._lock:
            return [sid for sid in self.sids if sid not in self.answers]

    def missing_hosts(self) -> Set[str]:
        with self._lock:
            return self.expected - self.reported

    def call_results(self) -> CallResults:
        with self._lock:
            return CallResults(self.answers, [s for s in self.sids if s not in self.answers],
                               self.expected - self.reported)

    def list_results(self) -> ClusterList:
        with self._lock:
            return ClusterList([value for _, value in self.values],
                               self.expected - self.reported,
                               [host for host, _ in self.values])


class Requests:
    """The open requests of a manager, by id. Thread safe."""

    def __init__(self) -> None:
        self._open: Dict[str, Request] = {}
        self._lock = threading.Lock()

    def open(self, kind: str, hosts: Iterable[str], event: Any) -> Request:
        request = Request(kind, hosts, event)
        with self._lock:
            self._open[request.id] = request
        return request

    def get(self, request_id: Any) -> Optional[Request]:
        with self._lock:
            return self._open.get(request_id) if isinstance(request_id, str) else None

    def close(self, request: Request) -> None:
        with self._lock:
            self._open.pop(request.id, None)

    def __len__(self) -> int:
        return len(self._open)


# -- the clients of this process a request is about -------------------------------
def local_sids(manager: Any, namespace: str, room: Any = None,
               skip_sid: Any = None) -> List[str]:
    """The connected clients of ``manager`` in ``room`` of ``namespace``
    (everyone for None; a list of rooms counts each client once), without
    ``skip_sid`` (one sid or a list)."""
    if skip_sid is None:
        skip: Any = ()
    else:
        skip = set(skip_sid) if is_room_list(skip_sid) else {skip_sid}
    return [sid for sid, _ in manager.get_participants(namespace, room)
            if sid not in skip and manager.is_connected(sid, namespace)]


def describe(manager: Any, sid: str, namespace: str) -> ClusterSocket:
    """The :class:`ClusterSocket` of a client of this process."""
    server = manager.server
    eio_sid = manager.eio_sid_from_sid(sid, namespace)
    transport = None
    try:
        transport = server.eio.transport(eio_sid)
    except Exception:  # gone meanwhile, or a server without Engine.IO (tests)
        pass
    environ = getattr(server, 'environ', {}).get(eio_sid) or {}
    address = environ.get('REMOTE_ADDR') if isinstance(environ, dict) else None
    if not isinstance(address, str):
        address = None
    return ClusterSocket(sid, namespace, tuple(manager.get_rooms(sid, namespace)),
                         getattr(manager, 'host_id', None),
                         transport if isinstance(transport, str) else None, address)


def room_names(rooms: Any) -> List[Any]:
    """A room or a list of rooms, as a list."""
    return list(rooms) if is_room_list(rooms) else [rooms]


def check_timeout(timeout: Any) -> float:
    """A cluster request's timeout: a positive number of seconds."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ValueError('timeout must be a positive number of seconds')
    return float(timeout)
