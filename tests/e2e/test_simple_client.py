"""SimpleClient / AsyncSimpleClient against our own servers over real sockets."""
from __future__ import annotations

import asyncio
import threading

import pytest
from support import asgi_server, wsgi_server

import socketio
from socketio import exceptions

pytestmark = pytest.mark.e2e


def make_sync_server():
    sio = socketio.Server(async_mode='threading')

    @sio.event
    def connect(sid, environ, auth=None):
        if auth == {'token': 'bad'}:
            raise socketio.exceptions.ConnectionRefusedError('bad token')
        sio.emit('welcome', {'sid': sid, 'auth': auth}, to=sid)

    @sio.on('echo')
    def echo(sid, *args):
        sio.emit('echoed', args if len(args) != 1 else args[0], to=sid)

    @sio.on('add')
    def add(sid, a, b):
        return a + b

    @sio.on('pair')
    def pair(sid, data):
        return data, 'second'

    @sio.on('silent')
    def silent(sid, data):
        return None

    @sio.on('kick')
    def kick(sid):
        sio.disconnect(sid)

    @sio.on('nsp', namespace='/chat')
    def nsp(sid, data):
        return ['chat', data]

    return sio


@pytest.fixture(scope='module')
def sync_url():
    with wsgi_server(socketio.WSGIApp(make_sync_server())) as url:
        yield url


@pytest.mark.parametrize('transports', [None, ['polling'], ['websocket']])
def test_simple_client_round_trip(sync_url, transports):
    with socketio.SimpleClient(reconnection=False) as client:
        client.connect(sync_url, auth={'token': 'ok'}, transports=transports)
        assert client.connected and client.sid
        assert client.transport == (transports[0] if transports else 'websocket')
        event, data = client.receive(timeout=5)
        assert event == 'welcome' and data == {'sid': client.sid, 'auth': {'token': 'ok'}}
        client.emit('echo', {'x': [1, 2]})
        assert client.receive(timeout=5) == ['echoed', {'x': [1, 2]}]
        client.emit('echo', (b'\x00\xff', 'two'))
        assert client.receive(timeout=5) == ['echoed', b'\x00\xff', 'two']
        assert client.call('add', (2, 3), timeout=5) == 5
        assert client.call('pair', 'one', timeout=5) == ('one', 'second')
        assert client.call('silent', 1, timeout=5) is None
        with pytest.raises(exceptions.TimeoutError):
            client.receive(timeout=0.2)
        with pytest.raises(exceptions.TimeoutError):
            client.call('no-handler', timeout=0.3)  # no ACK for unhandled events
        sio_client = client.client
    assert client.client is None and not client.connected
    assert sio_client.connected is False


def test_simple_client_namespace(sync_url):
    client = socketio.SimpleClient()
    client.connect(sync_url, namespace='/chat')
    try:
        assert client.sid and client.sid == client.client.get_sid('/chat')
        assert client.call('nsp', 7, timeout=5) == ['chat', 7]
    finally:
        client.disconnect()


def test_simple_client_refused_and_unreachable(sync_url, free_tcp_port):
    client = socketio.SimpleClient()
    with pytest.raises(exceptions.ConnectionError):
        client.connect(sync_url, auth={'token': 'bad'})
    assert not client.connected
    with pytest.raises(exceptions.ConnectionError):
        client.connect(sync_url, namespace='/unknown', wait_timeout=2)
    with pytest.raises(exceptions.ConnectionError):
        socketio.SimpleClient(reconnection=False).connect(f'http://127.0.0.1:{free_tcp_port}')


def test_simple_client_sees_server_disconnect(sync_url):
    client = socketio.SimpleClient()
    client.connect(sync_url, transports=['websocket'])
    assert client.receive(timeout=5)[0] == 'welcome'
    client.emit('kick')
    with pytest.raises(exceptions.DisconnectedError):
        client.receive(timeout=5)
    assert not client.connected
    with pytest.raises(exceptions.DisconnectedError):
        client.emit('echo', 1)


@pytest.fixture
def free_tcp_port():
    from conftest import free_port
    return free_port()


def make_async_server():
    sio = socketio.AsyncServer(async_mode='asgi')

    @sio.event
    async def connect(sid, environ, auth=None):
        await sio.emit('welcome', auth, to=sid)

    @sio.on('echo')
    async def echo(sid, data):
        await sio.emit('echoed', data, to=sid)

    @sio.on('mul')
    def mul(sid, a, b):
        return a * b

    @sio.on('kick')
    async def kick(sid):
        await sio.disconnect(sid)

    return sio


