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

from typing import Any, List, Sequence


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


def is_room_list(room: Any) -> bool:
    """Tell whether ``room`` names several rooms (a list, tuple or set)."""
    return not isinstance(room, (str, bytes)) and hasattr(room, '__len__')
