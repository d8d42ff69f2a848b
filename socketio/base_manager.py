"""Bookkeeping of connected clients, rooms and acknowledgement callbacks.

:class:`BaseManager` keeps the state and does everything that needs no I/O;
the operations that send packets or run callbacks are those of
:class:`~socketio.AsyncManager` (``async_manager.py``) and
:class:`~socketio.Manager` (``manager.py``, generated from it). The
message-queue managers extend those to coordinate several processes.

Data model: ``rooms[namespace][room]`` maps each Socket.IO sid in the room to
its Engine.IO sid. The room ``None`` of a namespace holds every connected
client (a :class:`ClientMap`, so that Engine.IO sids map back to sids) and
every client also sits in a room named after its own sid. Rooms are
:class:`Room` dicts, which keep the list of their Engine.IO sids for
broadcasts.
"""
from __future__ import annotations

import json
import logging
import threading
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Tuple

from engineio import packet as eio_packet

from . import packet
from .acks import PendingCallbacks
from .log_limits import RepeatedLog
from .payload import is_room_list, to_args

default_logger = logging.getLogger('socketio')


class Room(dict):
    """``sid -> eio_sid`` of the members of a room, with the list of their
    Engine.IO sids kept until the next change: repeated broadcasts to the
    room copy nothing. Every change goes through the methods below, which
    count the changes (``_version``): a list made while the room changed is
    never taken for the current one, so readers need no lock."""

    __slots__ = ('_version', '_cached')

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self._version = 0
        self._cached: Optional[Tuple[int, List[str]]] = None
        self.update(*args, **kwargs)

    def eio_sids(self) -> List[str]:
        """The Engine.IO sids, as a list kept until the next change (do not
        modify it)."""
        cached = self._cached
        if cached is not None and cached[0] == self._version:
            return cached[1]
        version = self._version
        eio_sids = list(self.values())  # one C call: a consistent snapshot
        self._cached = (version, eio_sids)
        return eio_sids

    def __setitem__(self, sid: str, eio_sid: str) -> None:
        dict.__setitem__(self, sid, eio_sid)
        self._version += 1

    def __delitem__(self, sid: str) -> None:
        dict.__delitem__(self, sid)
        self._version += 1

    def __ior__(self, other: Any) -> Room:  # type: ignore[misc]
        self.update(other)
        return self

    def pop(self, sid: Any, *default: Any) -> Any:
        if sid not in self:
            return dict.pop(self, sid, *default)
        eio_sid = self[sid]
        del self[sid]
        return eio_sid

    def popitem(self) -> Tuple[str, str]:
        sid, eio_sid = dict.popitem(self)
        self._version += 1
        return sid, eio_sid

    def clear(self) -> None:
        dict.clear(self)
        self._version += 1

    def update(self, *args: Any, **kwargs: Any) -> None:
        for sid, eio_sid in dict(*args, **kwargs).items():
            self[sid] = eio_sid

    def setdefault(self, sid: str, eio_sid: Any = None) -> Any:
        if sid not in self:
            self[sid] = eio_sid
        return self[sid]

    def copy(self) -> Room:
        return type(self)(self)


class ClientMap(Room):
    """The room of everyone in a namespace: also keeps the inverse mapping
    (``inverse``, ``eio_sid -> sid``) in step.

    A plain dict underneath, so that a broadcast copies its recipients at C
    speed (it replaced a ``bidict``, whose iteration is Python code).
    """

    __slots__ = ('inverse',)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.inverse: Dict[str, str] = {}
        super().__init__(*args, **kwargs)

    def __setitem__(self, sid: str, eio_sid: str) -> None:
        old = self.get(sid)
        if old is not None:
            self.inverse.pop(old, None)
        Room.__setitem__(self, sid, eio_sid)
        self.inverse[eio_sid] = sid

    def __delitem__(self, sid: str) -> None:
        eio_sid = self[sid]
        Room.__delitem__(self, sid)
        self.inverse.pop(eio_sid, None)

    def popitem(self) -> Tuple[str, str]:
        sid, eio_sid = Room.popitem(self)
        self.inverse.pop(eio_sid, None)
        return sid, eio_sid

    def clear(self) -> None:
        Room.clear(self)
        self.inverse.clear()


#: what an emit to a client whose connect handler runs leaves for later:
#: the name of the server method to call and its arguments
Deferred = Tuple[str, Tuple[Any, ...]]


