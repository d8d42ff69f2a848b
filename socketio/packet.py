"""Socket.IO protocol (revision 5) packet codec."""
from __future__ import annotations

import json as _json
import os
import threading
from itertools import accumulate
from typing import Any, Callable, List, Optional, Tuple, Union

from engineio import json as _engineio_json

CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR, BINARY_EVENT, BINARY_ACK = \
    range(7)
packet_names = ['CONNECT', 'DISCONNECT', 'EVENT', 'ACK', 'CONNECT_ERROR',
                'BINARY_EVENT', 'BINARY_ACK']

_DIGITS = '0123456789'
_TYPE_OF = {str(digit): digit for digit in range(10)}
_BINARY_TYPES = (bytes, bytearray)
_MAX_ID_DIGITS = 100

#: the characters that may follow the type (and count): namespace or id
_NAMESPACE_OR_ID = '/' + _DIGITS
#: an ack id: up to _MAX_ID_DIGITS ASCII digits


def _not_serializable(obj: Any) -> TypeError:
    return TypeError(
        f'Object of type {obj.__class__.__name__} is not JSON serializable')


def _raise_not_serializable(obj: Any) -> Any:
    raise _not_serializable(obj)


def _make_c_encoder(default: Callable[[Any], Any]) -> Any:
    """Return a reusable C encoder producing the same text as
    ``json.dumps(data, separators=(',', ':'))``, or ``None``.

    It is built once (``json.dumps`` builds one per call) and has no
    circular-reference markers, so it holds no per-call state; circular data
    ends in a ``RecursionError`` that :meth:`Packet.encode` converts.
    """
    try:
        from json import encoder as json_encoder
        c_make_encoder = getattr(json_encoder, 'c_make_encoder', None)
        encode_basestring_ascii = json_encoder.encode_basestring_ascii
        if c_make_encoder is None:  # pragma: no cover
            return None
        encoder = c_make_encoder(None, default, encode_basestring_ascii,
                                 None, ':', ',', False, False, True)
        sample = ['a\u00e9', 1.5, {'b': None, 'c': True}, float('inf')]
        if ''.join(encoder(sample, 0)) != _json.dumps(
                sample, separators=(',', ':')):  # pragma: no cover
            return None
        return encoder
    except Exception:  # pragma: no cover
        return None


_c_plain = _make_c_encoder(_raise_not_serializable)
_plain_encoder = _json.JSONEncoder(separators=(',', ':'))
_decoder = _json.JSONDecoder()
_scan_once = _decoder.scan_once  # type: ignore[attr-defined]

#: Integers with more digits than this are refused by ``engineio.json`` (a
#: guard against the cost of converting huge numbers).
MAX_INT_DIGITS = 100


def _safe_int(text: str) -> int:
    if len(text) > MAX_INT_DIGITS:
        raise ValueError('Integer is too large')
    return int(text)


#: the scanner that decodes like ``engineio.json``
_scan_safe = _json.JSONDecoder(parse_int=_safe_int).scan_once  # type: ignore[attr-defined]
#: JSON modules that encode and decode like the standard library's, with the
#: limit on integer digits of their ``loads`` (0: none): the C paths serve them
_STANDARD_JSON = {_json: 0, _engineio_json: MAX_INT_DIGITS}
_JSONDecodeError = _json.JSONDecodeError
_JSON_WHITESPACE = ' \t\n\r'


def _dumps_plain(data: Any) -> str:
    if _c_plain is None:  # pragma: no cover
        return _plain_encoder.encode(data)
    try:
        return ''.join(_c_plain(data, 0))
    except RecursionError:
        raise ValueError('Circular reference detected or data nested too '
                         'deeply') from None


_collecting = threading.local()  # the attachments list of each thread's encode


#: placeholders for the first attachments, built once: the encoder only
#: reads what the hook returns, so these dicts can be shared
_PLACEHOLDERS = tuple({'_placeholder': True, 'num': num} for num in range(16))


