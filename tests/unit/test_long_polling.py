"""Long-polling POST bodies of more packets than Engine.IO decodes at once
(16), through the real Engine.IO servers: WSGI (``Server``) and ASGI
(``AsyncServer``)."""
from __future__ import annotations

import asyncio
import io
import json
import logging
from typing import Any, Dict, List, Tuple
from unittest import mock
from urllib.parse import parse_qs

import pytest
from engineio import payload as eio_payload

import socketio
from socketio import framework_polling, long_polling

MAX_DECODE = eio_payload.Payload.max_decode_packets


def test_split_and_limits() -> None:
    assert long_polling.split_payload(b'a', 16) == [b'a']
    body = b'\x1e'.join(b'%d' % i for i in range(40))
    parts = long_polling.split_payload(body, 16)
    assert [p.count(b'\x1e') + 1 for p in parts] == [16, 16, 8]
    assert b'\x1e'.join(parts) == body
    assert long_polling.packet_limit(1_000_000, None) == 100_000
    assert long_polling.packet_limit(100, None) == MAX_DECODE
    assert long_polling.packet_limit('odd', None) == MAX_DECODE
    assert long_polling.packet_limit(1_000_000, 20) == 20
    assert long_polling.check_packet_limit(None) is None
    for bad in (0, -1, True, 1.5):
        with pytest.raises(ValueError):
            long_polling.check_packet_limit(bad)
    with pytest.raises(ValueError):
        socketio.Server(max_payload_packets=0)


@pytest.mark.parametrize('method, query, sid', [
    ('POST', 'EIO=4&transport=polling&sid=abc', 'abc'),
    ('POST', 'sid=abc&EIO=4', 'abc'),  # polling is the default transport
    ('POST', 'EIO=4&transport=polling&sid=a%2Db+c', 'a-b c'),  # as parse_qs decodes
    ('POST', 'sid=&sid=second', 'second'),  # a blank value does not count
    ('POST', 'sid=first&sid=second', 'first'),
    ('GET', 'EIO=4&transport=polling&sid=abc', None),
    ('POST', 'EIO=4&transport=polling', None),  # a handshake
    ('POST', 'EIO=4&transport=websocket&sid=abc', None),
    ('POST', 'EIO=4&transport=polling&sid=abc&j=0', None),  # JSONP
    ('POST', 'EIO=4&transport=polling&sid=abc&j=', 'abc'),  # a blank j is no JSONP
    ('POST', '', None), ('POST', None, None),
])
def test_polling_sid_reads_the_query_as_parse_qs(method: str, query: Any,
                                                  sid: Any) -> None:
    assert long_polling.polling_sid(method, query) == sid
    if query:
        parsed = parse_qs(query)
        expected = parsed['sid'][0] if method == 'POST' and 'sid' in parsed and \
            'j' not in parsed and parsed.get('transport', ['polling'])[0] == 'polling' \
            else None
        assert sid == expected


def events(count: int, start: int = 0) -> bytes:
    return '\x1e'.join(f'42["burst",{i}]' for i in range(start, start + count)).encode()


# -- WSGI ---------------------------------------------------------------------------------------
class Wsgi:
    """A ``socketio.Server`` (threading) driven with WSGI requests."""

    def __init__(self, **kwargs: Any) -> None:
        self.sio = socketio.Server(async_mode='threading', async_handlers=False, **kwargs)
        self.seen: List[int] = []
        self.sio.on('burst', lambda sid, i: self.seen.append(i))
        status, body = self.request('GET', '')
        self.eio_sid = json.loads(body[1:])['sid']
        assert self.request('POST', '40', sid=True)[0].startswith('200')

    def request(self, method: str, body: Any, sid: bool = False,
                query: str = '') -> Tuple[str, str]:
        data = body.encode() if isinstance(body, str) else body
        qs = 'EIO=4&transport=polling' + (f'&sid={self.eio_sid}' if sid else '') + query
        environ = {'REQUEST_METHOD': method, 'QUERY_STRING': qs, 'PATH_INFO': '/socket.io/',
                   'CONTENT_LENGTH': str(len(data)), 'wsgi.input': io.BytesIO(data),
                   'wsgi.url_scheme': 'http', 'SERVER_NAME': 'x', 'SERVER_PORT': '80'}
        started: List[Any] = []
        result = self.sio.handle_request(environ, lambda s, h, e=None: started.append(s))
        return started[0], b''.join(result).decode()


