"""Long-polling bursts through aiohttp, Sanic and Tornado.

These integrations hand Engine.IO one request object instead of a WSGI
environ or an ASGI scope. A long-polling POST of more packets than Engine.IO
decodes at once goes to its public ``handle_request`` as several stand-ins of
the request, each the original but for its body (see
:mod:`socketio.long_polling` for the limits); the answer is the last part's,
or the first refusal.

The integrations' own wiring reaches here: :meth:`AsyncServer.attach
<socketio.AsyncServer.attach>` lets Engine.IO add its routes, as
python-socketio's does, then adds a middleware to the aiohttp or Sanic
application that sends the long-polling POSTs of those routes to the
server's ``handle_request``; the handler class of
:func:`socketio.get_tornado_handler` does the same for its POSTs.
"""
from __future__ import annotations

import sys
from typing import Any, Awaitable, Callable, Iterator, List, Optional, Tuple

from . import message_size
from .long_polling import polling_sid, split_body

Refusal = Callable[[Any], Any]


# -- the common path -------------------------------------------------------------------
async def _through_parts(eio: Any, limit: Optional[int], request: Any, sid: Any,
                         length: int, read: Callable[[], Awaitable[bytes]],
                         stand_in: Callable[[Any, bytes], _Part],
                         refuse: Refusal) -> Any:
    """Hand a long-polling POST to Engine.IO, in parts when it has more
    packets than Engine.IO decodes at once."""
    if length > eio.max_http_buffer_size:
        message_size.body_too_large(eio, sid, length)
    if length <= 0 or length > eio.max_http_buffer_size:
        return await eio.handle_request(request)  # Engine.IO answers
    body = await read()
    bodies, refused = split_body(eio, limit, body, sid)
    if refused:
        return refuse(request)
    result: Any = None
    part: Optional[_Part] = None
    for data in bodies or [body]:
        part = stand_in(request, data)
        result = await eio.handle_request(part.request_for_engineio())
        if part.refused(result):
            break  # Engine.IO refused a part: that is the answer
    assert part is not None
    return part.answer(result)


def _as_read(body: bytes) -> Callable[[], Awaitable[bytes]]:
    """A ``read()`` for :func:`_through_parts` of a body already read."""
    async def read() -> bytes:
        return body

    return read


class _Headers:
    """A request's headers with a new ``Content-Length`` (what Engine.IO's
    drivers read of them: ``items()``, ``get()``)."""

    def __init__(self, headers: Any, length: int) -> None:
        self._items: List[Tuple[str, str]] = [
            (name, value) for name, value in headers.items()
            if name.lower() != 'content-length']
        self._items.append(('Content-Length', str(length)))

    def items(self) -> List[Tuple[str, str]]:
        return list(self._items)

    def get(self, name: str, default: Any = None) -> Any:
        for key, value in self._items:
            if key.lower() == name.lower():
                return value
        return default

    def __getitem__(self, name: str) -> Any:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items)


class _RequestPart:
    """A request whose body is ``body`` (the rest is the original's)."""

    def __init__(self, request: Any, body: bytes) -> None:
        self._request = request
        self.body = body
        self.headers = _Headers(request.headers, len(body))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)


class _Part:
    """A part of a request as handed to Engine.IO, and how its result reads."""

    def __init__(self, request: Any, body: bytes) -> None:
        self.request = request
        self.body = body

    def request_for_engineio(self) -> Any:
        raise NotImplementedError

    def refused(self, result: Any) -> bool:
        """Whether Engine.IO refused this part (its response is not a 200)."""
        return getattr(result, 'status', 200) != 200

    def answer(self, result: Any) -> Any:
        """What the integration returns for the request."""
        return result


# -- aiohttp ---------------------------------------------------------------------------
async def handle_aiohttp(eio: Any, limit: Optional[int], request: Any) -> Any:
    """``eio.handle_request(request)`` for an aiohttp request."""
    sid = polling_sid(request.method, request.query_string)
    if sid is None:
        return await eio.handle_request(request)
    length = request.content_length or 0
    return await _through_parts(eio, limit, request, sid, length,
                                lambda: request.content.read(length), _AiohttpPart,
                                _aiohttp_refusal)


def _aiohttp_refusal(request: Any) -> Any:
    from aiohttp import web
    return web.Response(status=400, text='Too many packets in payload')


class _AiohttpPart(_Part):
    def request_for_engineio(self) -> Any:
        return _AiohttpRequestPart(self.request, self.body)


class _AiohttpRequestPart(_RequestPart):
    """An aiohttp request whose body (its ``content`` stream) is ``body``."""

    def __init__(self, request: Any, body: bytes) -> None:
        super().__init__(request, body)
        self.content = _Body(body)