class BaseManager:
    """In-memory registry of clients, rooms and pending acknowledgements.

    Safe under threads: changes are made under one lock (reentrant: the
    ``basic_*`` methods call each other, and may be wrapped); queries and
    broadcasts take no lock and read snapshots (``list(...)`` of a dict is
    one C call), so that other threads may change the rooms meanwhile.
    """

    #: the connection state recovery of the server (``socketio.recovery``),
    #: when it is on: emits without a callback then carry an offset
    _recovery: Any = None

    def __init__(self) -> None:
        self.logger: Optional[logging.Logger] = None
        self.server: Any = None
        self.rooms: Dict[str, Dict[Any, Any]] = {}  # values: Room, ClientMap for None
        self.eio_to_sid: Dict[str, str] = {}
        self.callbacks: Dict[str, Dict[int, Any]] = {}
        #: the bound and the timeouts of ``callbacks`` (see :mod:`socketio.acks`)
        self._acks = PendingCallbacks(self)
        self.pending_disconnect: Dict[str, List[str]] = {}
        #: clients whose connect handler runs: ``{namespace: {sid: [deferred emits]}}``
        self.pending_connect: Dict[str, Dict[str, List[Deferred]]] = {}
        self.json: Any = json
        self._lock = threading.RLock()
        #: what clients sent wrong, logged once in a while per client
        self._client_log = RepeatedLog()

    # -- wiring -----------------------------------------------------------
    def set_server(self, server: Any) -> None:
        """Attach the manager to the server it works for."""
        self.server = server
        packet_class = getattr(server, 'packet_class', None)
        self.json = getattr(packet_class, 'json', None) or json

    def initialize(self) -> None:
        """Hook run once, before the first client connects."""

    def _get_logger(self) -> logging.Logger:
        if self.logger:
            return self.logger
        if self.server is not None:
            return self.server.logger
        return default_logger

    # -- queries ----------------------------------------------------------
    def get_namespaces(self) -> Any:
        """Return the namespaces that have connected clients."""
        return self.rooms.keys()

    def get_participants(self, namespace: str, room: Any) -> Iterator[Tuple[str, str]]:
        """Yield ``(sid, eio_sid)`` for every client in ``room``.

        ``room`` may be a list of rooms (each client is yielded once) and
        ``None`` stands for everyone in the namespace. A snapshot is iterated,
        so the rooms may change meanwhile: ``dict.copy`` (one C call that runs
        no Python code, so no other thread runs during it), not
        ``list(d.items())``, whose tuples can start the garbage collector and
        a finalizer, and another thread, in the middle of the iteration.
        """
        ns_rooms = self.rooms.get(namespace)
        if not ns_rooms:
            return
        if not is_room_list(room):
            members = ns_rooms.get(room)
            if members:
                yield from dict.copy(members).items()
            return
        seen = set()
        for name in room:
            for sid, eio_sid in dict.copy(ns_rooms.get(name, {})).items():
                if sid not in seen:
                    seen.add(sid)
                    yield sid, eio_sid

    def is_connected(self, sid: Optional[str], namespace: str) -> bool:
        """Tell whether ``sid`` is connected to ``namespace``: not leaving,
        and not waiting for its connect handler (see :meth:`pre_connect`)."""
        if sid in self.pending_disconnect.get(namespace, ()) or \
                sid in self.pending_connect.get(namespace, ()):
            return False
        everyone = self.rooms.get(namespace, {}).get(None)
        return everyone is not None and sid in everyone

    def is_pre_connected(self, sid: Optional[str], namespace: str) -> bool:
        """Tell whether ``sid`` was admitted to ``namespace`` and its connect
        handler has not accepted it yet."""
        try:
            return sid in self.pending_connect.get(namespace, ())
        except TypeError:  # not hashable (a list of rooms): not a sid
            return False

    def sid_from_eio_sid(self, eio_sid: str, namespace: str) -> Optional[str]:
        """Return the sid of an Engine.IO session in ``namespace``, or None."""
        everyone = self.rooms.get(namespace, {}).get(None)
        return None if everyone is None else everyone.inverse.get(eio_sid)

    def eio_sid_from_sid(self, sid: str, namespace: str) -> Optional[str]:
        """Return the Engine.IO sid of ``sid`` in ``namespace``, or None."""
        everyone = self.rooms.get(namespace, {}).get(None)
        return None if everyone is None else everyone.get(sid)

    def get_rooms(self, sid: str, namespace: str) -> List[Any]:
        """Return the rooms ``sid`` is in, its own room included."""
        return [name for name, members in dict.copy(self.rooms.get(namespace, {})).items()
                if name is not None and sid in members]

    def is_sid_room(self, namespace: str, room: Any) -> bool:
        """Tell whether ``room`` is the room of a client of ``namespace``
        (named after its sid): nobody else may enter or close it."""
        if room is None or is_room_list(room):
            return False
        everyone = self.rooms.get(namespace, {}).get(None)
        try:
            return everyone is not None and room in everyone
        except TypeError:  # not hashable: not a sid
            return False

    # -- connections --------------------------------------------------------
    def pre_connect(self, eio_sid: str, namespace: str, sid: Optional[str] = None) -> Any:
        """Admit an Engine.IO session to ``namespace`` while its connect
        handler runs, and return its new sid (None when this session is in
        the namespace already). ``sid`` is the sid of a recovered session.

        The client is in the namespace and in its own room, so the handler
        may put it in rooms and emit to it, but it is not connected yet: it
        receives no broadcast and no room emit, and what is emitted to its
        own sid is sent once :meth:`~socketio.Manager.connect` accepts it.
        """
        with self._lock:
            if self.sid_from_eio_sid(eio_sid, namespace) is not None:
                return None
            if sid is None:
                sid = self.server.eio.generate_id()
            self.pending_connect.setdefault(namespace, {})[sid] = []
            self.basic_enter_room(sid, namespace, None, eio_sid=eio_sid)
            self.basic_enter_room(sid, namespace, sid, eio_sid=eio_sid)
            return sid

    def _accept(self, sid: str, namespace: str) -> Optional[List[Deferred]]:
        """Mark a pre-connected client as connected and return what was
        emitted to it meanwhile, to be sent now; None (and the client is
        forgotten) when it went away while its connect handler ran."""
        with self._lock:
            if sid in self.pending_disconnect.get(namespace, ()):
                self.basic_disconnect(sid, namespace)
                return None
            return self._pop_pending_connect(sid, namespace)

    def _pop_pending_connect(self, sid: str, namespace: str) -> List[Deferred]:
        with self._lock:
            pending = self.pending_connect.get(namespace)
            deferred = pending.pop(sid, []) if pending else []
            if pending is not None and not pending:
                del self.pending_connect[namespace]
            return deferred

    def _leave_pre_connected(self, sid: Optional[str], namespace: str) -> bool:
        """A pre-connected client went away: mark it as leaving, for
        ``connect()`` to forget it once its connect handler returns. False
        (and nothing done) when ``sid`` is not pre-connected (any more)."""
        if sid is None or not self.is_pre_connected(sid, namespace):
            return False  # without the lock: a client never becomes pre-connected again
        with self._lock:
            if not self.is_pre_connected(sid, namespace):
                return False
            self.pending_disconnect.setdefault(namespace, []).append(sid)
            return True

    def _defer(self, namespace: str, sid: str, deferred: List[Deferred]) -> bool:
        """Keep ``deferred`` sends for a client whose connect handler runs;
        False when it is not (or no longer) such a client."""
        with self._lock:
            queue = self.pending_connect.get(namespace, {}).get(sid)
            if queue is None:
                return False
            queue.extend(deferred)
            return True

    def pre_disconnect(self, sid: str, namespace: str) -> Optional[str]:
        """Mark ``sid`` as leaving and return its Engine.IO sid.

        While leaving the client counts as disconnected, but its rooms stay
        readable for the disconnect handler.
        """
        with self._lock:
            self.pending_disconnect.setdefault(namespace, []).append(sid)
        return self.eio_sid_from_sid(sid, namespace)

    def _claim_disconnect(self, sid: Optional[str], namespace: str) -> Optional[str]:
        """:meth:`pre_disconnect` a connected client and return its Engine.IO
        sid; None (and nothing done) when it is not connected, or no longer.

        The check and the mark are one step: when several threads see a
        client go at once (its DISCONNECT packet and the end of its
        connection, or a server-side disconnect), one of them runs its
        disconnect handler.
        """
        if sid is None or not self.is_connected(sid, namespace):
            return None  # a "no" needs no lock: the answer the lock would give
        with self._lock:
            if not self.is_connected(sid, namespace):
                return None
            return self.pre_disconnect(sid, namespace=namespace)

    def basic_disconnect(self, sid: str, namespace: str, **kwargs: Any) -> None:
        """Forget ``sid`` in ``namespace``: rooms, callbacks, pending state."""
        with self._lock:
            ns_rooms = self.rooms.get(namespace)
            if ns_rooms is not None:
                for name in [name for name, members in list(ns_rooms.items())
                             if sid in members]:
                    self.basic_leave_room(sid, namespace, name)
            self.callbacks.pop(sid, None)
            self._acks.forget(sid)
            self._client_log.forget(self._get_logger(), sid)
            if self._recovery is not None:
                self._recovery.forget(namespace, sid)
            pending = self.pending_disconnect.get(namespace)
            if pending and sid in pending:
                pending.remove(sid)
                if not pending:
                    del self.pending_disconnect[namespace]
            self._pop_pending_connect(sid, namespace)  # deferred emits are dropped

    # -- rooms ----------------------------------------------------------------
    def basic_enter_room(self, sid: str, namespace: str, room: Any,
                         eio_sid: Optional[str] = None) -> None:
        """Add ``sid`` to ``room``; entering twice is harmless."""
        with self._lock:
            if eio_sid is None:
                eio_sid = self.eio_sid_from_sid(sid, namespace)
                if eio_sid is None:
                    raise ValueError('sid is not connected to requested namespace')
            ns_rooms = self.rooms.setdefault(namespace, {})
            members = ns_rooms.get(room)
            if members is None:
                members = ns_rooms[room] = ClientMap() if room is None else Room()
            members[sid] = eio_sid

    def basic_leave_room(self, sid: str, namespace: str, room: Any) -> None:
        """Remove ``sid`` from ``room``; unknown names are ignored."""
        with self._lock:
            ns_rooms = self.rooms.get(namespace)
            if ns_rooms is None:
                return
            members = ns_rooms.get(room)
            if members is None or sid not in members:
                return
            del members[sid]
            if not members:
                del ns_rooms[room]
                if not ns_rooms:
                    del self.rooms[namespace]

    def basic_close_room(self, room: Any, namespace: str) -> None:
        """Remove every client from ``room``."""
        with self._lock:
            for sid, _ in self.get_participants(namespace, room):
                self.basic_leave_room(sid, namespace, room)

    def _check_room_change(self, sid: str, namespace: str, room: Any) -> None:
        """Refuse to put a client in another client's own room."""
        if room != sid and self.is_sid_room(namespace, room):
            raise ValueError('cannot enter a sid room')

    # -- emitting ---------------------------------------------------------------
    def _recipient_eio_sids(self, namespace: str, room: Any, skip_sid: Any) -> List[str]:
        """The Engine.IO sids an emit without a callback goes to: the members
        of ``room`` (or of each room of a list, once), ``skip_sid`` (one sid
        or a list) left out. The rooms may change meanwhile.

        Clients whose connect handler runs receive nothing yet: they are
        looked up *after* the members, so that one admitted between the two
        reads is left out too."""
        ns_rooms = self.rooms.get(namespace)
        if not ns_rooms:
            return []
        recipients: Iterable[Tuple[str, str]]
        if is_room_list(room):
            recipients = list(self.get_participants(namespace, room))
        else:
            members = ns_rooms.get(room)
            if not members:
                return []
            if skip_sid is None:
                eio_sids = members.eio_sids()
                if not self.pending_connect.get(namespace):
                    return eio_sids
            recipients = dict.copy(members).items()
        if skip_sid is None:
            skip: Any = set()
        else:
            skip = set(skip_sid if isinstance(skip_sid, list) else (skip_sid,))
        pending = self.pending_connect.get(namespace)
        if pending:
            skip.update(list(pending))
        return [eio_sid for sid, eio_sid in recipients if sid not in skip]

    def _defer_emit(self, event: str, data: Any, namespace: str, sid: str,
                    callback: Optional[Callable[..., Any]]) -> None:
        """Keep an emit to a pre-connected client until it is accepted."""
        eio_sid = self.eio_sid_from_sid(sid, namespace)
        if callback is not None:
            ack_id = self._register_ack(sid, namespace, callback)
            if ack_id is None:
                return
            deferred: List[Deferred] = [('_emit_internal', (
                eio_sid, event, data, namespace, ack_id))]
        else:
            deferred = [('_send_eio_packet', (eio_sid, eio_pkt))
                        for eio_pkt in self._encode(event, data, namespace)]
        self._defer(namespace, sid, deferred)

    def _encode(self, event: str, data: Any, namespace: str) -> List[eio_packet.Packet]:
        """Encode an event once into the Engine.IO packets that carry it."""
        packet_class = getattr(self.server, 'packet_class', packet.Packet)
        args = [event] + to_args(data)
        text = packet.encode_text_event(packet_class, args, namespace)
        if text is not None:  # the usual case, without a Packet object
            return [eio_packet.Packet(eio_packet.MESSAGE, data=text)]
        encoded = packet_class(packet.EVENT, namespace=namespace, data=args).encode()
        if isinstance(encoded, list):
            return [eio_packet.Packet(eio_packet.MESSAGE, data=part) for part in encoded]
        return [eio_packet.Packet(eio_packet.MESSAGE, data=encoded)]

    # -- acknowledgements ------------------------------------------------------
    def _generate_ack_id(self, sid: str, callback: Callable[..., Any]) -> int:
        """Register ``callback`` for ``sid`` and return its new ack id; the
        oldest of the sid's callbacks is dropped when it has too many (see
        :class:`~socketio.acks.PendingCallbacks`)."""
        return self._acks.register(sid, callback)

    def _register_ack(self, sid: str, namespace: str,
                      callback: Callable[..., Any]) -> Optional[int]:
        """Register ``callback`` for ``sid`` (see :meth:`_generate_ack_id`)
        unless the client has left ``namespace`` meanwhile; None then. Done
        under the lock that :meth:`basic_disconnect` forgets callbacks under,
        so no table is left behind for a client that is gone."""
        with self._lock:
            if self.eio_sid_from_sid(sid, namespace) is None:
                return None
            return self._generate_ack_id(sid, callback)

    def _pop_callback(self, sid: str, ack_id: int) -> Optional[Callable[..., Any]]:
        try:
            callback = self.callbacks[sid].pop(ack_id) if ack_id != 0 else None
        except KeyError:
            return None
        self._acks.answered(sid, ack_id)
        return callback

    def _timers(self) -> Any:
        """The scheduler of acknowledgement timeouts: the server's."""
        return self.server._timers()

    # -- 5.0.3: BaseManager was the in-memory manager itself ------------------
    # Its operations are now those of socketio.Manager; these keep code that
    # uses or subclasses BaseManager directly (as 5.0.3 code may) working.
    # AsyncManager and Manager define their own.
    def connect(self, sid: str, namespace: str) -> Any:
        """Connect a client (see :meth:`Manager.connect <socketio.Manager.connect>`)."""
        return _manager().connect(self, sid, namespace)

    def can_disconnect(self, sid: str, namespace: str) -> Any:
        """Tell whether this process can disconnect ``sid`` itself."""
        return _manager().can_disconnect(self, sid, namespace)

    def emit(self, event: str, data: Any, namespace: str, room: Any = None,
             skip_sid: Any = None, callback: Optional[Callable[..., Any]] = None,
             to: Any = None, **kwargs: Any) -> Any:
        """Send an event to the clients of a room (see :meth:`Manager.emit`)."""
        return _manager().emit(self, event, data, namespace, room=room, skip_sid=skip_sid,
                               callback=callback, to=to, **kwargs)

    def disconnect(self, sid: str, namespace: str, **kwargs: Any) -> Any:
        """Remove a client from ``namespace``."""
        return _manager().disconnect(self, sid, namespace, **kwargs)

    def enter_room(self, sid: str, namespace: str, room: Any,
                   eio_sid: Optional[str] = None) -> Any:
        """Add a client to a room."""
        return _manager().enter_room(self, sid, namespace, room, eio_sid=eio_sid)

    def leave_room(self, sid: str, namespace: str, room: Any) -> Any:
        """Remove a client from a room."""
        return _manager().leave_room(self, sid, namespace, room)

    def close_room(self, room: Any, namespace: str) -> Any:
        """Remove every client from a room."""
        return _manager().close_room(self, room, namespace)

    def trigger_callback(self, sid: str, id: int, data: Any) -> Any:
        """Run the callback registered for ``(sid, id)`` with the ack data."""
        return _manager().trigger_callback(self, sid, id, data)


def _manager() -> Any:
    from .manager import Manager
    return Manager