def test_wsgi_accepts_a_burst_in_order() -> None:
    server = Wsgi()
    status, body = server.request('POST', events(200), sid=True)
    assert (status, body) == ('200 OK', 'OK')
    assert server.seen == list(range(200))
    # 16, 17 and one packet
    for count in (MAX_DECODE, MAX_DECODE + 1, 1):
        server.seen.clear()
        assert server.request('POST', events(count), sid=True)[0] == '200 OK'
        assert server.seen == list(range(count))
    assert eio_payload.Payload.max_decode_packets == MAX_DECODE  # untouched


def test_wsgi_refuses_more_than_the_limit(caplog: Any) -> None:
    server = Wsgi(max_payload_packets=50)
    with caplog.at_level(logging.WARNING, 'socketio.server'):
        status, body = server.request('POST', events(51), sid=True)
    assert status.startswith('400') and server.seen == []
    assert 'with 51 packets' in caplog.text
    assert server.request('POST', events(50), sid=True)[0] == '200 OK'
    assert server.seen == list(range(50))


def test_wsgi_other_requests_go_to_engineio_unchanged() -> None:
    server = Wsgi(max_http_buffer_size=1000)
    calls: List[Any] = []

    def handle_request(environ: Any, start_response: Any) -> List[bytes]:
        calls.append(environ['wsgi.input'].tell())
        start_response('200 OK', [])
        return [b'']

    server.sio.eio.handle_request = handle_request
    # too long for max_http_buffer_size: Engine.IO answers, nothing was read
    server.request('POST', events(200), sid=True)
    server.request('GET', '', sid=True)
    server.request('POST', events(20), query='&j=1')  # JSONP
    assert calls == [0, 0, 0]
    server.sio.eio.handle_request = lambda *args, **kwargs: (args, kwargs)
    assert server.sio.handle_request('environ', 'start_response') == (
        ('environ', 'start_response'), {})


def test_wsgi_a_refused_part_is_the_answer() -> None:
    server = Wsgi()
    status, _ = server.request('POST', events(40), query='&sid=unknown')
    assert status.startswith('400') and server.seen == []


