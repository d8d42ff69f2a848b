"""Messages larger than ``max_http_buffer_size``: Engine.IO refuses them and
closes the session without a word in the server's log; these functions say
which session sent how much, once in a while per session (see
:mod:`socketio.log_limits`).

A long-polling body is seen by :mod:`socketio.long_polling` before Engine.IO
reads it. A WebSocket message is seen on the ASGI integration only, where
the server's ``handle_request`` gets the ASGI ``receive`` and ``send``
callables: :func:`watch_websocket` wraps them. The WSGI integrations hand
the socket itself to Engine.IO's WebSocket driver, so there the size of a
message is not visible (the disconnect handler gets ``transport close``).
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qs

from .log_limits import RepeatedLog

logger = logging.getLogger('socketio.server')
#: what clients sent too much of, logged once in a while per client
refusals = RepeatedLog()

Receive = Callable[[], Awaitable[Dict[str, Any]]]
Send = Callable[[Dict[str, Any]], Awaitable[None]]


def body_too_large(eio: Any, sid: Any, length: int) -> None:
    """Log a long-polling body of ``length`` bytes over the limit."""
    refusals.log(logger, logging.WARNING, sid, 'too large',
                 'Refused a long-polling request of %s with %d bytes (more than '
                 'max_http_buffer_size, %d)', sid, length, eio.max_http_buffer_size,
                 stacklevel=3)


def message_too_large(eio: Any, sid: Any, length: int) -> None:
    """Log a WebSocket message of ``length`` bytes over the limit."""
    refusals.log(logger, logging.WARNING, sid, 'too large',
                 'Closing the WebSocket connection of %s after a message of %d bytes '
                 '(more than max_http_buffer_size, %d)', sid, length,
                 eio.max_http_buffer_size, stacklevel=3)


def _sid_of_open_packet(text: Any) -> Optional[str]:
    """The sid of Engine.IO's OPEN packet (``0{"sid":...}``), else None."""
    if isinstance(text, str) and text.startswith('0{"sid":"'):
        end = text.find('"', 9)
        if end > 9:
            return text[9:end]
    return None


def watch_websocket(eio: Any, scope: Dict[str, Any], receive: Receive,
                    send: Send) -> Tuple[Receive, Send]:
    """``receive`` and ``send`` of an ASGI WebSocket connection, the first
    one logging a message over ``max_http_buffer_size`` (Engine.IO then
    closes the connection). The session id is the one of the query (an
    upgrade from long-polling), else the one Engine.IO sends in its OPEN
    packet, which only then needs ``send`` watched."""
    sid: List[Any] = parse_qs((scope.get('query_string') or b'').decode('latin-1')).get(
        'sid') or [None]

    async def watched_receive() -> Dict[str, Any]:
        event = await receive()
        data = event.get('text')
        if data is None:
            data = event.get('bytes')
        if data is not None and len(data) > eio.max_http_buffer_size:
            message_too_large(eio, sid[0] or scope.get('client'), len(data))
        return event

    if sid[0] is not None:
        return watched_receive, send

    async def watched_send(message: Dict[str, Any]) -> None:
        if sid[0] is None and message.get('type') == 'websocket.send':
            sid[0] = _sid_of_open_packet(message.get('text'))
        await send(message)

    return watched_receive, watched_send