def _collect_binary(obj: Any) -> Any:
    if type(obj) is bytes:  # the usual case, kept as is (bytes are immutable)
        attachments = _collecting.attachments
        attachments.append(obj)
    elif isinstance(obj, _BINARY_TYPES):
        attachments = _collecting.attachments
        attachments.append(bytes(obj))
    else:
        raise _not_serializable(obj)
    num = len(attachments) - 1
    if num < 16:
        return _PLACEHOLDERS[num]
    return {'_placeholder': True, 'num': num}


_c_collecting = _make_c_encoder(_collect_binary)


def _dumps_collecting(data: Any) -> Tuple[str, List[bytes]]:
    """Encode in one pass, replacing each bytes object with a placeholder
    and collecting it (json calls ``default`` depth-first in traversal
    order, so the numbering matches :meth:`Packet.deconstruct_binary`).

    The C encoder is shared; the list it fills is per thread (an encode
    never yields to other code of the same thread).
    """
    attachments: List[bytes] = []
    _collecting.attachments = attachments
    try:
        if _c_collecting is None:  # pragma: no cover
            text = _json.dumps(data, separators=(',', ':'), default=_collect_binary)
        else:
            text = ''.join(_c_collecting(data, 0))
    except RecursionError:
        raise ValueError('Circular reference detected or data nested too '
                         'deeply') from None
    finally:
        _collecting.attachments = None  # do not keep the bytes alive
    return text, attachments


def _has_binary(data: Any) -> bool:
    if isinstance(data, _BINARY_TYPES):
        return True
    if isinstance(data, (list, tuple)):
        for item in data:
            if _has_binary(item):
                return True
    elif isinstance(data, dict):
        for item in data.values():
            if _has_binary(item):
                return True
    return False


# bytes.translate arguments keeping only brackets, '{' -> '[', '}' -> ']'
_BRACKET_TABLE = bytes.maketrans(b'{}', b'[]')
_NON_BRACKETS = bytes(c for c in range(256) if c not in b'[]{}')


_DEPTH_DELTA = {ord('['): 1, ord(']'): -1}


def _brackets_too_deep(brackets: bytes, limit: int) -> bool:
    """``brackets`` holds only '[' and ']': is the nesting deeper than
    ``limit`` (or the brackets unbalanced)?

    Each ``replace`` pass removes the innermost pairs, lowering the height of
    a balanced string by exactly one at C speed; shallow data (the common
    case) is done in a few passes. What is left after those passes is
    measured with a running sum.
    """
    if b'[' * (limit + 1) in brackets:
        return True  # shortcut for the usual deeply nested input
    passes = 0
    while brackets and passes < 8:
        shorter = brackets.replace(b'[]', b'')
        if len(shorter) == len(brackets):
            return True  # unbalanced: not valid JSON anyway
        brackets = shorter
        passes += 1
    if not brackets:
        return passes > limit
    depth = 0
    for depth in accumulate(map(_DEPTH_DELTA.__getitem__, brackets)):
        if depth > limit - passes or depth < 0:
            return True
    return depth != 0


def _find_openers(text: str, start: int, limit: int) -> int:
    """Count '[' and '{' from ``start`` with memchr-based finds (fast when
    there are few), stopping once above ``limit``."""
    found = 0
    for opener in '[{':
        pos = text.find(opener, start)
        while pos >= 0:
            found += 1
            if found > limit:
                return found
            pos = text.find(opener, pos + 1)
    return found


