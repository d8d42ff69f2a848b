"""The official JavaScript client against AsyncServer under three hosts.

One Node.js script (``tests/js/async_scenarios.js``) runs every scenario
against the same Socket.IO application served by Uvicorn (through
``socketio.ASGIApp``, beside another ASGI app), by aiohttp (``sio.attach``)
and by Tornado (``socketio.get_tornado_handler``).
"""
from __future__ import annotations

import asyncio
import base64
import contextlib
import gc
import logging
import threading
import time
import urllib.request
from typing import Any, Callable, Dict, Iterator, List

import pytest
from conftest import free_port
from support import asgi_server, run_node, wait_for_port

import socketio

pytestmark = pytest.mark.e2e


class Recorder:
    """What the server saw, read by the test once the Node.js script ended."""

    def __init__(self) -> None:
        self.connects: List[Any] = []
        self.disconnects: Dict[str, str] = {}
        self.chat_disconnects: Dict[str, str] = {}
        self.seq: Dict[str, List[int]] = {}

    def wait_disconnect(self, table: Dict[str, str], sid: str, timeout: float = 5) -> str:
        deadline = time.monotonic() + timeout
        while sid not in table:
            assert time.monotonic() < deadline, f'no disconnect handler call for {sid}'
            time.sleep(0.02)
        return table[sid]


def make_app(async_mode: str) -> tuple:
    """The Socket.IO application every host serves, and its recorder."""
    # Short pings: Engine.IO leaves a long-poll GET pending when a polling
    # client closes; it ends after ping_interval + ping_timeout, and the
    # hosts wait for it when they stop.
    sio = socketio.AsyncServer(async_mode=async_mode, ping_interval=1, ping_timeout=2)
    rec = Recorder()

    @sio.event
    async def connect(sid: str, environ: Any, auth: Any) -> None:
        if not auth or auth.get('token') != 'secret':
            raise socketio.exceptions.ConnectionRefusedError('bad token', {'hint': 'secret'})
        rec.connects.append(('/', sid, auth))

    @sio.event
    async def disconnect(sid: str, reason: str) -> None:
        rec.disconnects[sid] = reason

    @sio.event
    async def echo(sid: str, *args: Any) -> tuple:
        return args

    @sio.event
    def bin(sid: str, top: bytes, nested: dict) -> tuple:  # a plain handler
        assert isinstance(top, bytes) and isinstance(nested['list'][0], bytes)
        return top[::-1], {'nested': [nested['list'][0] + b'!']}

    @sio.event
    async def send_bin(sid: str) -> str:
        await sio.emit('bin_event', (b'\x00top', {'deep': {'list': ['text', b'\xffdeep']}}),
                       to=sid)
        return 'sent'

    @sio.event
    async def ask(sid: str, question: dict) -> Any:
        return await sio.call('question', question, to=sid, timeout=5)

    @sio.event
    async def join(sid: str, room: str) -> str:
        await sio.enter_room(sid, room)
        return 'joined'

    @sio.event
    def rooms(sid: str) -> List[str]:
        return sorted(sio.rooms(sid))

    @sio.event
    async def to_room(sid: str, room: str, message: str) -> str:
        await sio.emit('room_msg', message, to=room, skip_sid=sid)
        return 'sent'

    @sio.event
    async def close(sid: str, room: str) -> str:
        await sio.close_room(room)
        return 'closed'

    @sio.event
    async def ping_me(sid: str) -> str:
        await sio.emit('pong_direct', to=sid)
        return 'pinged'

    @sio.event
    def seq(sid: str, i: int) -> None:
        rec.seq.setdefault(sid, []).append(i)

    @sio.event
    def seq_check(sid: str) -> List[int]:
        return rec.seq.get(sid, [])

    @sio.event
    async def burst(sid: str, n: int) -> int:
        for i in range(n):
            await sio.emit('burst', i, to=sid)
        return n

    @sio.event
    def transport(sid: str) -> str:
        return sio.transport(sid)

    @sio.event
    async def kick_me(sid: str) -> None:
        await sio.disconnect(sid)

    class Chat(socketio.AsyncNamespace):
        async def on_connect(self, sid: str, environ: Any, auth: Any) -> None:
            rec.connects.append(('/chat', sid, auth))

        def on_disconnect(self, sid: str, reason: str) -> None:
            rec.chat_disconnects[sid] = reason

        async def on_echo(self, sid: str, *args: Any) -> tuple:
            async with self.session(sid) as session:
                session['count'] = session.get('count', 0) + 1
            return ('chat',) + args + ((await self.get_session(sid))['count'],)

    sio.register_namespace(Chat('/chat'))
    return sio, rec