# -- ASGI ----------------------------------------------------------------------------------------
class Asgi:
    """A ``socketio.AsyncServer`` (asgi) driven with ASGI requests."""

    def __init__(self, **kwargs: Any) -> None:
        self.sio = socketio.AsyncServer(async_mode='asgi', async_handlers=False, **kwargs)
        self.seen: List[int] = []

        async def burst(sid: str, i: int) -> None:
            self.seen.append(i)

        self.sio.on('burst', burst)
        self.eio_sid = ''

    async def start(self) -> None:
        status, body = await self.request('GET', b'')
        self.eio_sid = json.loads(body[1:])['sid']
        assert (await self.request('POST', b'40', sid=True))[0] == 200

    async def request(self, method: str, body: bytes, sid: bool = False, chunks: int = 1,
                      length: Any = None) -> Tuple[int, str]:
        qs = 'EIO=4&transport=polling' + (f'&sid={self.eio_sid}' if sid else '')
        headers = [(b'content-type', b'text/plain')]
        if length != 'none':
            headers.append((b'content-length', str(length or len(body)).encode()))
        scope = {'type': 'http', 'method': method, 'path': '/socket.io/',
                 'query_string': qs.encode(), 'headers': headers}
        size = max(1, len(body) // chunks + 1)
        pieces = [body[i:i + size] for i in range(0, len(body), size)] or [b'']
        events: List[Dict[str, Any]] = [
            {'type': 'http.request', 'body': piece, 'more_body': n < len(pieces) - 1}
            for n, piece in enumerate(pieces)]

        async def receive() -> Dict[str, Any]:
            return events.pop(0) if events else {'type': 'http.disconnect'}

        sent: List[Dict[str, Any]] = []

        async def send(message: Dict[str, Any]) -> None:
            sent.append(message)

        await self.sio.handle_request(scope, receive, send)
        return sent[0]['status'], b''.join(m.get('body', b'') for m in sent[1:]).decode()


def test_asgi_accepts_a_burst_in_order() -> None:
    async def scenario() -> None:
        server = Asgi()
        await server.start()
        assert await server.request('POST', events(200), sid=True, chunks=7) == (200, 'OK')
        assert server.seen == list(range(200))
        server.seen.clear()
        assert (await server.request('POST', events(5), sid=True))[0] == 200
        assert server.seen == list(range(5))

    asyncio.run(scenario())


def test_asgi_limits_and_pass_through() -> None:
    async def scenario() -> None:
        server = Asgi(max_payload_packets=30, max_http_buffer_size=5000)
        await server.start()
        assert (await server.request('POST', events(31), sid=True))[0] == 400
        assert server.seen == []
        # without a length, or a client that goes away: to Engine.IO / nothing
        assert (await server.request('POST', events(3), sid=True, length='none'))[0] == 200
        assert server.seen == []  # Engine.IO read nothing without a length
        assert await server.sio.handle_request({'type': 'http', 'method': 'POST',
                                               'query_string': f'sid={server.eio_sid}'.encode(),
                                               'headers': [(b'content-length', b'5')]},
                                               _gone, _nothing) is None
        server.eio_sid = 'unknown'
        assert (await server.request('POST', events(40), sid=True))[0] == 400

    asyncio.run(scenario())


async def _gone() -> Dict[str, Any]:
    return {'type': 'http.disconnect'}


async def _nothing(message: Any) -> None:
    raise AssertionError('nothing is sent to a client that went away')


def test_asgi_other_integrations_go_to_engineio_unchanged() -> None:
    sio = socketio.AsyncServer(async_mode='asgi')
    calls: List[Any] = []

    async def handle_request(*args: Any, **kwargs: Any) -> str:
        calls.append((args, kwargs))
        return 'response'

    sio.eio.handle_request = handle_request
    assert asyncio.run(sio.handle_request('aiohttp request')) == 'response'
    assert asyncio.run(sio.handle_request({'type': 'lifespan'}, 'r', 's')) == 'response'
    assert calls == [(('aiohttp request',), {}), (({'type': 'lifespan'}, 'r', 's'), {})]


def test_asgi_websocket_oversize_messages_are_logged_with_sid_and_size(caplog: Any) -> None:
    """ASGI WebSocket connections reach Engine.IO with watched ``receive``
    and ``send``: a message over max_http_buffer_size is logged once per
    session, with the sid from the query or from Engine.IO's OPEN packet."""
    sio = socketio.AsyncServer(async_mode='asgi', max_http_buffer_size=100)
    big = {'type': 'websocket.receive', 'text': '4' + 'x' * 200}
    small = {'type': 'websocket.receive', 'bytes': b'4' * 100}

    async def engineio(scope: Any, receive: Any, send: Any) -> None:
        await send({'type': 'websocket.send', 'text': '0{"sid":"direct-sid","upgrades":[]}'})
        for _ in range(3):
            await receive()

    sio.eio.handle_request = engineio

    async def scenario(query: bytes, events: List[Dict[str, Any]]) -> List[Any]:
        sent: List[Any] = []

        async def receive() -> Dict[str, Any]:
            return events.pop(0)

        async def send(message: Dict[str, Any]) -> None:
            sent.append(message)

        await sio.handle_request({'type': 'websocket', 'query_string': query}, receive, send)
        return sent

    with caplog.at_level(logging.WARNING, 'socketio.server'):
        sent = asyncio.run(scenario(b'EIO=4&transport=websocket', [small, big, big]))
        asyncio.run(scenario(b'EIO=4&transport=websocket&sid=upgraded-sid',
                             [big, small, small]))
    assert sent == [{'type': 'websocket.send', 'text': '0{"sid":"direct-sid","upgrades":[]}'}]
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        'Closing the WebSocket connection of direct-sid after a message of 201 bytes '
        '(more than max_http_buffer_size, 100)',
        'Closing the WebSocket connection of upgraded-sid after a message of 201 bytes '
        '(more than max_http_buffer_size, 100)']


