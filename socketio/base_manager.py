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
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

from engineio import packet as eio_packet

from . import packet
from .payload import is_room_list, register_callback, to_args

default_logger = logging.getLogger('socketio')


class Room(dict):
    """``sid -> eio_sid`` of the members of a room, with the list of their
    Engine.IO sids kept until the next change: repeated broadcasts to the
    room copy nothing. Every change goes through the methods below."""

    __slots__ = ('_eio_sids',)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self._eio_sids: Optional[List[str]] = None
        self.update(*args, **kwargs)

    def eio_sids(self) -> List[str]:
        """The Engine.IO sids, as a list kept until the next change (do not
        modify it)."""
        eio_sids = self._eio_sids
        if eio_sids is None:
            eio_sids = self._eio_sids = list(self.values())
        return eio_sids

    def __setitem__(self, sid: str, eio_sid: str) -> None:
        dict.__setitem__(self, sid, eio_sid)
        self._eio_sids = None

    def __delitem__(self, sid: str) -> None:
        dict.__delitem__(self, sid)
        self._eio_sids = None

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
        self._eio_sids = None
        return sid, eio_sid

    def clear(self) -> None:
        dict.clear(self)
        self._eio_sids = None

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


class BaseManager:
    """In-memory registry of clients, rooms and pending acknowledgements."""

    def __init__(self) -> None:
        self.logger: Optional[logging.Logger] = None
        self.server: Any = None
        self.rooms: Dict[str, Dict[Any, Any]] = {}  # values: Room, ClientMap for None
        self.eio_to_sid: Dict[str, str] = {}
        self.callbacks: Dict[str, Dict[int, Any]] = {}
        self.pending_disconnect: Dict[str, List[str]] = {}
        self.json: Any = json

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
        so the rooms may change meanwhile.
        """
        ns_rooms = self.rooms.get(namespace)
        if not ns_rooms:
            return
        if not is_room_list(room):
            members = ns_rooms.get(room)
            if members:
                yield from list(members.items())
            return
        seen = set()
        for name in room:
            for sid, eio_sid in list(ns_rooms.get(name, {}).items()):
                if sid not in seen:
                    seen.add(sid)
                    yield sid, eio_sid

    def is_connected(self, sid: Optional[str], namespace: str) -> bool:
        """Tell whether ``sid`` is connected to ``namespace`` and not leaving."""
        if sid in self.pending_disconnect.get(namespace, ()):
            return False
        everyone = self.rooms.get(namespace, {}).get(None)
        return everyone is not None and sid in everyone

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
        return [name for name, members in self.rooms.get(namespace, {}).items()
                if name is not None and sid in members]

    # -- connections --------------------------------------------------------
    def connect(self, eio_sid: str, namespace: str) -> Optional[str]:
        """Register a client in ``namespace`` and return its new sid.

        Returns None when this Engine.IO session is already connected there.
        """
        if self.sid_from_eio_sid(eio_sid, namespace) is not None:
            return None
        sid = self.server.eio.generate_id()
        self.basic_enter_room(sid, namespace, None, eio_sid=eio_sid)
        self.basic_enter_room(sid, namespace, sid, eio_sid=eio_sid)
        return sid

    def pre_disconnect(self, sid: str, namespace: str) -> Optional[str]:
        """Mark ``sid`` as leaving and return its Engine.IO sid.

        While leaving the client counts as disconnected, but its rooms stay
        readable for the disconnect handler.
        """
        self.pending_disconnect.setdefault(namespace, []).append(sid)
        return self.eio_sid_from_sid(sid, namespace)

    def basic_disconnect(self, sid: str, namespace: str, **kwargs: Any) -> None:
        """Forget ``sid`` in ``namespace``: rooms, callbacks, pending state."""
        ns_rooms = self.rooms.get(namespace)
        if ns_rooms is None:
            return
        for name in [name for name, members in ns_rooms.items() if sid in members]:
            self.basic_leave_room(sid, namespace, name)
        self.callbacks.pop(sid, None)
        pending = self.pending_disconnect.get(namespace)
        if pending and sid in pending:
            pending.remove(sid)
            if not pending:
                del self.pending_disconnect[namespace]

    # -- rooms ----------------------------------------------------------------
    def basic_enter_room(self, sid: str, namespace: str, room: Any,
                         eio_sid: Optional[str] = None) -> None:
        """Add ``sid`` to ``room``; entering twice is harmless."""
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
        for sid, _ in self.get_participants(namespace, room):
            self.basic_leave_room(sid, namespace, room)

    # -- emitting ---------------------------------------------------------------
    def _recipient_eio_sids(self, namespace: str, room: Any, skip_sid: Any) -> List[str]:
        """The Engine.IO sids an emit without a callback goes to: the members
        of ``room`` (or of each room of a list, once), ``skip_sid`` (one sid
        or a list) left out. The rooms may change meanwhile."""
        ns_rooms = self.rooms.get(namespace)
        if not ns_rooms:
            return []
        if skip_sid is None:
            skip: Any = ()
        else:
            skip = skip_sid if isinstance(skip_sid, list) else (skip_sid,)
        if is_room_list(room):
            return [eio_sid for sid, eio_sid in self.get_participants(namespace, room)
                    if sid not in skip]
        members = ns_rooms.get(room)
        if not members:
            return []
        if not skip:
            return members.eio_sids()
        return [eio_sid for sid, eio_sid in list(members.items()) if sid not in skip]

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
        """Register ``callback`` for ``sid`` and return its new ack id."""
        return register_callback(self.callbacks, sid, callback)

    def _pop_callback(self, sid: str, ack_id: int) -> Optional[Callable[..., Any]]:
        try:
            return self.callbacks[sid].pop(ack_id) if ack_id != 0 else None
        except KeyError:
            return None

    # -- 5.0.3: BaseManager was the in-memory manager itself ------------------
    # Its operations are now those of socketio.Manager; these keep code that
    # uses or subclasses BaseManager directly (as 5.0.3 code may) working.
    # AsyncManager and Manager define their own.
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