@contextlib.contextmanager
def asyncio_errors() -> Iterator[List[str]]:
    """Collect asyncio's error log (e.g. "Task was destroyed but it is pending")."""
    errors: List[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            errors.append(record.getMessage())

    handler = Collect(level=logging.ERROR)
    logger = logging.getLogger('asyncio')
    logger.addHandler(handler)
    try:
        yield errors
    finally:
        gc.collect()
        logger.removeHandler(handler)


@contextlib.contextmanager
def loop_thread(serve: Callable[[asyncio.Event, int], Any]) -> Iterator[str]:
    """Run ``serve(stop_event, port)`` in a fresh event loop in a thread."""
    port = free_port()
    state: Dict[str, Any] = {}
    started = threading.Event()

    async def main() -> None:
        state['loop'] = asyncio.get_running_loop()
        state['stop'] = asyncio.Event()
        started.set()
        await serve(state['stop'], port)

    def target() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:  # reported by the test
            state['error'] = exc
            started.set()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    started.wait(10)
    try:
        wait_for_port(port)
        yield f'http://127.0.0.1:{port}'
    finally:
        if 'loop' in state:
            state['loop'].call_soon_threadsafe(state['stop'].set)
        thread.join(15)
        assert not thread.is_alive(), 'server thread did not stop'
        assert 'error' not in state, state.get('error')


@contextlib.contextmanager
def serve_asgi(sio: socketio.AsyncServer) -> Iterator[str]:
    lifespan: List[str] = []

    async def other_app(scope: dict, receive: Any, send: Any) -> None:
        assert scope['type'] == 'http'
        await send({'type': 'http.response.start', 'status': 200,
                    'headers': [(b'content-type', b'text/plain')]})
        await send({'type': 'http.response.body', 'body': b'other app: ' +
                    scope['path'].encode()})

    async def on_startup() -> None:
        lifespan.append('startup')

    async def on_shutdown() -> None:
        await sio.shutdown()
        lifespan.append('shutdown')

    app = socketio.ASGIApp(sio, other_asgi_app=other_app, on_startup=on_startup,
                           on_shutdown=on_shutdown)
    with asgi_server(app) as url:
        assert lifespan == ['startup']
        with urllib.request.urlopen(url + '/hello', timeout=5) as response:
            assert response.read() == b'other app: /hello'
        yield url
    assert lifespan == ['startup', 'shutdown']


@contextlib.contextmanager
def serve_aiohttp(sio: socketio.AsyncServer) -> Iterator[str]:
    from aiohttp import web

    async def serve(stop: asyncio.Event, port: int) -> None:
        app = web.Application()
        sio.attach(app)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, '127.0.0.1', port).start()
        await stop.wait()
        await sio.shutdown()
        await runner.cleanup()

    with loop_thread(serve) as url:
        yield url


@contextlib.contextmanager
def serve_tornado(sio: socketio.AsyncServer) -> Iterator[str]:
    import tornado.web

    async def serve(stop: asyncio.Event, port: int) -> None:
        app = tornado.web.Application([(r'/socket.io/', socketio.get_tornado_handler(sio))])
        server = app.listen(port, address='127.0.0.1')
        await stop.wait()
        await sio.shutdown()
        server.stop()
        await server.close_all_connections()

    with loop_thread(serve) as url:
        yield url


HOSTS = {'asgi': serve_asgi, 'aiohttp': serve_aiohttp, 'tornado': serve_tornado}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize('host', list(HOSTS))
def test_js_client_scenarios(host: str, node_modules: Any) -> None:
    with asyncio_errors() as errors:
        sio, rec = make_app(host)
        assert sio.async_mode == host
        with HOSTS[host](sio) as url:
            out = run_node('async_scenarios.js', url, timeout=40)
            assert 'error' not in out, out['error']
            kicked = rec.wait_disconnect(rec.disconnects, out['kickedId'])
            leaving = rec.wait_disconnect(rec.disconnects, out['leavingId'])
            chat_left = rec.wait_disconnect(rec.chat_disconnects, out['chatOnlyId'])
    assert not [e for e in errors if 'Task was destroyed' in e or 'never' in e], errors

    # connections, auth and namespaces
    assert ('/', out['mainId'], {'token': 'secret'}) in rec.connects
    assert ('/chat', out['chatId'], {'user': 'ann'}) in rec.connects
    assert out['mainId'] != out['chatId'] and out['sameEngine']
    assert out['refused'] == {'message': 'bad token', 'data': {'hint': 'secret'}}
    assert out['unknownNamespaceRefused']

    # JSON values, unicode and several arguments survive the round trip
    assert out['echo'] == out['echoExpected']
    assert out['chatEcho'] == ['chat', 'in chat', {'n': 1}, 1]

    # binary both ways, top-level and nested
    assert out['binAck'] == {'top': b64(b'\xff\x03\x02\x01'), 'topIsBinary': True,
                             'nested': b64(b'nested!'), 'nestedIsBinary': True}
    assert out['binEvent'] == {'top': b64(b'\x00top'), 'topIsBinary': True,
                               'nested': b64(b'\xffdeep'), 'nestedIsBinary': True,
                               'other': 'text'}

    # server call() answered by the JS client from inside a handler
    assert out['callResult'] == {'answer': 42, 'from': 'js'}

    # rooms, skip_sid, close_room
    assert out['rooms'] == sorted([out['aId'], 'blue'])
    assert out['roomReceived'] == {'a': [], 'b': ['first'], 'c': ['first']}

    # ordering
    assert out['seqServer'] == list(range(200))
    assert out['seqClient'] == list(range(200))

    # single transports
    assert out['transports'] == {
        'polling': {'server': 'polling', 'echo': ['polling', b64(b'x')]},
        'websocket': {'server': 'websocket', 'echo': ['websocket', b64(b'x')]},
    }

    # disconnect reasons, both sides
    assert out['kickedReason'] == 'io server disconnect'
    assert kicked == sio.reason.SERVER_DISCONNECT
    assert out['leavingReason'] == 'io client disconnect'
    assert leaving == sio.reason.CLIENT_DISCONNECT
    assert out['chatReason'] == 'io client disconnect'
    assert chat_left == sio.reason.CLIENT_DISCONNECT