def _json_too_deep(text: str, start: int, limit: int) -> bool:
    """Return True if the JSON in ``text[start:]`` nests deeper than
    ``limit`` (or has unbalanced brackets, so it is invalid anyway).

    Cheap filters first: short texts, or texts with few opening brackets,
    cannot be too deep. Dense texts go straight to the bracket analysis,
    which runs at C speed.
    """
    length = len(text) - start
    if length <= limit:
        return False
    if length <= 1024:
        if text.count('[', start) + text.count('{', start) <= limit:
            return False
    else:
        head = start + 128
        # a few openers in a long text: count them, giving up early (past
        # 32, the bracket analysis below is cheaper than finding them all)
        few = min(limit, 32)
        if text.count('[', start, head) + text.count('{', start, head) \
                <= 6 and _find_openers(text, start, few) <= few:
            return False
    raw = text[start:].encode('utf-8', 'surrogatepass')
    # over-approximation: brackets inside strings are counted too
    if not _brackets_too_deep(raw.translate(_BRACKET_TABLE, _NON_BRACKETS),
                              limit):
        return False
    # precise check: drop the contents of every string literal first
    if b'\\' in raw:
        raw = raw.replace(b'\\\\', b'').replace(b'\\"', b'')
    outside = b''.join(raw.split(b'"')[0::2])
    return _brackets_too_deep(
        outside.translate(_BRACKET_TABLE, _NON_BRACKETS), limit)


def _reconstruct_class(cls: Any, data: Any, attachments: List[Any]) -> Any:
    """Return a copy of ``data`` with placeholders replaced by attachments."""
    try:
        return cls._reconstruct_binary_internal(data, attachments)
    except RecursionError:
        raise ValueError('Packet data is nested too deeply') from None


def _reconstruct(data: Any, attachments: List[Any]) -> Any:
    """Return a copy of ``data`` with placeholders replaced by attachments
    (lists and dicts are copied, other values are shared)."""
    if isinstance(data, list):
        return [item if type(item) in _SCALARS else _reconstruct(item, attachments)
                for item in data]
    if isinstance(data, dict):
        if data.get('_placeholder') is True:
            num = data.get('num')
            if type(num) is not int or not 0 <= num < len(attachments):
                raise ValueError('Invalid binary placeholder')
            return attachments[num]
        return {key: value if type(value) in _SCALARS else _reconstruct(value, attachments)
                for key, value in data.items()}
    return data


def _attachment(placeholder: dict, attachments: List[Any]) -> Any:
    """Return the attachment a placeholder dict refers to."""
    num = placeholder.get('num')
    if type(num) is not int or not 0 <= num < len(attachments):
        raise ValueError('Invalid binary placeholder')
    return attachments[num]


def _py_fill_in(data: Any, attachments: List[Any]) -> Any:
    """Replace the placeholders of freshly decoded ``data`` in place (only
    lists and dicts made by the JSON decoder); return the new top value.
    ``socketio/_speedups.c`` does the same in C when it is built.

    Placeholders are spotted in their container's loop, so a call is made
    per nested list or plain dict only, not per placeholder or scalar.
    """
    if type(data) is dict:
        if data.get('_placeholder') is True:
            return _attachment(data, attachments)
        items: Any = data.items()  # only existing keys get assigned below
    elif type(data) is list:
        items = enumerate(data)
    else:
        return data
    for key, value in items:
        kind = type(value)
        if kind is dict:
            if value.get('_placeholder') is True:
                data[key] = _attachment(value, attachments)
            else:
                _py_fill_in(value, attachments)
        elif kind is list:
            _py_fill_in(value, attachments)
    return data


