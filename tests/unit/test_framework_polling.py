"""Long-polling bursts through aiohttp, Sanic and Tornado (socketio.framework_polling)."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, List, Optional
from unittest import mock

import pytest

import socketio
from socketio import framework_polling


def events(count: int) -> bytes:
    return '\x1e'.join(f'42["burst",{i}]' for i in range(count)).encode()


def length_of(headers: Any) -> int:
    """The Content-Length of headers, as Engine.IO's drivers read it (``items()``)."""
    return int({name.lower(): value for name, value in headers.items()}['content-length'])


def packets(body: bytes) -> int:
    return body.count(b'\x1e') + 1


# -- Sanic -------------------------------------------------------------------------------
class FakeSanicRequest:
    """What Engine.IO's Sanic driver and handle_sanic read of a request."""

    def __init__(self, body: bytes, sid: str = 'sanic-sid', method: str = 'POST') -> None:
        self.method = method
        self.query_string = f'EIO=4&transport=polling&sid={sid}'
        self.args = {'sid': sid}
        self.body = body
        self.headers = {'content-length': str(len(body)), 'content-type': 'text/plain'}
        self.url = f'http://127.0.0.1/socket.io/?{self.query_string}'
        self.version = '1.1'


class SanicEio:
    async_mode = 'sanic'
    max_http_buffer_size = 10_000

    def __init__(self, refuse_part: Optional[int] = None) -> None:
        self.requests: List[Any] = []
        self.refuse_part = refuse_part

    async def handle_request(self, request: Any) -> Any:
        self.requests.append(request)
        assert length_of(request.headers) == len(request.body)
        assert request.url.endswith('sid=' + request.args['sid'])  # the original's
        status = 400 if len(self.requests) == self.refuse_part else 200
        return mock.Mock(status=status, part=len(self.requests))


def test_sanic_requests_are_split_refused_and_logged(caplog: Any) -> None:
    pytest.importorskip('sanic')  # the refusal is a Sanic response
    async def scenario() -> None:
        eio = SanicEio()
        response = await socketio.AsyncServer.handle_request(
            mock.Mock(eio=eio, max_payload_packets=None, _recovery=None),
            FakeSanicRequest(events(40)))
        assert [packets(r.body) for r in eio.requests] == [16, 16, 8]
        assert b'\x1e'.join(r.body for r in eio.requests) == events(40)
        assert response.part == 3  # the last part's answer
        small = FakeSanicRequest(events(3))
        await framework_polling.handle_sanic(eio, None, small)
        assert eio.requests[-1].body == events(3)
        get = FakeSanicRequest(b'', method='GET')
        await framework_polling.handle_sanic(eio, None, get)
        assert eio.requests[-1] is get  # not a POST: the request as it is
        count = len(eio.requests)
        response = await framework_polling.handle_sanic(eio, 20, FakeSanicRequest(events(21)))
        assert response.status == 400 and response.body == b'Too many packets in payload'
        assert len(eio.requests) == count  # nothing reached Engine.IO
        big = FakeSanicRequest(b'4' + b'x' * 20_000, sid='big-sanic-sid')
        await framework_polling.handle_sanic(eio, None, big)
        assert eio.requests[-1] is big  # Engine.IO answers

    with caplog.at_level(logging.WARNING, 'socketio.server'):
        asyncio.run(scenario())
    assert [r.getMessage() for r in caplog.records] == [
        'Refused a long-polling request of sanic-sid with 21 packets (more than '
        'max_payload_packets, 20)',
        'Refused a long-polling request of big-sanic-sid with 20001 bytes (more than '
        'max_http_buffer_size, 10000)']


def test_a_part_engineio_refuses_is_the_answer() -> None:
    async def scenario() -> None:
        eio = SanicEio(refuse_part=2)
        response = await framework_polling.handle_sanic(eio, None, FakeSanicRequest(events(40)))
        assert response.status == 400 and len(eio.requests) == 2  # the third is not sent

    asyncio.run(scenario())


# -- Tornado ------------------------------------------------------------------------------
class FakeTornadoHandler:
    """What Engine.IO's Tornado driver and handle_tornado use of a handler."""

    def __init__(self, body: bytes, sid: str = 'tornado-sid', method: str = 'POST') -> None:
        query = f'EIO=4&transport=polling&sid={sid}'
        self.request = mock.Mock(
            method=method, query=query, query_arguments={'sid': [sid.encode()]},
            body=body, headers={'Content-Length': str(len(body))}, path='/socket.io/',
            version='HTTP/1.1')
        self.response: List[Any] = []

    def set_status(self, status: int) -> None:
        self.response.append(('status', status))

    def set_header(self, name: str, value: Any) -> None:
        self.response.append(('header', name, value))

    def write(self, chunk: Any) -> None:
        self.response.append(('write', chunk))

    def finish(self) -> None:
        self.response.append(('finish',))