def test_async_simple_client():
    async def main(url):
        async with socketio.AsyncSimpleClient(reconnection=False) as client:
            await client.connect(url, auth={'k': 1}, transports=['websocket'])
            assert client.connected and client.sid and client.transport == 'websocket'
            assert await client.receive(timeout=5) == ['welcome', {'k': 1}]
            await client.emit('echo', b'bytes')
            assert await client.receive(timeout=5) == ['echoed', b'bytes']
            assert await client.call('mul', (6, 7), timeout=5) == 42
            with pytest.raises(exceptions.TimeoutError):
                await client.receive(timeout=0.2)
            with pytest.raises(exceptions.TimeoutError):
                await client.call('nothing', timeout=0.2)
        assert client.client is None and not client.connected

        client = socketio.AsyncSimpleClient()
        await client.connect(url)  # polling, then upgrade
        assert await client.receive(timeout=5) == ['welcome']
        await client.emit('kick')
        with pytest.raises(exceptions.DisconnectedError):
            await client.receive(timeout=5)
        with pytest.raises(exceptions.DisconnectedError):
            await client.call('mul', (1, 2))
        await client.disconnect()

    with asgi_server(socketio.ASGIApp(make_async_server())) as url:
        asyncio.run(asyncio.wait_for(main(url), 30))


def test_simple_client_against_async_server_and_back():
    """The sync simple client talks to the asyncio server too."""
    with asgi_server(socketio.ASGIApp(make_async_server())) as url:
        with socketio.SimpleClient() as client:
            # (polling only is avoided here: python-engineio's polling client
            # takes ~30 s to close against its own ASGI server)
            client.connect(url)
            assert client.transport == 'websocket'
            assert client.receive(timeout=5) == ['welcome']
            assert client.call('mul', (3, 3), timeout=5) == 9


# -- client connection options the simple clients build on (forward spec 2.6, 2.14) --

def test_client_retry_waits_for_the_server(free_tcp_port):
    port = free_tcp_port
    url = f'http://127.0.0.1:{port}'
    sio = socketio.Server(async_mode='threading')
    started = threading.Event()
    stop = threading.Event()

    def serve_later():
        stop.wait(0.5)  # the first attempt fails: nothing listens yet
        with wsgi_server(socketio.WSGIApp(sio), port=port):
            started.set()
            stop.wait(30)

    thread = threading.Thread(target=serve_later, daemon=True)
    thread.start()
    client = socketio.Client(reconnection_delay=0.2, reconnection_delay_max=0.5,
                             randomization_factor=0, handle_sigint=False)
    errors = []
    client.on('connect_error', lambda *args: errors.append(args))
    try:
        client.connect(url, retry=True, transports=['websocket'])
        assert started.is_set() and client.connected and errors
    finally:
        client.disconnect()
        stop.set()
        thread.join(15)


def test_client_retry_gives_up(free_tcp_port):
    client = socketio.Client(reconnection_attempts=2, reconnection_delay=0.05,
                             reconnection_delay_max=0.1, randomization_factor=0,
                             handle_sigint=False)
    with pytest.raises(exceptions.ConnectionError):
        client.connect(f'http://127.0.0.1:{free_tcp_port}', retry=True)
    assert not client.connected


def test_client_wait_timeout_and_get_environ():
    sio = socketio.Server(async_mode='threading')
    environs = {}
    release = threading.Event()

    @sio.event
    def connect(sid, environ):
        environs[sid] = environ

    @sio.on('connect', namespace='/slow')
    def slow_connect(sid, environ):
        release.wait(1.5)  # a slow handler: answers after the client gave up

    @sio.on('header')
    def header(sid):
        environ = sio.get_environ(sid)
        assert environ is environs[sid]  # the very dict given at connect time
        return environ.get('HTTP_X_TEST')

    with wsgi_server(socketio.WSGIApp(sio)) as url:
        client = socketio.Client(reconnection=False, handle_sigint=False)
        client.connect(url, headers={'X-Test': 'yes'}, transports=['websocket'])
        try:
            assert client.call('header', timeout=5) == 'yes'
            assert sio.get_environ('unknown-sid') is None
        finally:
            client.disconnect()
        slow = socketio.Client(reconnection=False, handle_sigint=False)
        with pytest.raises(exceptions.ConnectionError,
                           match='^Unexpected connection error$'):
            slow.connect(url, namespaces=['/slow'], wait_timeout=0.3,
                         transports=['websocket'])
        release.set()
        assert not slow.connected
