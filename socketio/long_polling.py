"""Bursts of packets over HTTP long-polling.

A long-polling client sends what it has to send in one POST body, packets
separated by ``\\x1e``: the official JavaScript client puts every event
emitted since its last request in one body, up to the ``maxPayload`` the
server announced (its ``max_http_buffer_size``). python-engineio decodes at
most ``engineio.payload.Payload.max_decode_packets`` (16) packets per body,
a class attribute, and drops a longer body with an error.

The servers' ``handle_request`` (WSGI for :class:`~socketio.Server`; ASGI,
aiohttp, Sanic and Tornado for :class:`~socketio.AsyncServer`, the last three
in :mod:`socketio.framework_polling`) hands such a body to Engine.IO as
several requests of at most 16 packets each, in order, through Engine.IO's
public ``handle_request``: nothing of Engine.IO is changed, for this server
or any other in the process. A body is accepted up to
``max_http_buffer_size`` bytes (Engine.IO's own check) and
``max_payload_packets`` packets (by default one per 10 bytes of
``max_http_buffer_size``: 100,000 for the default 1 MB); beyond, the request
is refused (400) and logged. Both findings are logged with the client's sid
and the size, rate-limited per client (see :mod:`socketio.message_size`).
"""
from __future__ import annotations

import io
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple
from urllib.parse import unquote_plus

from engineio import payload as eio_payload

from . import message_size

logger = logging.getLogger('socketio.server')

#: bytes of ``max_http_buffer_size`` per packet accepted by default
BYTES_PER_PACKET = 10

SEPARATOR = b'\x1e'


def per_request() -> int:
    """Packets Engine.IO decodes in one request."""
    return max(1, int(eio_payload.Payload.max_decode_packets))


