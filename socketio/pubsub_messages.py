"""The JSON wire format shared by every message-queue manager.

Pure functions, no I/O. The message dicts are those of python-socketio 5.14+
(``forward.md`` 2.11)::

    {'method': 'emit', 'event', 'data', 'binary', 'namespace', 'room',
     'skip_sid', 'callback': None | (room, namespace, id), 'host_id'}
    {'method': 'callback', 'host_id', 'sid', 'namespace', 'id', 'args'}
    {'method': 'disconnect', 'sid', 'namespace', 'host_id'}
    {'method': 'enter_room' | 'leave_room', 'sid', 'room', 'namespace', 'host_id'}
    {'method': 'close_room', 'room', 'namespace', 'host_id'}

and those of the cluster requests, which processes that do not know them
ignore (python-socketio skips unknown methods; this module raises
:class:`UnknownMethod`, which the listener skips quietly)::

    {'method': 'heartbeat', 'host_id', 'interval', 'hello'}
    {'method': 'request', 'type', 'id', 'host_id', 'namespace', ...}
    {'method': 'response', 'id', 'host_id', 'to', ...}

A ``request`` is answered by ``response`` messages addressed (``to``) to the
``host_id`` that asked; its other fields depend on its ``type`` (see
:data:`REQUEST_TYPES`).

``data`` is the list of event arguments (a tuple is several arguments, any
other value, ``None`` included, one), as python-socketio 5.15.1 and later
write it. When an argument holds bytes, ``binary`` is true and ``data`` is
``[arguments_with_placeholders, base64(attachment0), ...]``. Callback
``args`` follow the same rule, with ``'binary': True`` added only when they
hold bytes. The older forms are read too: without ``binary`` (5.0.3 to
5.14.0) and, from 5.14.3 to 5.15.0, with ``data`` being the value itself
(``[value_with_placeholders, base64...]`` when binary). Messages travel as
JSON text and are never unpickled: a message from the bus can never run
code.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json as _json
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from .packet import Packet

Message = Dict[str, Any]

#: Every ``method`` a manager understands, with the fields it requires.
REQUIRED_FIELDS: Dict[str, Tuple[str, ...]] = {
    'emit': ('event', 'data'),
    'callback': ('host_id', 'sid', 'id', 'args'),
    'disconnect': ('sid',),
    'enter_room': ('sid', 'room'),
    'leave_room': ('sid', 'room'),
    'close_room': ('room',),
    'heartbeat': ('host_id',),
    'request': ('host_id', 'id', 'type'),
    'response': ('host_id', 'to', 'id'),
}

#: The ``type`` of each cluster request, with its own fields (all requests
#: have ``namespace``; those that select clients ``room`` and ``skip_sid``).
REQUEST_TYPES: Dict[str, Tuple[str, ...]] = {
    'fetch_sockets': (),                                   # answer: sockets
    'sockets_join': ('rooms',),                            # no answer
    'sockets_leave': ('rooms',),                           # no answer
    'disconnect_sockets': ('close',),                      # no answer
    'call': ('event', 'data', 'binary', 'timeout'),        # answers: sids, then each
                                                           # client's sid and args
    'server_event': ('event', 'data', 'binary', 'ack'),    # answer: args or handled=False
}


class UnknownMethod(ValueError):
    """A well-formed message of a method this version does not know (a
    newer peer's): skipped without a warning."""


# -- arguments ----------------------------------------------------------------
def pack_args(args: Sequence[Any]) -> Tuple[List[Any], bool]:
    """Return ``(json_ready_list, binary)`` for a list of arguments."""
    if not Packet.data_is_binary(list(args)):
        return list(args), False
    payload, attachments = Packet.deconstruct_binary(list(args))
    return [payload] + [base64.b64encode(a).decode('ascii') for a in attachments], True


def unpack_args(data: Any, binary: Any) -> List[Any]:
    """Inverse of :func:`pack_args`; raises ValueError for malformed input."""
    if not isinstance(data, list):
        raise ValueError('message arguments are not a list')
    if not binary:
        return data
    if not data or not isinstance(data[0], list):
        raise ValueError('malformed binary arguments')
    return _unpack_binary(data)


def _unpack_binary(data: Any) -> Any:
    """``[payload_with_placeholders, base64...]`` -> the payload with its bytes."""
    if not isinstance(data, list) or not data:
        raise ValueError('malformed binary arguments')
    try:
        attachments = [base64.b64decode(a, validate=True) for a in data[1:]]
    except (TypeError, binascii.Error) as exc:
        raise ValueError(f'bad base64 attachment: {exc}') from None
    return Packet._reconstruct_binary_internal(data[0], attachments)


def data_to_args(data: Any) -> List[Any]:
    """The event arguments that ``data`` stands for: a tuple is several, any
    other value (``None`` too) one."""
    return list(data) if type(data) is tuple else [data]


def args_to_data(args: List[Any]) -> Any:
    """Return the ``data`` value that stands for ``args`` (inverse of
    :func:`data_to_args`; no argument at all is ``None`` too)."""
    if len(args) == 1:
        return args[0]
    return tuple(args) if args else None


# -- building -------------------------------------------------------------------
def emit_message(event: str, data: Any, namespace: str, room: Any, skip_sid: Any,
                 callback: Optional[Tuple[Any, str, int]], host_id: str) -> Message:
    """Build an ``emit`` message."""
    args, binary = pack_args(data_to_args(data))
    return {'method': 'emit', 'event': event, 'data': args, 'binary': binary,
            'namespace': namespace, 'room': room, 'skip_sid': skip_sid,
            'callback': callback, 'host_id': host_id}


def callback_message(host_id: str, sid: Any, namespace: str, callback_id: int,
                     args: Tuple[Any, ...]) -> Message:
    """Build a ``callback`` message carrying acknowledgement ``args`` home."""
    packed, binary = pack_args(args)
    message = {'method': 'callback', 'host_id': host_id, 'sid': sid,
               'namespace': namespace, 'id': callback_id,
               'args': tuple(packed) if not binary else packed}
    if binary:
        message['binary'] = True
    return message


def sid_message(method: str, sid: str, namespace: Optional[str], host_id: str,
                **extra: Any) -> Message:
    """Build a ``disconnect``, ``enter_room`` or ``leave_room`` message."""
    message = {'method': method, 'sid': sid}
    message.update(extra)
    message.update(namespace=namespace or '/', host_id=host_id)
    return message


def close_room_message(room: Any, namespace: Optional[str], host_id: str) -> Message:
    """Build a ``close_room`` message."""
    return {'method': 'close_room', 'room': room, 'namespace': namespace or '/',
            'host_id': host_id}


def heartbeat_message(host_id: str, interval: float, hello: bool = False) -> Message:
    """Build a ``heartbeat``: a listening process is alive (``hello``: it
    just started, and asks the others to tell they are there)."""
    return {'method': 'heartbeat', 'host_id': host_id, 'interval': interval,
            'hello': hello}


def request_message(kind: str, host_id: str, request_id: str, namespace: Optional[str],
                    **fields: Any) -> Message:
    """Build a cluster ``request`` of type ``kind``."""
    message = {'method': 'request', 'type': kind, 'id': request_id, 'host_id': host_id,
               'namespace': namespace or '/'}
    message.update(fields)
    return message


def response_message(host_id: str, to: str, request_id: str, **fields: Any) -> Message:
    """Build a ``response`` of ``host_id`` to the request ``request_id`` of ``to``."""
    message = {'method': 'response', 'id': request_id, 'host_id': host_id, 'to': to}
    message.update(fields)
    return message


def event_fields(event: str, args: Sequence[Any]) -> Message:
    """The ``event``, ``data`` and ``binary`` fields of a request that
    carries an event with arguments ``args`` (``data`` is their list, as in
    :func:`emit_message`)."""
    packed, binary = pack_args(args)
    return {'event': event, 'data': packed, 'binary': binary}


def args_fields(args: Sequence[Any]) -> Message:
    """The ``args`` (and ``binary``) fields of a response carrying an
    acknowledgement's arguments."""
    packed, binary = pack_args(args)
    return {'args': packed, 'binary': binary}


def request_args(message: Message) -> List[Any]:
    """The event arguments of a request built with :func:`event_fields`."""
    return unpack_args(message.get('data'), message.get('binary'))


def response_args(message: Message) -> List[Any]:
    """The acknowledgement arguments of a response built with :func:`args_fields`."""
    return unpack_args(message.get('args'), message.get('binary'))


# -- reading ----------------------------------------------------------------------
def emit_data(message: Message) -> Any:
    """Return the ``data`` argument for the local emit of an ``emit`` message.

    Messages without a ``binary`` field (5.0.3 to 5.14.0) carry the value
    as is, and so do those whose data (or binary payload) is not a list
    (5.14.3 to 5.15.0); a list is the list of arguments (5.15.1 and later).
    """
    data = message['data']
    if 'binary' not in message:
        return data
    if message['binary']:
        payload = _unpack_binary(data)
        return args_to_data(payload) if isinstance(data[0], list) else payload
    return args_to_data(data) if isinstance(data, list) else data


def callback_args(message: Message) -> Any:
    """Return the acknowledgement arguments of a ``callback`` message."""
    if message.get('binary'):
        return unpack_args(message['args'], True)
    return message['args']


def encode(message: Message, json: Any) -> str:
    """Serialise a message dict with the given JSON module."""
    return json.dumps(message)


def decode(raw: Any, json: Any) -> Message:
    """Return the message dict in ``raw`` (a dict, or JSON as str or bytes).

    Raises ValueError with a short reason when ``raw`` is not a valid message.
    """
    if isinstance(raw, (bytes, bytearray, memoryview)):
        try:
            raw = bytes(raw).decode('utf-8')
        except UnicodeDecodeError:
            raise ValueError('not UTF-8 text') from None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except Exception:
            raise ValueError('not valid JSON') from None
    if not isinstance(raw, dict):
        raise ValueError('not a JSON object')
    method = raw.get('method')
    required = REQUIRED_FIELDS.get(method) if isinstance(method, str) else None
    if required is None:
        if isinstance(method, str) and method:
            raise UnknownMethod(f'unknown method {method!r}')
        raise ValueError(f'unknown method {method!r}')
    missing = [name for name in required if name not in raw]
    if missing:
        raise ValueError(f'{method} message lacks {", ".join(missing)}')
    namespace = raw.get('namespace')
    if namespace is not None and not isinstance(namespace, str):
        raise ValueError('namespace is not a string')
    if method == 'emit':
        if not isinstance(raw['event'], str):
            raise ValueError('event name is not a string')
        callback = raw.get('callback')
        if callback is not None and (not isinstance(callback, (list, tuple))
                                     or len(callback) != 3):
            raise ValueError('callback is not a (room, namespace, id) triple')
    elif method in ('request', 'response'):
        if not isinstance(raw['id'], str) or not isinstance(raw['host_id'], str):
            raise ValueError(f'{method} id or host_id is not a string')
    return raw


# -- signing ------------------------------------------------------------------------
#: Seconds a signed message stays acceptable (older ones are refused as
#: replays); the same margin is allowed for clocks that are ahead.
SIGNATURE_WINDOW = 30.0


def _key(secret: Union[str, bytes]) -> bytes:
    return secret.encode('utf-8') if isinstance(secret, str) else secret


def _signed_text(message: Message, json: Any = None) -> bytes:
    """The canonical JSON of a message without its signature: what is signed.

    Values only a custom ``json`` module can serialize are first turned into
    what the receivers will decode, so that both ends sign the same text.
    """
    body = {key: value for key, value in message.items() if key != 'sig'}
    try:
        text = _json.dumps(body, sort_keys=True, separators=(',', ':'), ensure_ascii=True)
    except (TypeError, ValueError):
        if json is None or json is _json:
            raise
        body = _json.loads(json.dumps(body))
        text = _json.dumps(body, sort_keys=True, separators=(',', ':'), ensure_ascii=True)
    return text.encode('ascii')


def sign(message: Message, secret: Union[str, bytes], json: Any = None) -> Message:
    """A copy of ``message`` with a timestamp (``ts``, milliseconds since the
    epoch) and an HMAC-SHA256 of both (``sig``). Processes that do not check
    signatures ignore the two."""
    signed = dict(message, ts=int(time.time() * 1000))
    signed['sig'] = hmac.new(_key(secret), _signed_text(signed, json),
                             hashlib.sha256).hexdigest()
    return signed


def check_signature(message: Message, secret: Union[str, bytes],
                    window: float = SIGNATURE_WINDOW) -> Optional[str]:
    """None when ``message`` is signed with ``secret`` and recent, else why not."""
    sig, ts = message.get('sig'), message.get('ts')
    if not isinstance(sig, str) or not isinstance(ts, int) or isinstance(ts, bool):
        return 'unsigned'
    try:
        text = _signed_text(message)
    except (TypeError, ValueError):
        return 'bad signature'
    expected = hmac.new(_key(secret), text, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(sig, expected):
        return 'bad signature'
    if abs(time.time() - ts / 1000) > window:
        return 'too old (a replay?)'
    return None
