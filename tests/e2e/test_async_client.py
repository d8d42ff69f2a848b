"""AsyncClient end to end: against our AsyncServer (Uvicorn) and against the
official Node.js ``socket.io`` server, including reconnection after that
server process is stopped and started again on the same port."""
from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
import warnings
from typing import Any, Dict, Iterator, List

import pytest
from conftest import free_port
from support import asgi_server, node_process

import socketio
from socketio import exceptions

pytestmark = pytest.mark.e2e


@contextlib.contextmanager
def no_task_leaks() -> Iterator[None]:
    """Fail if asyncio reports destroyed pending tasks or unawaited coroutines."""
    errors: List[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            errors.append(record.getMessage())

    handler = Collect(level=logging.ERROR)
    logging.getLogger('asyncio').addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            yield
            gc.collect()
    finally:
        logging.getLogger('asyncio').removeHandler(handler)
    problems = [e for e in errors if 'Task was destroyed' in e or 'Unclosed' in e]
    problems += [str(w.message) for w in caught if 'never awaited' in str(w.message)]
    assert not problems, problems


async def until(predicate: Any, timeout: float = 5) -> None:
    """Wait for ``predicate()`` to be true, polling (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, 'condition not met in time'
        await asyncio.sleep(0.01)


# -- against our AsyncServer ---------------------------------------------------


def make_server() -> tuple:
    # Short pings bound how long Engine.IO keeps a long-poll GET pending after
    # a polling client closed (a graceful client disconnect waits for it).
    sio = socketio.AsyncServer(async_mode='asgi', namespaces=['/', '/chat'],
                               ping_interval=1, ping_timeout=2)
    seen: Dict[str, Any] = {'disconnects': {}, 'seq': []}

    @sio.event
    async def connect(sid: str, environ: Any, auth: Any) -> None:
        if (auth or {}).get('token') != 'secret':
            raise socketio.exceptions.ConnectionRefusedError('bad token', {'hint': 'secret'})

    @sio.event
    def disconnect(sid: str, reason: str) -> None:
        seen['disconnects'][sid] = reason

    @sio.on('*')
    async def any_event(event: str, sid: str, *args: Any) -> Any:
        return ('caught', event) + args

    @sio.event
    async def echo(sid: str, *args: Any) -> tuple:
        return args

    @sio.event
    async def nested_bin(sid: str, data: dict) -> dict:
        assert isinstance(data['inner'][0], bytes)
        return {'back': [data['inner'][0] * 2], 'top': b'\x00\x01'}

    @sio.event
    async def ask(sid: str, question: Any) -> Any:
        return await sio.call('question', question, to=sid, timeout=5)

    @sio.event
    async def push(sid: str) -> str:
        await sio.emit('pushed', ({'a': 1}, b'\xfe'), to=sid)
        return 'ok'

    @sio.event
    def seq(sid: str, i: int) -> None:
        seen['seq'].append(i)

    @sio.event
    def seq_check(sid: str) -> List[int]:
        return seen['seq']

    @sio.event
    def silent(sid: str) -> Any:
        return sio.not_handled  # never acknowledged

    @sio.event
    async def kick_me(sid: str) -> None:
        await sio.disconnect(sid)

    @sio.event
    def transport(sid: str) -> str:
        return sio.transport(sid)

    @sio.on('echo', namespace='/chat')
    def chat_echo(sid: str, *args: Any) -> tuple:
        return ('chat',) + args

    return sio, seen


@pytest.fixture(scope='module')
def our_server() -> Iterator[tuple]:
    sio, seen = make_server()
    with asgi_server(socketio.ASGIApp(sio, on_shutdown=sio.shutdown)) as url:
        yield url, sio, seen


class Chat(socketio.AsyncClientNamespace):
    def __init__(self, namespace: str) -> None:
        super().__init__(namespace)
        self.connected = asyncio.Event()

    async def on_connect(self) -> None:
        self.connected.set()


def test_against_async_server(our_server: tuple) -> None:
    url, sio, seen = our_server

    async def main() -> Dict[str, Any]:
        client = socketio.AsyncClient(reconnection=False)
        got: Dict[str, Any] = {'events': [], 'disconnect': []}
        chat = Chat('/chat')
        client.register_namespace(chat)

        @client.event
        async def connect() -> None:
            got['connected'] = client.get_sid()

        @client.event
        def disconnect(reason: str) -> None:
            got['disconnect'].append(reason)

        @client.on('question')
        async def question(q: Any) -> Any:
            return {'answer': q['x'] + 1}, 'second'

        @client.on('pushed')
        def pushed(*args: Any) -> None:
            got['events'].append(args)

        await client.connect(url, auth={'token': 'secret'}, namespaces=['/', '/chat'])
        assert client.connected and got['connected'] == client.get_sid('/')
        assert chat.connected.is_set()
        assert client.get_sid('/') != client.get_sid('/chat') != client.sid
        out: Dict[str, Any] = {}
        out['echo'] = await client.call('echo', (1, 'é', None, [True], {'k': 'v'}))
        out['one'] = await client.call('echo', 'single')
        out['none'] = await client.call('echo')
        out['chat'] = await client.call('echo', 'x', namespace='/chat')
        out['caught'] = await client.call('no_such_event', 7)
        out['bin'] = await client.call('nested_bin', {'inner': [b'ab']})
        out['ask'] = await client.call('ask', {'x': 41})
        acked = asyncio.Event()
        acks: List[Any] = []

        async def on_ack(*args: Any) -> None:
            acks.append(args)
            acked.set()

        await client.emit('echo', ('cb', b'\x01'), callback=on_ack)
        await asyncio.wait_for(acked.wait(), 5)
        out['callback'] = acks
        assert await client.call('push') == 'ok'
        await until(lambda: got['events'])
        out['pushed'] = got['events']
        for i in range(200):
            await client.emit('seq', i)
        out['seq'] = await client.call('seq_check')
        with pytest.raises(exceptions.TimeoutError):
            await client.call('silent', timeout=0.3)
        out['transport'] = (client.transport(), await client.call('transport'))
        sid = client.get_sid()
        await client.disconnect()
        assert not client.connected
        out['client_reason'] = got['disconnect'][-1]
        await until(lambda: sid in seen['disconnects'])
        out['server_reason'] = seen['disconnects'][sid]

        # server-side disconnect: the client is told, wait() returns
        await client.connect(url, auth={'token': 'secret'}, namespaces=['/'])
        sid = client.get_sid()
        await client.emit('kick_me')
        await asyncio.wait_for(client.wait(), 5)
        out['kicked_reason'] = got['disconnect'][-1]
        await until(lambda: sid in seen['disconnects'])
        out['kicked_server_reason'] = seen['disconnects'][sid]
        await client.shutdown()
        return out

    with no_task_leaks():
        out = asyncio.run(main())
    assert out['echo'] == (1, 'é', None, [True], {'k': 'v'})
    assert out['one'] == 'single' and out['none'] is None
    assert out['chat'] == ('chat', 'x')
    assert out['caught'] == ('caught', 'no_such_event', 7)
    assert out['bin'] == {'back': [b'abab'], 'top': b'\x00\x01'}
    assert out['ask'] == ({'answer': 42}, 'second')
    assert out['callback'] == [('cb', b'\x01')]
    assert out['pushed'] == [({'a': 1}, b'\xfe')]
    assert out['seq'] == list(range(200))
    assert out['transport'] == ('websocket', 'websocket')
    assert out['client_reason'] == socketio.AsyncClient.reason.CLIENT_DISCONNECT
    assert out['server_reason'] == sio.reason.CLIENT_DISCONNECT
    assert out['kicked_reason'] == socketio.AsyncClient.reason.SERVER_DISCONNECT
    assert out['kicked_server_reason'] == sio.reason.SERVER_DISCONNECT


@pytest.mark.parametrize('transport', ['polling', 'websocket'])
def test_single_transport(our_server: tuple, transport: str) -> None:
    url = our_server[0]

    async def main() -> tuple:
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(url, auth={'token': 'secret'}, transports=[transport])
        try:
            return (client.transport(), await client.call('transport'),
                    await client.call('echo', (transport, b'\x00bin')))
        finally:
            await client.disconnect()

    with no_task_leaks():
        assert asyncio.run(main()) == (transport, transport, (transport, b'\x00bin'))


def test_refusals(our_server: tuple) -> None:
    url = our_server[0]

    async def main() -> Dict[str, Any]:
        out: Dict[str, Any] = {'errors': []}
        client = socketio.AsyncClient(reconnection=False)

        @client.event
        def connect_error(data: Any) -> None:
            out['errors'].append(data)

        with pytest.raises(exceptions.ConnectionError):
            await client.connect(url, auth={'token': 'wrong'})
        assert not client.connected and client.failed_namespaces == ['/']
        with pytest.raises(exceptions.ConnectionError) as info:
            await client.connect(url, auth={'token': 'secret'}, namespaces=['/', '/nope'])
        out['message'] = str(info.value)
        assert not client.connected
        return out

    with no_task_leaks():
        out = asyncio.run(main())
    assert out['errors'][0] == {'message': 'bad token', 'data': {'hint': 'secret'}}
    assert '/nope' in out['message']


# -- against the Node.js socket.io server ---------------------------------------------


def test_against_node_server_with_restart(node_modules: Any) -> None:
    port = free_port()
    url = f'http://127.0.0.1:{port}'

    async def first_part(client: socketio.AsyncClient, got: Dict[str, Any]) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        await client.connect(url, auth=lambda: {'token': 'secret'}, namespaces=['/', '/chat'],
                             wait_timeout=5)
        await until(lambda: got['welcome'])
        out['welcome'] = got['welcome'][-1]['id'] == client.get_sid('/')
        out['echo'] = await client.call('echo', ('é', 1, None, {'a': [1.5]}))
        out['chat'] = await client.call('echo', 'x', namespace='/chat')
        out['describe'] = await client.call('describe', {'inner': [b'\x00']})
        out['bin'] = await client.call('echo', (b'\x01\x02', {'n': [b'\x03']}))
        out['ask'] = await client.call('ask', {'x': 1})
        for i in range(200):
            await client.emit('seq', i)
        out['seq'] = await client.call('seq_check')
        return out

    async def main() -> Dict[str, Any]:
        got: Dict[str, Any] = {'welcome': [], 'disconnect': [], 'connects': 0}
        client = socketio.AsyncClient(reconnection_delay=0.1, reconnection_delay_max=0.3,
                                      randomization_factor=0)

        @client.event
        def connect() -> None:
            got['connects'] += 1

        @client.event
        async def disconnect(reason: str) -> None:
            got['disconnect'].append(reason)

        @client.event
        def welcome(data: dict) -> None:
            got['welcome'].append(data)

        @client.event
        async def question(q: dict) -> dict:
            return {'answer': q['x'] + 1}

        loop = asyncio.get_running_loop()
        with node_process('async_node_server.js', str(port), port=port) as proc:
            out = await first_part(client, got)
            first_pid = proc.pid
        # the server process is gone: the client notices and tries again
        await until(lambda: got['disconnect'], timeout=10)
        assert not client.connected
        with node_process('async_node_server.js', str(port), port=port) as proc:
            await until(lambda: client.connected and len(got['welcome']) == 2, timeout=15)
            assert got['welcome'][-1]['pid'] == proc.pid != first_pid
            out['after_restart'] = await client.call('echo', 'again')
            out['connects'] = got['connects']
            out['namespaces'] = sorted(client.namespaces)
            out['refused'] = await refused_attempt()
            await client.emit('kick_me')
            await asyncio.wait_for(client.wait(), 10)
            out['kicked'] = got['disconnect'][-1]
        out['drop_reason'] = got['disconnect'][0]
        await client.shutdown()
        del loop
        return out

    async def refused_attempt() -> Any:
        other = socketio.AsyncClient(reconnection=False)
        errors: List[Any] = []
        other.on('connect_error', errors.append)
        with pytest.raises(exceptions.ConnectionError):
            await other.connect(url, auth={'token': 'nope'})
        return errors

    with no_task_leaks():
        out = asyncio.run(main())
    assert out['welcome']
    assert out['echo'] == ('é', 1, None, {'a': [1.5]})
    assert out['chat'] == ('chat', 'x')
    assert out['describe'] == {'top': 'object', 'nested': 'buffer'}
    assert out['bin'] == (b'\x01\x02', {'n': [b'\x03']})
    assert out['ask'] == {'answer': 2}
    assert out['seq'] == list(range(200))
    assert out['drop_reason'] == socketio.AsyncClient.reason.TRANSPORT_ERROR
    assert out['after_restart'] == 'again'
    assert out['connects'] == 2
    assert out['namespaces'] == ['/', '/chat']
    assert out['refused'] == [{'message': 'bad token', 'data': {'hint': 'secret'}}]
    assert out['kicked'] == socketio.AsyncClient.reason.SERVER_DISCONNECT
