"""MessagePack serializer, compatible with ``socket.io-msgpack-parser``."""
from __future__ import annotations

from typing import Any, Callable, List, Optional

from . import packet

try:  # msgpack is optional: only needed when this serializer is used
    import msgpack
except ImportError:  # pragma: no cover
    msgpack = None

_BINARY_TYPES = (packet.BINARY_EVENT, packet.BINARY_ACK)


def _require_msgpack() -> Any:
    if msgpack is None:  # pragma: no cover
        raise RuntimeError('The msgpack package is required by the msgpack '
                           'serializer; install it with "pip install '
                           'msgpack"')
    return msgpack


def _default_ext_hook(code: int, data: bytes) -> Any:
    """JavaScript's ``undefined`` (notepack.io: fixext 1, type 0) is None."""
    if code == 0 and data == b'\x00':
        return None
    return msgpack.ExtType(code, data)


# bytes that may start a msgpack array or map (fixmap, fixarray, array/map 16/32)
_NOT_CONTAINER_BYTES = bytes(c for c in range(256)
                             if not (0x80 <= c <= 0x9f or 0xdc <= c <= 0xdf))


def _too_deep(encoded: Any, data: Any, limit: int) -> bool:
    """Is ``data`` (decoded from ``encoded``) nested deeper than ``limit``?

    Data with at most ``limit`` bytes that could start a container cannot
    be, so only such messages are walked (iteratively, no recursion).
    """
    if not isinstance(data, (list, dict)) or \
            len(bytes(encoded).translate(None, _NOT_CONTAINER_BYTES)) <= limit:
        return False
    level, depth = [data], 1
    while level:  # one nesting level at a time
        if depth > limit:
            return True
        below: List[Any] = []
        for value in level:
            below += [child for child in (value.values() if type(value) is dict else value)
                      if type(child) is list or type(child) is dict]
        level, depth = below, depth + 1
    return False


class MsgPackPacket(packet.Packet):
    """A Socket.IO packet encoded with MessagePack.

    Each packet is one binary message holding a map with ``type``, ``nsp``,
    ``data`` (omitted when there is no payload) and ``id`` (when set).
    Bytes are carried natively, so no BINARY_* packets or attachments.
    """

    uses_binary_events = False
    #: ``default`` callable passed to ``msgpack.dumps`` (see configure()).
    dumps_default: Optional[Callable[[Any], Any]] = None
    #: ``ext_hook`` passed to ``msgpack.loads`` (None: msgpack's default).
    ext_hook: Optional[Callable[[int, bytes], Any]] = None

    @classmethod
    def configure(cls, dumps_default: Optional[Callable[[Any], Any]] = None,
                  ext_hook: Optional[Callable[[int, bytes], Any]] = None
                  ) -> type:
        """Return a subclass using custom msgpack extension handling.

        :param dumps_default: called by msgpack for objects it cannot encode.
        :param ext_hook: called by msgpack to decode extension types
                         (default ``msgpack.ExtType``).
        """
        attrs = {'dumps_default': staticmethod(dumps_default)
                 if dumps_default is not None else None,
                 'ext_hook': staticmethod(ext_hook)
                 if ext_hook is not None else None}
        return type(cls.__name__, (cls,), attrs)

    def encode(self) -> bytes:  # type: ignore[override]
        """Encode the packet as MessagePack bytes."""
        mp = _require_msgpack()
        d = self._to_dict()
        if d['nsp'] is None:
            d['nsp'] = '/'  # the JavaScript parser requires a string
        if d['data'] is None:
            del d['data']  # "no payload" is an absent key in JavaScript
        if self.dumps_default is not None:
            return mp.dumps(d, default=self.dumps_default)
        return mp.dumps(d)

    def decode(self, encoded_packet: Any) -> int:
        """Decode MessagePack bytes into this instance.

        Raises ``ValueError`` for anything that is not a valid packet.
        """
        mp = _require_msgpack()
        if isinstance(encoded_packet, int) and \
                not isinstance(encoded_packet, bool):
            # 5.0.3 quirk kept by the base class
            return super().decode(encoded_packet)
        if isinstance(encoded_packet, str):
            raise ValueError('A msgpack packet must be bytes')
        kwargs = {'ext_hook': self.ext_hook if self.ext_hook is not None
                  else _default_ext_hook}
        try:
            decoded = mp.loads(encoded_packet, **kwargs)
        except Exception as exc:
            raise ValueError(f'Invalid msgpack packet: {exc}') from None
        if not isinstance(decoded, dict):
            raise ValueError('Invalid msgpack packet: not a map')
        ptype = decoded.get('type')
        if type(ptype) is not int or not 0 <= ptype <= 9 or \
                ptype in _BINARY_TYPES:
            raise ValueError('Invalid msgpack packet type')
        namespace = decoded.get('nsp')
        if namespace is not None:
            if not isinstance(namespace, str):
                raise ValueError('Invalid msgpack packet namespace')
            q = namespace.find('?')
            if q >= 0:
                namespace = namespace[:q]
        id = decoded.get('id')
        if id is not None and type(id) is not int:
            raise ValueError('Invalid msgpack packet id')
        data = decoded.get('data')
        if _too_deep(encoded_packet, data, self.max_depth):
            raise ValueError('Packet data is nested too deeply')
        if ptype == packet.EVENT and data is not None and (
                not isinstance(data, list) or not data or
                not isinstance(data[0], str)):
            raise ValueError('Event payload must be a list starting with '
                             'the event name')
        self.packet_type = ptype
        self.namespace = namespace
        self.id = id
        self.data = data
        self.attachment_count = 0
        return 0