def packet_limit(max_http_buffer_size: Any, configured: Optional[int]) -> int:
    """Packets accepted in one POST body: ``configured``, else one per
    :data:`BYTES_PER_PACKET` bytes of ``max_http_buffer_size`` (never fewer
    than Engine.IO decodes in one request)."""
    if configured is not None:
        return configured
    try:
        size = int(max_http_buffer_size)
    except (TypeError, ValueError):
        size = 0
    return max(per_request(), size // BYTES_PER_PACKET)


def check_packet_limit(value: Any) -> Optional[int]:
    """Validate a ``max_payload_packets`` option (None: the default)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f'Invalid max_payload_packets: {value!r}')
    return value


def split_payload(body: bytes, size: int) -> List[bytes]:
    """Split a POST body into bodies of at most ``size`` packets each."""
    packets = body.split(SEPARATOR)
    return [SEPARATOR.join(packets[i:i + size]) for i in range(0, len(packets), size)]


def polling_sid(method: Any, query_string: Any) -> Optional[str]:
    """The sid of a long-polling POST of a session (not JSONP), else None.

    The query is read as :func:`urllib.parse.parse_qs` reads it (the first
    non-blank value of a name counts), without building its dict.
    """
    if method != 'POST' or not query_string or 'sid=' not in query_string:
        return None
    found: Dict[str, str] = {}
    for pair in query_string.split('&'):
        name, _, value = pair.partition('=')
        if value and name not in found:
            if '%' in value or '+' in value:
                value = unquote_plus(value)
            found[name] = value
    if 'j' in found or found.get('transport', 'polling') != 'polling':
        return None
    return found.get('sid')


def split_body(eio: Any, limit: Optional[int], body: bytes,
           sid: Any) -> Tuple[Optional[List[bytes]], bool]:
    """``(bodies, refused)``: the bodies to hand to Engine.IO in turn (None:
    the body as it is), or refused when it has too many packets."""
    size = per_request()
    count = body.count(SEPARATOR) + 1
    if count <= size:
        return None, False
    allowed = packet_limit(eio.max_http_buffer_size, limit)
    if count > allowed:
        message_size.refusals.log(logger, logging.WARNING, sid, 'too many packets',
                      'Refused a long-polling request of %s with %d packets (more than '
                      'max_payload_packets, %d)', sid, count, allowed, stacklevel=3)
        return None, True
    return split_payload(body, size), False


# -- WSGI (socketio.Server) ------------------------------------------------------
def handle_wsgi(eio: Any, limit: Optional[int], *args: Any, **kwargs: Any) -> Any:
    """``eio.handle_request(environ, start_response)``, a long-polling POST
    of many packets going through it as several requests."""
    sid = None
    if len(args) == 2 and not kwargs and isinstance(args[0], dict):
        sid = polling_sid(args[0].get('REQUEST_METHOD'), args[0].get('QUERY_STRING'))
    if sid is None:
        return eio.handle_request(*args, **kwargs)
    environ, start_response = args
    try:
        length = int(environ.get('CONTENT_LENGTH') or 0)
    except ValueError:
        length = -1
    if length > eio.max_http_buffer_size:
        message_size.body_too_large(eio, sid, length)
    if length <= 0 or length > eio.max_http_buffer_size:
        return eio.handle_request(environ, start_response)  # Engine.IO answers
    body = environ['wsgi.input'].read(length)
    bodies, refused = split_body(eio, limit, body, sid)
    if refused:
        start_response('400 BAD REQUEST', [('Content-Type', 'text/plain')])
        return [b'Too many packets in payload']
    if bodies is None:
        environ['wsgi.input'] = io.BytesIO(body)
        return eio.handle_request(environ, start_response)
    result: Any = None
    response = _Captured()
    for part in bodies:
        response.messages.clear()
        part_environ = dict(environ)
        part_environ['wsgi.input'] = io.BytesIO(part)
        part_environ['CONTENT_LENGTH'] = str(len(part))
        result = eio.handle_request(part_environ, response.start_response)
        if not response.ok():
            break
    if response.messages:
        start_response(*response.messages[0])
    return result


class _Captured:
    """The response of a part of a request, kept instead of being sent."""

    def __init__(self) -> None:
        self.messages: List[Any] = []

    def start_response(self, status: str, headers: Any, exc_info: Any = None) -> None:
        self.messages.append((status, headers))

    async def send(self, message: Dict[str, Any]) -> None:
        self.messages.append(message)

    def ok(self) -> bool:
        if not self.messages:
            return False
        first = self.messages[0]
        if isinstance(first, dict):
            return first.get('status') == 200
        return str(first[0]).startswith('200')


# -- ASGI (socketio.AsyncServer) -------------------------------------------------
def _content_length(headers: Any) -> int:
    for name, value in headers or ():
        if name.lower() == b'content-length':
            try:
                return int(value)
            except ValueError:
                return -1
    return -1


def _receive_once(event: Dict[str, Any],
                  receive: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[Any]]:
    """An ASGI ``receive`` giving ``event`` first, then the real one's."""
    pending = [event]

    async def replay() -> Any:
        if pending:
            return pending.pop()
        return await receive()

    return replay


def _with_length(scope: Dict[str, Any], length: int) -> Dict[str, Any]:
    headers = [(name, value) for name, value in scope.get('headers') or ()
               if name.lower() != b'content-length']
    headers.append((b'content-length', str(length).encode('ascii')))
    return dict(scope, headers=headers)


async def handle_asgi(eio: Any, limit: Optional[int], *args: Any, **kwargs: Any) -> Any:
    """``eio.handle_request(scope, receive, send)``, a long-polling POST of
    many packets going through it as several requests (aiohttp, Sanic and
    Tornado requests go to :mod:`socketio.framework_polling`)."""
    if len(args) == 1 and not kwargs:
        from .framework_polling import HANDLERS  # aiohttp, Sanic, Tornado
        handler = HANDLERS.get(str(getattr(eio, 'async_mode', '')))
        if handler is not None:
            return await handler(eio, limit, args[0])
    if len(args) != 3 or kwargs or not isinstance(args[0], dict):
        return await eio.handle_request(*args, **kwargs)
    scope, receive, send = args
    if scope.get('type') == 'websocket':
        return await eio.handle_request(scope, *message_size.watch_websocket(
            eio, scope, receive, send))
    sid = None
    if scope.get('type') == 'http':
        sid = polling_sid(scope.get('method'),
                          (scope.get('query_string') or b'').decode('latin-1'))
    if sid is None:
        return await eio.handle_request(scope, receive, send)
    length = _content_length(scope.get('headers'))
    if length > eio.max_http_buffer_size:
        message_size.body_too_large(eio, sid, length)
    if length <= 0 or length > eio.max_http_buffer_size:
        return await eio.handle_request(scope, receive, send)  # Engine.IO answers
    body = b''
    while True:
        event = await receive()
        if event.get('type') != 'http.request':
            return None  # the client went away
        body += event.get('body') or b''
        if not event.get('more_body') or len(body) > length:
            break
    bodies, refused = split_body(eio, limit, body, sid)
    if refused:
        await send({'type': 'http.response.start', 'status': 400,
                    'headers': [(b'content-type', b'text/plain')]})
        await send({'type': 'http.response.body', 'body': b'Too many packets in payload'})
        return None
    if bodies is None:
        event = {'type': 'http.request', 'body': body, 'more_body': False}
        return await eio.handle_request(scope, _receive_once(event, receive), send)
    for number, part in enumerate(bodies, start=1):
        event = {'type': 'http.request', 'body': part, 'more_body': False}
        part_scope = _with_length(scope, len(part))
        if number == len(bodies):
            return await eio.handle_request(part_scope, _receive_once(event, receive), send)
        response = _Captured()
        await eio.handle_request(part_scope, _receive_once(event, receive), response.send)
        if not response.ok():
            for message in response.messages:  # Engine.IO refused a part: say so
                await send(message)
            return None
    return None