class TornadoEio:
    """Engine.IO in tornado mode: it answers through the handler it is given."""
    async_mode = 'tornado'
    max_http_buffer_size = 10_000

    def __init__(self, refuse_part: Optional[int] = None) -> None:
        self.bodies: List[bytes] = []
        self.refuse_part = refuse_part

    async def handle_request(self, handler: Any) -> None:
        request = handler.request
        assert request.path == '/socket.io/'  # the rest is the original's
        self.bodies.append(request.body)
        assert length_of(request.headers) == len(request.body)
        refused = len(self.bodies) == self.refuse_part
        handler.set_status(400 if refused else 200)
        handler.set_header('Content-Type', 'text/plain')
        handler.write(b'bad' if refused else b'ok %d' % len(self.bodies))
        handler.finish()


def test_tornado_requests_are_split_and_answered_once(caplog: Any) -> None:
    async def scenario() -> None:
        eio = TornadoEio()
        handler = FakeTornadoHandler(events(40))
        await framework_polling.handle_tornado(eio, None, handler)
        assert [packets(b) for b in eio.bodies] == [16, 16, 8]
        assert b'\x1e'.join(eio.bodies) == events(40)
        # the real handler answers once: with the last part's answer
        assert handler.response == [('status', 200), ('header', 'Content-Type', 'text/plain'),
                                    ('write', b'ok 3'), ('finish',)]

        eio = TornadoEio(refuse_part=1)
        handler = FakeTornadoHandler(events(40))
        await framework_polling.handle_tornado(eio, None, handler)
        assert len(eio.bodies) == 1
        assert handler.response[0] == ('status', 400) and ('write', b'bad') in handler.response

        eio = TornadoEio()
        handler = FakeTornadoHandler(events(21))
        await framework_polling.handle_tornado(eio, 20, handler)
        assert eio.bodies == []
        assert handler.response == [('status', 400), ('header', 'Content-Type', 'text/plain'),
                                    ('write', b'Too many packets in payload'), ('finish',)]

        handler = FakeTornadoHandler(events(3))
        await framework_polling.handle_tornado(eio, None, handler)
        assert eio.bodies == [events(3)]
        assert handler.response[-2:] == [('write', b'ok 1'), ('finish',)]

    with caplog.at_level(logging.WARNING, 'socketio.server'):
        asyncio.run(scenario())
    assert [r.getMessage() for r in caplog.records] == [
        'Refused a long-polling request of tornado-sid with 21 packets (more than '
        'max_payload_packets, 20)']


def test_tornado_handler_is_engineio_handler_with_posts_through_the_server() -> None:
    pytest.importorskip('tornado')
    from engineio.async_drivers import tornado as eio_tornado

    sio = socketio.AsyncServer(async_mode='tornado')
    handler_class = socketio.get_tornado_handler(sio)
    assert issubclass(handler_class, eio_tornado.tornado.websocket.WebSocketHandler)
    handler = handler_class.__new__(handler_class)
    with mock.patch.object(sio, 'handle_request', mock.AsyncMock()) as handle_request:
        asyncio.run(handler.post())
    handle_request.assert_awaited_once_with(handler)


# -- attach() -----------------------------------------------------------------------------
def test_attach_to_something_else_only_forwards_to_engineio() -> None:
    with mock.patch('socketio.async_server.engineio.AsyncServer') as eio:
        sio = socketio.AsyncServer()
        sio.attach('app', 'path')
    eio.return_value.attach.assert_called_once_with('app', 'path')


def test_attach_to_aiohttp_sends_long_polling_posts_through_the_server() -> None:
    """A real aiohttp application on a real socket: a 100-event POST reaches
    the handlers, other routes are left alone."""
    web = pytest.importorskip('aiohttp.web')
    from aiohttp.test_utils import TestClient, TestServer

    sio = socketio.AsyncServer(async_mode='aiohttp', async_handlers=False)
    got: List[int] = []
    sio.on('burst', lambda sid, i: got.append(i))
    app = web.Application()

    async def hello(request: Any) -> Any:
        return web.Response(text='hello')

    app.router.add_get('/hello', hello)
    sio.attach(app)
    assert len(app.middlewares) == 1

    async def scenario() -> None:
        async with TestClient(TestServer(app)) as client:
            response = await client.get('/hello')
            assert await response.text() == 'hello'
            response = await client.get('/socket.io/', params={'EIO': '4',
                                                               'transport': 'polling'})
            handshake = await response.text()
            sid = handshake.split('"sid":"')[1].split('"')[0]
            params = {'EIO': '4', 'transport': 'polling', 'sid': sid}
            response = await client.post('/socket.io/', params=params, data=b'40')
            assert response.status == 200
            response = await client.post('/socket.io/', params=params, data=events(100))
            assert response.status == 200 and await response.text() == 'OK'
            await sio.shutdown()

    asyncio.run(scenario())
    assert got == list(range(100))
