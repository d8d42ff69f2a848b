"""How application values map to event arguments and acknowledgement values.

These rules are shared by every server and client:

* emitting ``data``: a tuple means several arguments, ``None`` means none, and
  anything else (a list included) is one argument;
* a handler's return value becomes the acknowledgement arguments by the same
  rule;
* the arguments of a received acknowledgement become the result of ``call()``:
  none gives ``None``, one gives that value, several give a tuple.
"""
from __future__ import annotations

import itertools
from typing import Any, Callable, Dict, List, Sequence


def to_args(data: Any) -> List[Any]:
    """Return the list of event arguments that ``data`` stands for."""
    if data is None:
        return []
    if type(data) is tuple:
        return list(data)
    return [data]


def ack_value(args: Sequence[Any]) -> Any:
    """Return what ``call()`` gives back for acknowledgement ``args``."""
    if len(args) > 1:
        return tuple(args)
    return args[0] if args else None


def event_name(data: Any) -> str:
    """Return the event name of a received event payload.

    Raises ``ValueError`` unless ``data`` is a list starting with a string
    (a peer may send an event without payload, or a dict).
    """
    if isinstance(data, list) and data and isinstance(data[0], str):
        return data[0]
    raise ValueError('Event payload must be a list starting with the event name')


def ack_args(data: Any) -> List[Any]:
    """Return the arguments of a received acknowledgement payload.

    Raises ``ValueError`` unless ``data`` is a list (or absent).
    """
    if data is None:
        return []
    if isinstance(data, list):
        return data
    raise ValueError('Acknowledgement payload must be a list')


def is_room_list(room: Any) -> bool:
    """Tell whether ``room`` names several rooms (a list, tuple or set)."""
    return not isinstance(room, (str, bytes)) and hasattr(room, '__len__')


def register_callback(callbacks: Dict[Any, Dict[int, Any]], key: Any,
                      callback: Callable[..., Any]) -> int:
    """Store ``callback`` under a new ack id for ``key`` and return the id.

    Ids count from 1 per key; entry 0 of each key's table holds the counter.
    """
    table = callbacks.get(key)
    if table is None:  # setdefault: one table even when threads race here
        table = callbacks.setdefault(key, {0: itertools.count(1)})
    ack_id = next(table[0])
    table[ack_id] = callback
    return ack_id


def forget_callback(callbacks: Dict[Any, Dict[int, Any]], key: Any,
                    callback: Callable[..., Any]) -> None:
    """Remove ``callback`` from the ids registered for ``key`` (a call()
    that was not answered in time)."""
    table = callbacks.get(key)
    if table:
        for ack_id, registered in table.copy().items():  # one C call
            if registered is callback and ack_id != 0:
                del table[ack_id]