def test_wsgi_a_body_over_max_http_buffer_size_is_logged_once(caplog: Any) -> None:
    server = Wsgi(max_http_buffer_size=1000)

    def refuse(environ: Any, start_response: Any) -> List[bytes]:
        start_response('400 BAD REQUEST', [])  # as Engine.IO does
        return [b'']

    server.sio.eio.handle_request = refuse
    with caplog.at_level(logging.WARNING, 'socketio.server'):
        for _ in range(50):
            status, _ = server.request('POST', events(200), sid=True)
            assert not status.startswith('200')  # Engine.IO refuses it
    lines = [r.getMessage() for r in caplog.records if 'bytes' in r.getMessage()]
    assert lines == [f'Refused a long-polling request of {server.eio_sid} with '
                     f'{len(events(200))} bytes (more than max_http_buffer_size, 1000)']
    assert server.seen == []


def test_asgi_a_body_over_max_http_buffer_size_is_logged(caplog: Any) -> None:
    async def scenario() -> None:
        server = Asgi(max_http_buffer_size=500)
        await server.start()

        async def refuse(scope: Any, receive: Any, send: Any) -> None:
            await send({'type': 'http.response.start', 'status': 400, 'headers': []})
            await send({'type': 'http.response.body', 'body': b''})

        server.sio.eio.handle_request = refuse
        with caplog.at_level(logging.WARNING, 'socketio.server'):
            for _ in range(20):
                status, _ = await server.request('POST', events(100), sid=True)
                assert status != 200
        lines = [r.getMessage() for r in caplog.records if 'bytes' in r.getMessage()]
        assert len(lines) == 1 and server.eio_sid in lines[0]
        assert f'with {len(events(100))} bytes' in lines[0]

    asyncio.run(scenario())


class FakeAiohttpRequest:
    """What Engine.IO's aiohttp driver and handle_aiohttp read of a request."""

    def __init__(self, body: bytes, sid: str = 'aio-sid', method: str = 'POST') -> None:
        self.method = method
        self.query_string = f'EIO=4&transport=polling&sid={sid}'
        self.query = {'sid': sid}
        self.content_length = len(body)
        self.headers = {'Content-Length': str(len(body)), 'Content-Type': 'text/plain'}
        self.path = '/socket.io/'
        self.content = framework_polling._Body(body)


def test_aiohttp_requests_are_split_refused_and_logged(caplog: Any) -> None:
    class Eio:
        async_mode = 'aiohttp'
        max_http_buffer_size = 10_000

        def __init__(self) -> None:
            self.bodies: List[bytes] = []
            self.requests: List[Any] = []

        async def handle_request(self, request: Any) -> Any:
            self.requests.append(request)
            self.bodies.append(await request.content.read(
                int(request.headers['Content-Length'])))
            assert request.path == '/socket.io/'  # the rest is the original's
            return mock.Mock(status=200)

    async def scenario() -> None:
        eio = Eio()
        await long_polling.handle_asgi(eio, None, FakeAiohttpRequest(events(40)))
        assert [b.count(b'\x1e') + 1 for b in eio.bodies] == [16, 16, 8]
        assert b'\x1e'.join(eio.bodies) == events(40)
        eio.bodies.clear()
        await long_polling.handle_asgi(eio, None, FakeAiohttpRequest(events(3)))
        assert eio.bodies == [events(3)]
        eio.bodies.clear()
        response = await long_polling.handle_asgi(eio, 20, FakeAiohttpRequest(events(21)))
        assert response.status == 400 and eio.bodies == []
        big = FakeAiohttpRequest(b'4' + b'x' * 20_000, sid='big-sid')
        await long_polling.handle_asgi(eio, None, big)  # Engine.IO answers
        assert eio.bodies == [b'4' + b'x' * 20_000]
        get = FakeAiohttpRequest(b'', method='GET')
        await long_polling.handle_asgi(eio, None, get)
        assert eio.requests[-1] is get  # not a POST: the request as it is

    with caplog.at_level(logging.WARNING, 'socketio.server'):
        asyncio.run(scenario())
    assert [r.getMessage() for r in caplog.records] == [
        'Refused a long-polling request of aio-sid with 21 packets (more than '
        'max_payload_packets, 20)',
        'Refused a long-polling request of big-sid with 20001 bytes (more than '
        'max_http_buffer_size, 10000)']
