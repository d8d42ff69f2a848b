"""serializer='msgpack' interoperating with the JS socket.io-msgpack-parser,
in both directions, with binary payloads and acknowledgements."""
from __future__ import annotations

import asyncio
import threading

import pytest
from conftest import free_port
from support import asgi_server, node_process, run_node, wsgi_server

import socketio

pytestmark = pytest.mark.e2e


def add_handlers(sio, answers, call):
    """The same application on the standard and the asyncio server."""

    @sio.event
    def connect(sid, environ):
        sio.start_background_task(call, sid)

    @sio.on('echo')
    def echo(sid, data):
        return data, 'extra'


def make_sync_server(answers):
    sio = socketio.Server(async_mode='threading', serializer='msgpack')

    def talk(sid):
        sio.emit('push', {'n': 1, 'bin': b'\x01\x02'}, to=sid)
        sio.emit('push', ('two', b'\xff'), to=sid)
        answer = sio.call('question', (41, b'\x08'), to=sid, timeout=10)
        answers.append(answer)
        sio.emit('answer_was', answer, to=sid)

    add_handlers(sio, answers, talk)
    return sio, socketio.WSGIApp(sio)


def make_async_server(answers):
    sio = socketio.AsyncServer(async_mode='asgi', serializer='msgpack')

    async def talk(sid):
        await sio.emit('push', {'n': 1, 'bin': b'\x01\x02'}, to=sid)
        await sio.emit('push', ('two', b'\xff'), to=sid)
        answer = await sio.call('question', (41, b'\x08'), to=sid, timeout=10)
        answers.append(answer)
        await sio.emit('answer_was', answer, to=sid)

    add_handlers(sio, answers, talk)
    return sio, socketio.ASGIApp(sio)


def check_js_result(result, answers):
    assert result['error'] is None
    assert result['pushes'] == [[{'n': 1, 'bin': {'bin': [1, 2]}}],
                                ['two', {'bin': [255]}]]
    assert answers == [(42, b'\x08\x09')]
    assert result['answerWas'] == [42, {'bin': [8, 9]}]
    assert result['echo'] == [{'text': 'héllo', 'bin': {'bin': [0, 1, 255]},
                               'list': [1, 2.5, None]}, 'extra']


@pytest.mark.parametrize('transport', ['polling', 'websocket', 'default'])
def test_js_client_with_msgpack_parser_sync_server(node_modules, transport):
    answers = []
    sio, app = make_sync_server(answers)
    with wsgi_server(app) as url:
        result = run_node('msgpack_client.js', url, transport)
    check_js_result(result, answers)
    assert result['transport'] == ('polling' if transport == 'polling' else 'websocket')


@pytest.mark.parametrize('transport', ['polling', 'websocket'])
def test_js_client_with_msgpack_parser_async_server(node_modules, transport):
    answers = []
    sio, app = make_async_server(answers)
    with asgi_server(app) as url:
        result = run_node('msgpack_client.js', url, transport)
    check_js_result(result, answers)


@pytest.fixture(scope='module')
def node_msgpack_server(node_modules):
    port = free_port()
    with node_process('msgpack_server.js', str(port), port=port):
        yield f'http://127.0.0.1:{port}'


@pytest.mark.parametrize('transports', [['polling'], ['websocket'], None])
def test_python_client_against_node_msgpack_server(node_msgpack_server, transports):
    client = socketio.Client(serializer='msgpack', reconnection=False, handle_sigint=False)
    received = {}
    got = {name: threading.Event() for name in ('welcome', 'answer_was', 'disconnect')}

    @client.on('*')
    def any_event(event, *args):
        received[event] = args
        got[event].set()

    @client.on('question')
    def question(n, data):
        return n + 1, data + b'\x09'

    @client.event
    def disconnect(reason):
        received['disconnect'] = reason
        got['disconnect'].set()

    client.connect(node_msgpack_server, transports=transports,
                   namespaces=['/', '/chat'])
    try:
        assert got['welcome'].wait(10)
        assert received['welcome'] == ({'sid': client.get_sid('/'), 'bin': b'\x01\x02\x03'},)
        assert client.call('echo', (1, b'\x00\xfe', {'k': [True, None]}), timeout=10) == (
            1, b'\x00\xfe', {'k': [True, None]})
        assert client.call('echo', 'only', namespace='/chat', timeout=10) == 'only'
        client.emit('ask', 41)
        assert got['answer_was'].wait(10)
        assert received['answer_was'] == (42, b'\x07\x09')
        client.emit('bye')
        assert got['disconnect'].wait(10)
        assert received['disconnect'] == client.reason.SERVER_DISCONNECT
    finally:
        client.disconnect()


def test_async_client_against_node_msgpack_server(node_msgpack_server):
    async def main():
        client = socketio.AsyncClient(serializer='msgpack', reconnection=False)
        welcome = asyncio.get_running_loop().create_future()
        client.on('welcome', lambda data: welcome.set_result(data))
        await client.connect(node_msgpack_server, transports=['websocket'])
        assert (await asyncio.wait_for(welcome, 10))['bin'] == b'\x01\x02\x03'
        assert await client.call('echo', b'\x10', timeout=10) == b'\x10'
        await client.disconnect()

    asyncio.run(asyncio.wait_for(main(), 30))