def _py_parse_header(text: str, max_attachments: int) -> Tuple[
        int, int, Optional[str], Optional[int], int]:
    """Parse the header of a text packet: the type digit, the attachment
    count of a binary packet, the namespace and the ack id.

    Returns ``(type, count, namespace or None, id or None, data_start)``;
    raises ``ValueError`` for a malformed header. ``socketio/_speedups.c``
    does the same in C when it is built.
    """
    n = len(text)
    if n == 0:
        raise ValueError('Empty packet')
    try:
        ptype = _TYPE_OF[text[0]]
    except KeyError:
        raise ValueError('Invalid packet type') from None
    if ptype == BINARY_EVENT or ptype == BINARY_ACK:
        # the usual header has a one-digit attachment count
        count = _TYPE_OF.get(text[1]) if n > 2 and text[2] == '-' else None
        if count is None:
            count, i = _py_parse_count(text, n, max_attachments)
        elif count > max_attachments:
            raise ValueError('Too many attachments')
        else:
            i = 3
        if i == n or text[i] not in _NAMESPACE_OR_ID:
            return ptype, count, None, None, i
    elif n == 1 or text[1] not in _NAMESPACE_OR_ID:
        return ptype, 0, None, None, 1  # the usual header: just the type
    else:
        count = 0
        i = 1
    namespace = None
    c = text[i]
    if c == '/':
        comma = text.find(',', i)
        if comma < 0:
            namespace = text[i:]
            i = n
        else:
            namespace = text[i:comma]
            i = comma + 1
        q = namespace.find('?')
        if q >= 0:
            namespace = namespace[:q]
        if '[' in namespace or '{' in namespace or '"' in namespace:
            raise ValueError('Invalid namespace')
        if i == n:
            return ptype, count, namespace, None, i
        c = text[i]
    if c not in _DIGITS:
        return ptype, count, namespace, None, i
    j = i + 1
    limit = min(n, i + _MAX_ID_DIGITS)
    while j < limit and text[j] in _DIGITS:
        j += 1
    if j < n:
        c = text[j]
        if c in _DIGITS:
            raise ValueError('Packet id is too long')
        if c == '-' and i == 1:
            raise ValueError('Attachment count in a non-binary packet')
    return ptype, count, namespace, int(text[i:j]), j


def _py_parse_count(text: str, n: int, max_attachments: int) -> Tuple[int, int]:
    """Parse the attachment count of a binary packet (digits and a dash
    after the type): return it and the index after the dash, or ``(0, 1)``
    when there is none (what follows the type is then read as usual)."""
    if n > 1 and text[1] in _DIGITS:
        j = 2
        limit = min(n, _MAX_ID_DIGITS + 1)
        while j < limit and text[j] in _DIGITS:
            j += 1
        if j < n and text[j] == '-':
            if j > 10:
                raise ValueError('Too many attachments')
            count = int(text[1:j])
            if count > max_attachments:
                raise ValueError('Too many attachments')
            return count, j + 1
    return 0, 1


def _load_speedups() -> Any:
    """Return the C ``_speedups`` module if it was built and not disabled
    with ``SOCKETIO_NO_SPEEDUPS``, else ``None``."""
    if os.environ.get('SOCKETIO_NO_SPEEDUPS'):
        return None
    try:
        from . import _speedups
    except ImportError:
        return None
    return _speedups


_speedups = _load_speedups()
_c_fill_in: Optional[Callable[[Any, List[Any]], Any]] = \
    getattr(_speedups, 'fill_in', None)
_c_parse_header: Optional[Callable[[str, int], Tuple[Any, ...]]] = \
    getattr(_speedups, 'parse_header', None)
#: whether the C speedups are in use
SPEEDUPS = _c_fill_in is not None
_fill_in = _c_fill_in or _py_fill_in
_parse_header = _c_parse_header or _py_parse_header
#: the whole encode of a text packet without bytes in C (``None`` when not built)
_c_encode_text: Optional[Callable[..., Optional[str]]] = \
    getattr(_speedups, 'encode_text', None) if _c_plain is not None else None
#: the whole decode of a usual text packet in C (``None`` when not built)
_c_decode: Optional[Callable[..., Optional[Tuple[Any, ...]]]] = \
    getattr(_speedups, 'decode', None)


def _py_digit_run(text: str, start: int, limit: int) -> bool:
    """Whether ``text[start:]`` may hold more than ``limit`` digits in a row
    (without the C module: always, so that the checking scanner decides)."""
    return len(text) - start > limit


_digit_run: Callable[[str, int, int], bool] = getattr(_speedups, 'digit_run', None) \
    or _py_digit_run


#: types that never hold a placeholder (skipped without a call)
_SCALARS = frozenset((str, int, float, bool, type(None)))