class _Body:
    """The ``content`` stream of an :class:`_AiohttpRequestPart`."""

    __slots__ = ('_data',)

    def __init__(self, data: bytes) -> None:
        self._data = data

    async def read(self, n: int = -1) -> bytes:
        if n < 0:
            n = len(self._data)
        data, self._data = self._data[:n], self._data[n:]
        return data


def _aiohttp_middleware(server: Any) -> Any:
    from aiohttp import web
    engineio_route = server.eio.handle_request

    @web.middleware
    async def socketio_long_polling(request: Any, handler: Any) -> Any:
        if request.method == 'POST' and request.match_info.handler == engineio_route:
            return await server.handle_request(request)
        return await handler(request)

    return socketio_long_polling


# -- Sanic -----------------------------------------------------------------------------
async def handle_sanic(eio: Any, limit: Optional[int], request: Any) -> Any:
    """``eio.handle_request(request)`` for a Sanic request."""
    sid = polling_sid(request.method, request.query_string)
    if sid is None:
        return await eio.handle_request(request)
    body = request.body or b''
    return await _through_parts(eio, limit, request, sid, len(body),
                                _as_read(body), _SanicPart, _sanic_refusal)


def _sanic_refusal(request: Any) -> Any:
    from sanic.response import text
    return text('Too many packets in payload', status=400)


class _SanicPart(_Part):
    def request_for_engineio(self) -> Any:
        return _RequestPart(self.request, self.body)


def _sanic_middleware(server: Any) -> Any:
    engineio_route = server.eio.handle_request

    async def socketio_long_polling(request: Any) -> Any:
        route = getattr(request, 'route', None)
        if request.method == 'POST' and route is not None and \
                route.handler == engineio_route:
            return await server.handle_request(request)
        return None  # on to the route

    return socketio_long_polling


# -- Tornado ---------------------------------------------------------------------------
async def handle_tornado(eio: Any, limit: Optional[int], handler: Any) -> Any:
    """``eio.handle_request(handler)`` for a Tornado request handler."""
    request = handler.request
    sid = polling_sid(request.method, request.query)
    if sid is None:
        return await eio.handle_request(handler)
    body = request.body or b''
    return await _through_parts(eio, limit, handler, sid, len(body), _as_read(body),
                                _TornadoPart, _tornado_refusal)


def _tornado_refusal(handler: Any) -> None:
    handler.set_status(400)
    handler.set_header('Content-Type', 'text/plain')
    handler.write(b'Too many packets in payload')
    handler.finish()


class _TornadoPart(_Part):
    """A Tornado handler whose request's body is a part of the original's;
    Engine.IO's answer is kept, and written to the real handler by
    :meth:`answer`."""

    def __init__(self, handler: Any, body: bytes) -> None:
        super().__init__(handler, body)
        self.status = 200
        self.response_headers: List[Tuple[str, Any]] = []
        self.chunks: List[Any] = []

    def request_for_engineio(self) -> Any:
        return _TornadoHandlerPart(self)

    def refused(self, result: Any) -> bool:
        return self.status != 200

    def answer(self, result: Any) -> Any:
        handler = self.request
        handler.set_status(self.status)
        for name, value in self.response_headers:
            handler.set_header(name, value)
        for chunk in self.chunks:
            handler.write(chunk)
        handler.finish()
        return result


class _TornadoHandlerPart:
    """What Engine.IO's Tornado driver uses of a handler: its request (here
    a part of it), and the response methods (here kept in the part)."""

    def __init__(self, part: _TornadoPart) -> None:
        self._part = part
        self.request = _RequestPart(part.request.request, part.body)

    def set_status(self, status: int) -> None:
        self._part.status = status

    def set_header(self, name: str, value: Any) -> None:
        self._part.response_headers.append((name, value))

    def write(self, chunk: Any) -> None:
        self._part.chunks.append(chunk)

    def finish(self) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._part.request, name)


# -- wiring ----------------------------------------------------------------------------
#: the handlers of the integrations that give Engine.IO one request object,
#: by ``async_mode``
HANDLERS = {'aiohttp': handle_aiohttp, 'sanic': handle_sanic, 'tornado': handle_tornado}


def route_attached(server: Any, app: Any) -> None:
    """After ``server.eio.attach(app, ...)``: send the long-polling POSTs of
    Engine.IO's routes on an aiohttp or Sanic application to
    ``server.handle_request`` (by a middleware; other requests, and anything
    not an application of these frameworks, are left alone)."""
    aiohttp_web = sys.modules.get('aiohttp.web')
    if aiohttp_web is not None and isinstance(app, aiohttp_web.Application):
        app.middlewares.append(_aiohttp_middleware(server))
        return
    sanic = sys.modules.get('sanic')
    if sanic is not None and isinstance(app, sanic.Sanic):
        app.register_middleware(_sanic_middleware(server), 'request')