class Packet:
    """A Socket.IO packet.

    :param packet_type: one of the packet type constants.
    :param data: the JSON-serializable payload (may contain bytes for
                 ``EVENT`` and ``ACK`` packets, which are then sent as
                 ``BINARY_EVENT`` / ``BINARY_ACK``).
    :param namespace: the namespace, ``None`` or ``'/'`` for the default.
    :param id: the ack id, or ``None``.
    :param binary: ``True`` forces a binary packet, ``False`` disables the
                   detection, ``None`` detects bytes in the data.
    :param encoded_packet: a text packet to decode into this instance.
    """

    #: JSON codec used for every encode/decode (process-wide, replaceable):
    #: by default ``engineio.json``, the standard library's with integers of
    #: more than 100 digits refused.
    json: Any = _engineio_json
    #: Whether bytes are carried as attachments of BINARY_* packets.
    uses_binary_events = True
    #: Largest attachment count accepted when decoding.
    max_attachments = 1000
    #: Deepest JSON nesting accepted when decoding.
    max_depth = 128

    def __init__(self, packet_type: int = EVENT, data: Any = None,
                 namespace: Optional[str] = None, id: Optional[int] = None,
                 binary: Optional[bool] = None,
                 encoded_packet: Union[str, bytes, None] = None) -> None:
        self._packet_type = packet_type
        self._binary_pending = False
        self.data = data
        self.namespace = namespace
        self.id = id
        self.attachment_count = 0
        self.attachments: List[Any] = []
        if (data is not None or binary) and self.uses_binary_events:
            if binary:
                self._promote()
            elif binary is None:
                if packet_type == EVENT or packet_type == ACK:
                    if not isinstance(data, (str, int, float)):
                        # resolved on first read of packet_type or encode()
                        self._binary_pending = True
                elif self.data_is_binary(data):
                    self._promote()
        if encoded_packet:
            self.attachment_count = self.decode(encoded_packet)

    @property
    def packet_type(self) -> int:
        """The packet type (bytes in the data promote EVENT/ACK)."""
        if self._binary_pending:
            self._binary_pending = False
            if self.data_is_binary(self.data):
                self._promote()
        return self._packet_type

    @packet_type.setter
    def packet_type(self, value: int) -> None:
        self._binary_pending = False
        self._packet_type = value

    def _promote(self) -> None:
        self._binary_pending = False
        if self._packet_type == EVENT:
            self._packet_type = BINARY_EVENT
        elif self._packet_type == ACK:
            self._packet_type = BINARY_ACK
        else:
            raise ValueError('Packet does not support binary payload.')

    def encode(self) -> Union[str, List[Any]]:
        """Encode the packet for transmission.

        Returns a ``str``, or for binary packets a list with the text header
        followed by the ``bytes`` attachments.
        """
        data = self.data
        if self._binary_pending and _c_encode_text is not None and \
                self.json in _STANDARD_JSON:
            # the usual emit or ack: the whole text in C when there are no bytes
            text = _c_encode_text(self._packet_type, self.namespace, self.id, data,
                                  _c_plain)
            if text is not None:
                self._binary_pending = False
                return text
        attachments: Optional[List[Any]] = None
        payload = None
        if data is not None:
            json_mod = self.json
            if json_mod in _STANDARD_JSON:
                if self._binary_pending:
                    # a single json pass detects bytes, collects and encodes
                    self._binary_pending = False
                    payload, attachments = _dumps_collecting(data)
                    if attachments:
                        self._promote()
                    else:
                        attachments = None
                elif self._packet_type == BINARY_EVENT or \
                        self._packet_type == BINARY_ACK:
                    payload, attachments = _dumps_collecting(data)
                else:
                    payload = _dumps_plain(data)
            else:
                ptype = self.packet_type  # resolves a pending detection
                if ptype == BINARY_EVENT or ptype == BINARY_ACK:
                    data, attachments = self.deconstruct_binary(data)
                payload = json_mod.dumps(data, separators=(',', ':'))
        ptype = self._packet_type
        if attachments is None and (ptype == BINARY_EVENT or
                                    ptype == BINARY_ACK):
            attachments = []
        namespace = self.namespace
        ack_id = self.id
        if namespace is None or namespace == '/':
            if ack_id is None and attachments is None:
                # fast path: plain packet on the default namespace
                return str(ptype) if payload is None else \
                    str(ptype) + payload
            namespace = ''
        else:
            namespace += ','
        # one f-string builds the header: type, attachment count, namespace, id
        encoded = f'{ptype!s}{"" if attachments is None else f"{len(attachments)}-"}' \
            f'{namespace}{"" if ack_id is None else str(ack_id)}' \
            f'{"" if payload is None else payload}'
        if attachments is not None:
            attachments.insert(0, encoded)
            return attachments
        return encoded

    def decode(self, encoded_packet: Any) -> int:
        """Decode a text packet into this instance.

        Returns the number of binary attachments that must follow. Raises
        ``ValueError`` for malformed input.

        """
        ep: Any = encoded_packet
        max_digits = _STANDARD_JSON.get(self.json)
        if type(ep) is str and _c_decode is not None and max_digits is not None:
            decoded = _c_decode(ep, self.max_attachments, self.max_depth, _scan_once,
                                max_digits)
            if decoded is not None:  # the usual case, all done in C
                ptype, count, self.namespace, ack_id, self.data = decoded
                self._packet_type = ptype
                self._binary_pending = False
                if ack_id is not None:
                    self.id = ack_id
                self.attachment_count = count
                return count
        elif type(ep) is not str:
            ep = self._coerce_encoded(ep)
            if ep is None:
                return 0
        ptype, count, namespace, ack_id, i = _parse_header(
            ep, self.max_attachments)
        self._packet_type = ptype
        self._binary_pending = False
        self.namespace = namespace
        if ack_id is not None:
            self.id = ack_id
        n = len(ep)
        if i < n:
            max_depth = self.max_depth
            if n - i > max_depth and _json_too_deep(ep, i, max_depth):
                raise ValueError('Packet data is invalid or nested too deeply')
            if max_digits is not None and ep[i] not in _JSON_WHITESPACE:
                # the usual case: the C scanner, without json.loads' wrapping
                scan = _scan_safe if max_digits and _digit_run(ep, i, max_digits) \
                    else _scan_once
                try:
                    data, end = scan(ep, i)
                except StopIteration as exc:
                    raise _JSONDecodeError('Expecting value', ep,
                                           exc.value) from None
                except RecursionError:
                    raise ValueError('Packet data is nested too deeply') \
                        from None
                if end != n and ep[end:].strip(_JSON_WHITESPACE):
                    raise _JSONDecodeError('Extra data', ep, end)
            else:
                data = self._decode_data(ep, i)
            self.data = data  # any JSON: the receiver checks an event's shape
        else:
            self.data = None
        self.attachment_count = count
        return count

    def _coerce_encoded(self, ep: Any) -> Optional[str]:
        if isinstance(ep, str):
            return str(ep)
        if isinstance(ep, (bytes, bytearray, memoryview)):
            try:
                return bytes(ep).decode('utf-8')
            except UnicodeDecodeError:
                raise ValueError('Packet is not valid UTF-8 text') from None
        if isinstance(ep, int) and not isinstance(ep, bool):
            # 5.0.3 quirk: Packet(encoded_packet=1).packet_type == 1
            self.packet_type = ep
            self.namespace = None
            self.data = None
            self.attachment_count = 0
            return None
        raise ValueError(f'Cannot decode a packet from {type(ep).__name__}')

    def _decode_data(self, ep: str, i: int) -> Any:
        """Decode the JSON payload at index ``i`` with the configured json
        module (or after leading whitespace)."""
        try:
            return self.json.loads(ep[i:])
        except ValueError:
            raise
        except (RecursionError, TypeError) as exc:
            raise ValueError(f'Invalid packet data: {exc}') from None

    def add_attachment(self, attachment: Any) -> bool:
        """Add a received binary attachment.

        Returns ``True`` once all the announced attachments arrived (the data
        is then reconstructed in place), ``False`` before that.
        """
        attachments = self.attachments
        count = self.attachment_count
        if count <= len(attachments):
            raise ValueError('Unexpected binary attachment')
        attachments.append(attachment)
        if count != len(attachments):
            return False
        self.reconstruct_binary(attachments)
        return True

    def reconstruct_binary(self_or_data: Any, *args: Any) -> Any:
        """Put binary attachments in place of their placeholders.

        On a packet (the 5.0.3 form), ``pkt.reconstruct_binary(attachments)``
        does it to the packet's decoded data, in place (``None`` stands for
        ``pkt.attachments``). On the class (the later form),
        ``Packet.reconstruct_binary(data, attachments)`` returns new data and
        leaves ``data`` as it is; so does ``pkt.reconstruct_binary(data,
        attachments)``.
        """
        if not isinstance(self_or_data, Packet):  # Packet.reconstruct_binary(data, att)
            if len(args) != 1:
                raise TypeError('reconstruct_binary() takes (data, attachments)')
            return _reconstruct_class(Packet, self_or_data, args[0])
        if len(args) == 1:
            attachments = args[0]
            if attachments is None:
                attachments = self_or_data.attachments
            try:
                self_or_data.data = _fill_in(self_or_data.data, attachments)
            except RecursionError:
                raise ValueError('Packet data is nested too deeply') from None
            return None
        if len(args) == 2:
            return _reconstruct_class(type(self_or_data), *args)
        raise TypeError('reconstruct_binary() takes (attachments) or (data, attachments)')

    @classmethod
    def data_is_binary(cls, data: Any) -> bool:
        """Return ``True`` if the data contains bytes (or bytearray)."""
        try:
            return _has_binary(data)
        except RecursionError:
            raise ValueError('Packet data is nested too deeply') from None

    @classmethod
    def deconstruct_binary(cls, data: Any) -> Tuple[Any, List[bytes]]:
        """Replace bytes with placeholders.

        Returns ``(data_with_placeholders, attachments)``.
        """
        attachments: List[bytes] = []
        try:
            data = cls._deconstruct_binary_internal(data, attachments)
        except RecursionError:
            raise ValueError('Packet data is nested too deeply') from None
        return data, attachments

    @classmethod
    def _deconstruct_binary_internal(cls, data: Any,
                                     attachments: List[bytes]) -> Any:
        if isinstance(data, _BINARY_TYPES):
            attachments.append(bytes(data))
            return {'_placeholder': True, 'num': len(attachments) - 1}
        if isinstance(data, (list, tuple)):
            return [cls._deconstruct_binary_internal(item, attachments)
                    for item in data]
        if isinstance(data, dict):
            return {key: cls._deconstruct_binary_internal(value, attachments)
                    for key, value in data.items()}
        return data

    @classmethod
    def _reconstruct_binary_internal(cls, data: Any,
                                     attachments: List[Any]) -> Any:
        return _reconstruct(data, attachments)

    # 5.0.3 private names
    _data_is_binary = data_is_binary
    _deconstruct_binary = deconstruct_binary

    def _to_dict(self) -> dict:
        """Return the packet as a dict (used by the msgpack serializer)."""
        d = {
            'type': self.packet_type,
            'data': self.data,
            'nsp': self.namespace,
        }
        if self.id is not None:
            d['id'] = self.id
        return d

    def __repr__(self) -> str:
        ptype = self.packet_type
        name = packet_names[ptype] if isinstance(ptype, int) and \
            0 <= ptype < len(packet_names) else repr(ptype)
        return (f'<{type(self).__name__} {name} namespace='
                f'{self.namespace!r} id={self.id!r} data={self.data!r}>')




def encode_text_event(packet_class: type, data: List[Any],
                      namespace: Optional[str]) -> Optional[str]:
    """The wire text of ``Packet(EVENT, data, namespace).encode()`` built
    in one C call, without a ``Packet`` object; ``None`` when the general
    path must be taken (another packet class, another JSON module, no C
    speedups, bytes in the data or anything else that ``Packet.encode``
    does in Python).

    Broadcasts use it: they encode once, and their data is rarely binary.
    """
    if packet_class is not Packet or _c_encode_text is None or \
            Packet.json not in _STANDARD_JSON:
        return None
    try:
        return _c_encode_text(EVENT, namespace, None, data, _c_plain)
    except TypeError:
        return None  # what JSON refuses: the general path reports it
