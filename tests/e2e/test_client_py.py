"""socketio.Client end to end against our socketio.Server on 127.0.0.1.

The server (tests/e2e/servers/client_server.py) speaks the same test protocol
as the official Node.js server of tests/js/client_node_server.js, so the
scenario tests written here (the ``test_scenario_*`` functions, which take a
``url`` fixture) are imported and run again against Node by
test_client_node_server.py. Tests about one server only are named otherwise.
"""
from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional

import pytest
from conftest import free_port
from support import python_process, wsgi_server

import socketio
from socketio import exceptions

pytestmark = pytest.mark.e2e

SERVER_SCRIPT = 'tests/e2e/servers/client_server.py'
AUTH = {'token': 'secret'}
NESTED = {'a': b'\x00\x01', 'b': [b'x', {'c': b'y', 'n': None}], 'u': 'h\u00e9\u00e9\u2603',
          'f': 1.5, 'i': -7, 't': True, 'e': [], 'o': {}}
NESTED_DESCRIBED = {'a': {'$bin': '0001'}, 'b': [{'$bin': '78'}, {'c': {'$bin': '79'}, 'n': None}],
                    'u': 'h\u00e9\u00e9\u2603', 'f': 1.5, 'i': -7, 't': True, 'e': [], 'o': {}}


def load_server_module() -> Any:
    path = Path(__file__).resolve().parent / 'servers' / 'client_server.py'
    spec = importlib.util.spec_from_file_location('client_server', path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def until(predicate: Callable[[], Any], timeout: float = 5.0, what: str = 'condition') -> Any:
    """Poll ``predicate`` until it is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        assert time.monotonic() < deadline, f'{what} not met within {timeout}s'
        time.sleep(0.01)


class Recorder:
    """Thread-safe list of what handlers received."""

    def __init__(self) -> None:
        self.items: List[Any] = []
        self.lock = threading.Lock()

    def add(self, *item: Any) -> None:
        with self.lock:
            self.items.append(item)

    def handler(self, name: str) -> Callable[..., None]:
        return lambda *args: self.add(name, *args)

    def named(self, name: str) -> List[Any]:
        with self.lock:
            return [item[1:] for item in self.items if item[0] == name]

    def wait(self, name: str, count: int = 1, timeout: float = 5.0) -> List[Any]:
        return until(lambda: len(self.named(name)) >= count and self.named(name),
                     timeout, f'{count} x {name!r}')


def make_client(rec: Optional[Recorder] = None, **kwargs: Any) -> socketio.Client:
    kwargs.setdefault('reconnection', False)
    c = socketio.Client(**kwargs)
    if rec is not None:
        for ns in ('/', '/chat'):
            record_handlers(c, rec, ns)
    return c


def record_handlers(c: socketio.Client, rec: Recorder, ns: str) -> None:
    """Record connect, disconnect (with reason) and connect_error for ``ns``."""
    c.on('connect', lambda: rec.add('connect', ns), namespace=ns)
    c.on('disconnect', lambda reason: rec.add('disconnect', ns, reason), namespace=ns)
    c.on('connect_error', lambda *args: rec.add('connect_error', ns, *args), namespace=ns)


@contextlib.contextmanager
def connected(url: str, rec: Optional[Recorder] = None, namespaces: Any = ('/', '/chat'),
              auth: Any = AUTH, **kwargs: Any) -> Iterator[socketio.Client]:
    connect_kwargs = {k: kwargs.pop(k) for k in ('transports', 'wait_timeout') if k in kwargs}
    c = make_client(rec, **kwargs)
    c.connect(url, auth=auth, namespaces=list(namespaces), **connect_kwargs)
    try:
        yield c
    finally:
        c.disconnect()


@pytest.fixture(scope='module')
def py_server() -> Iterator[Any]:
    sio = load_server_module().build_server()
    with wsgi_server(socketio.WSGIApp(sio)) as url:
        sio.url = url
        yield sio


@pytest.fixture
def url(py_server: Any) -> str:
    return py_server.url


# -- scenarios (also run against Node by test_client_node_server.py) ---------------------

def test_scenario_connect_namespaces_with_auth(url: str) -> None:
    rec = Recorder()
    with connected(url, rec) as c:
        assert c.connected is True
        assert sorted(c.namespaces) == ['/', '/chat']
        assert sorted(ns for (ns,) in rec.named('connect')) == ['/', '/chat']
        assert c.sid and c.sid == c.eio.sid
        root = c.call('whoami', timeout=5)
        chat = c.call('whoami', namespace='/chat', timeout=5)
        assert root['nsp'] == '/' and chat['nsp'] == '/chat'
        assert root['id'] == c.get_sid() == c.get_sid('/')
        assert chat['id'] == c.get_sid('/chat')
        assert root['id'] != chat['id']
        assert chat['auth'] == AUTH
        assert c.get_sid('/other') is None
        assert c.transport() in ('polling', 'websocket')


def test_scenario_connect_with_callable_auth_and_url(url: str) -> None:
    calls = []

    def auth() -> Any:
        calls.append(1)
        return {'token': 'secret', 'n': len(calls)}

    c = make_client()
    c.connect(lambda: url, auth=auth, namespaces=['/chat'])
    try:
        assert c.call('whoami', namespace='/chat', timeout=5)['auth'] == {'token': 'secret',
                                                                          'n': 1}
    finally:
        c.disconnect()


def test_scenario_root_only_default_namespaces(url: str) -> None:
    c = make_client()
    c.connect(url)
    try:
        assert list(c.namespaces) == ['/']
        assert c.call('whoami', timeout=5)['auth'] == {}
    finally:
        c.disconnect()


def test_scenario_data_types_client_to_server(url: str) -> None:
    with connected(url) as c:
        values = ('text', 42, -1.25, True, False, None, [1, [2, [3]]], {'k': {'l': 'm'}},
                  b'\x00\xff', NESTED)
        assert c.call('echo', values, timeout=5) == values
        assert c.call('echo', [1, 'two'], timeout=5) == [1, 'two']
        assert c.call('echo', b'', namespace='/chat', timeout=5) == b''
        assert c.call('describe', (NESTED, b'top'), namespace='/chat', timeout=5) == \
            [NESTED_DESCRIBED, {'$bin': '746f70'}]
        assert c.call('echo', timeout=5) is None


def test_scenario_data_types_server_to_client(url: str) -> None:
    rec = Recorder()
    with connected(url) as c:
        c.on('pushed', rec.handler('pushed'))
        c.on('binary', rec.handler('binary'))
        c.on('pushed', rec.handler('chat pushed'), namespace='/chat')
        c.emit('push', ('pushed', NESTED, 'two', 3))
        c.emit('push', ('pushed',))
        c.emit('push', ('pushed', b'\x01\x02'), namespace='/chat')
        c.emit('push_binary')
        got = rec.wait('pushed', 2)
        assert (NESTED, 'two', 3) in got and () in got
        assert rec.wait('chat pushed') == [(b'\x01\x02',)]
        assert rec.wait('binary') == [({'top': bytes([0, 1, 2, 255]),
                                        'list': [b'xy', {'deep': b'z'}]}, 'text', 42)]


def test_scenario_many_binary_events_keep_their_attachments(url: str) -> None:
    rec = Recorder()
    with connected(url) as c:
        c.on('bin', rec.handler('bin'))
        for i in range(40):
            c.emit('push', ('bin', i, bytes([i]) * (i + 1), [bytes([i, i])]))
        got = rec.wait('bin', 40, timeout=10)
        assert sorted(got) == [(i, bytes([i]) * (i + 1), [bytes([i, i])]) for i in range(40)]


def test_scenario_acks_both_ways(url: str) -> None:
    rec = Recorder()
    with connected(url) as c:
        # client -> server with a callback, several ack arguments
        c.emit('echo', ('a', b'b', {'c': 1}), callback=rec.handler('ack'))
        c.emit('echo', callback=rec.handler('empty ack'), namespace='/chat')
        assert rec.wait('ack') == [('a', b'b', {'c': 1})]
        assert rec.wait('empty ack') == [()]
        # server -> client: the client handler's return value is the ack
        c.on('question', lambda x, y: {'sum': x + y, 'bin': b'\x07'})
        c.on('question', lambda: 'from chat', namespace='/chat')
        assert c.call('ask', ('question', 2, 3), timeout=10) == \
            {'answer': {'sum': 5, 'bin': b'\x07'}}
        assert c.call('ask', ('question',), namespace='/chat', timeout=10) == \
            {'answer': 'from chat'}


def test_scenario_call_from_inside_a_handler(url: str) -> None:
    rec = Recorder()
    with connected(url) as c:
        def on_poke(value: Any) -> None:
            rec.add('result', c.call('echo', value, timeout=5))

        c.on('poke', on_poke)
        c.emit('push', ('poke', 'hello'))
        assert rec.wait('result') == [('hello',)]


def test_scenario_server_calls_client_without_handler_gets_an_empty_answer(url: str) -> None:
    # the client acknowledges events it has no handler for, without arguments
    with connected(url) as c:
        result = c.call('ask_briefly', ('nobody_handles_this',), timeout=10)
        assert result == {'answer': None}


def test_scenario_call_timeout(url: str) -> None:
    with connected(url) as c:
        start = time.monotonic()
        with pytest.raises(exceptions.TimeoutError):
            c.call('silent', timeout=0.3)
        assert 0.25 < time.monotonic() - start < 3
        assert c.call('echo', 'still works', timeout=5) == 'still works'


def test_scenario_bad_namespace(url: str) -> None:
    with connected(url, namespaces=['/']) as c:
        with pytest.raises(exceptions.BadNamespaceError,
                           match='/chat is not a connected namespace.'):
            c.emit('echo', namespace='/chat')
        with pytest.raises(exceptions.BadNamespaceError):
            c.call('echo', namespace='/chat', timeout=1)
        with pytest.raises(exceptions.BadNamespaceError):
            c.send('x', namespace='/nope')


def test_scenario_send(url: str) -> None:
    rec = Recorder()
    with connected(url) as c:
        c.on('message', rec.handler('message'))
        c.send('hello', callback=rec.handler('ack'))  # no handler for 'message' on the server
        c.emit('push', ('message', 'from server'))
        assert rec.wait('message') == [('from server',)]
        assert rec.named('ack') == []


def test_scenario_server_disconnects_namespace(url: str) -> None:
    rec = Recorder()
    with connected(url, rec) as c:
        c.emit('kick', namespace='/chat')
        assert rec.wait('disconnect') == [('/chat', 'server disconnect')]
        assert list(c.namespaces) == ['/']
        assert c.connected is True
        assert c.call('echo', 1, timeout=5) == 1


def test_scenario_server_disconnects_client(url: str) -> None:
    rec = Recorder()
    c = make_client(rec, reconnection=True, reconnection_delay=0.1, randomization_factor=0)
    c.connect(url, namespaces=['/'])
    try:
        waiter = threading.Thread(target=c.wait)
        waiter.start()
        c.emit('kick')
        assert rec.wait('disconnect') == [('/', 'server disconnect')]
        until(lambda: c.eio.state == 'disconnected', what='engine.io closed')
        assert c.connected is False and c.namespaces == {}
        waiter.join(15)  # wait() returns: a server disconnect is not followed by reconnection
        assert not waiter.is_alive()
        assert c._reconnect_task is None
        assert rec.named('connect') == [('/',)]
    finally:
        c.disconnect()


def test_scenario_wait_returns_after_client_disconnect(url: str) -> None:
    c = make_client()
    c.connect(url)
    waiter = threading.Thread(target=c.wait)
    waiter.start()
    c.disconnect()
    waiter.join(5)
    assert not waiter.is_alive()


def test_scenario_client_disconnect_fires_own_handlers(url: str) -> None:
    rec = Recorder()
    c = make_client(rec)
    final = Recorder()
    c.on('__disconnect_final', final.handler('final'))
    c.connect(url, auth=AUTH, namespaces=['/', '/chat'])
    c.disconnect()
    assert sorted(rec.named('disconnect')) == [('/', 'client disconnect'),
                                               ('/chat', 'client disconnect')]
    assert final.named('final') == [()]
    assert c.connected is False and c.namespaces == {} and c.sid is None
    assert c.eio.state == 'disconnected'
    c.disconnect()  # a second call is harmless
    assert len(rec.named('disconnect')) == 2


def test_scenario_refused_namespace_with_data(url: str) -> None:
    errors = Recorder()
    c = make_client(reconnection=True)
    c.on('connect_error', errors.handler('private'), namespace='/private')
    with pytest.raises(exceptions.ConnectionError) as info:
        c.connect(url, namespaces=['/', '/private'])
    assert '/private' in str(info.value)
    assert '/,' not in str(info.value)
    assert errors.named('private') == [({'message': 'private',
                                         'data': {'code': 403, 'why': 'private'}},)]
    assert c.failed_namespaces == ['/private']
    assert c.connected is False
    until(lambda: c.eio.state == 'disconnected', what='engine.io closed')
    assert c._reconnect_task is None  # a refused connection is not retried


def test_scenario_refused_auth(url: str) -> None:
    rec = Recorder()
    c = make_client(rec)
    with pytest.raises(exceptions.ConnectionError, match='/chat'):
        c.connect(url, auth={'token': 'wrong'}, namespaces=['/chat'])
    assert rec.named('connect_error') == [
        ('/chat', {'message': 'not authorized', 'data': {'code': 403, 'token': 'wrong'}})]
    c2 = make_client(rec)
    with pytest.raises(exceptions.ConnectionError) as info:
        c2.connect(url, auth={'refuse': True}, namespaces=['/', '/chat'])
    assert str(info.value).startswith('One or more namespaces failed to connect: /')
    assert ('/', {'message': 'refused by /', 'data': {'code': 401, 'nsp': '/'}}) in \
        rec.named('connect_error')
    assert c2.connected is False


@pytest.mark.parametrize('transport', ['polling', 'websocket'])
def test_scenario_single_transport(url: str, transport: str) -> None:
    rec = Recorder()
    with connected(url, transports=[transport]) as c:
        c.on('binary', rec.handler('binary'))
        assert c.transport() == transport
        assert c.call('whoami', namespace='/chat', timeout=5)['transport'] == transport
        assert c.call('echo', (b'\x00', NESTED), timeout=5) == (b'\x00', NESTED)
        c.emit('push_binary')
        assert rec.wait('binary')[0][2] == 42
        assert c.transport() == transport


def test_scenario_upgrade_to_websocket(url: str) -> None:
    with connected(url) as c:
        until(lambda: c.transport() == 'websocket', what='upgrade')
        until(lambda: c.call('whoami', timeout=5)['transport'] == 'websocket',
              what='server side upgrade')


def test_scenario_class_namespace(url: str) -> None:
    rec = Recorder()

    class Chat(socketio.ClientNamespace):
        def on_connect(self) -> None:
            rec.add('connect')

        def on_disconnect(self, reason: str) -> None:
            rec.add('disconnect', reason)

        def on_pushed(self, *args: Any) -> None:
            rec.add('pushed', *args)

        def on_question(self, value: Any) -> Any:
            return value * 2

    class Root(socketio.ClientNamespace):
        def on_disconnect(self) -> None:  # old style, no reason
            rec.add('root disconnect')

    c = make_client()
    chat = Chat('/chat')
    c.register_namespace(chat)
    c.register_namespace(Root('/'))
    c.connect(url, auth=AUTH)  # namespaces come from the registered classes
    try:
        assert sorted(c.namespaces) == ['/', '/chat']
        assert rec.wait('connect') == [()]
        chat.emit('push', ('pushed', b'\x01', 'x'))
        assert rec.wait('pushed') == [(b'\x01', 'x')]
        assert chat.call('echo', 'via namespace', timeout=5) == 'via namespace'
        assert chat.call('ask', ('question', 21), timeout=10) == {'answer': 42}
        chat.send('ignored')
    finally:
        chat.disconnect()
    assert rec.named('disconnect') == [('client disconnect',)]
    assert rec.named('root disconnect') == [()]


def test_scenario_catch_all_handlers(url: str) -> None:
    rec = Recorder()
    c = make_client()
    c.on('*', rec.handler('any event'))
    c.on('*', rec.handler('any namespace'), namespace='*')
    c.on('connect', rec.handler('connect'))
    c.connect(url, auth=AUTH, namespaces=['/', '/chat'])
    try:
        assert c.connection_namespaces == ['/', '/chat']
        c.emit('push', ('something', 1, b'2'))
        c.emit('push', ('other', 'x'), namespace='/chat')
        assert rec.wait('any event') == [('something', 1, b'2')]
        assert rec.wait('any namespace') == [('other', '/chat', 'x')]
        assert rec.named('connect') == [()]
    finally:
        c.disconnect()


def test_scenario_reconnect_after_connect_error_is_possible(url: str) -> None:
    c = make_client()
    with pytest.raises(exceptions.ConnectionError):
        c.connect(url, auth={'token': 'bad'}, namespaces=['/chat'])
    c.connect(url, auth=AUTH, namespaces=['/chat'])
    try:
        assert c.call('echo', 'again', namespace='/chat', timeout=5) == 'again'
        with pytest.raises(exceptions.ConnectionError, match='Already connected'):
            c.connect(url)
    finally:
        c.disconnect()


# -- Python server only ------------------------------------------------------------------

def test_server_sees_disconnect_reasons(py_server: Any) -> None:
    del py_server.reasons[:]
    with connected(py_server.url):
        pass
    until(lambda: len(py_server.reasons) == 2, what='server disconnect handlers')
    assert sorted(py_server.reasons) == [['/', 'client disconnect'],
                                         ['/chat', 'client disconnect']]


def test_unknown_namespace_is_refused(url: str) -> None:
    errors = Recorder()
    c = make_client()
    c.on('connect_error', errors.handler('nope'), namespace='/nope')
    with pytest.raises(exceptions.ConnectionError, match='/nope'):
        c.connect(url, namespaces=['/nope'])
    assert errors.named('nope') == [('Unable to connect',)] or \
        errors.named('nope') == [({'message': 'Unable to connect'},)]


@pytest.mark.parametrize('transports', [None, ['websocket']])
def test_nothing_listening(transports: Any) -> None:
    port = free_port()
    errors = Recorder()
    c = make_client()
    c.on('connect_error', errors.handler('error'))
    with pytest.raises(exceptions.ConnectionError) as info:
        c.connect(f'http://127.0.0.1:{port}', transports=transports)
    assert 'refused' in str(info.value).lower()  # the message names the cause
    assert len(errors.named('error')) == 1
    assert c.connected is False
    assert c.eio.state == 'disconnected'


def test_wait_timeout_when_server_never_answers_namespace() -> None:
    # an engine.io server that never answers Socket.IO CONNECT packets
    import engineio
    eio = engineio.Server(async_mode='threading')
    with wsgi_server(engineio.WSGIApp(eio, engineio_path='socket.io')) as url:
        c = make_client()
        start = time.monotonic()
        with pytest.raises(exceptions.ConnectionError, match='^Unexpected connection error$'):
            c.connect(url, wait_timeout=0.3)
        assert time.monotonic() - start < 3
        assert c.connected is False


# -- reconnection against a server process -----------------------------------------------

def stop(proc: Any) -> None:
    os.kill(proc.pid, signal.SIGTERM)
    proc.wait(10)


def thread_baseline() -> set:
    return set(threading.enumerate())


def assert_no_new_threads(baseline: set, timeout: float = 5.0) -> None:
    def new_threads() -> List[threading.Thread]:
        return [t for t in threading.enumerate() if t not in baseline and t.is_alive()]

    deadline = time.monotonic() + timeout
    while new_threads() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not new_threads(), f'threads left running: {new_threads()}'


def reconnection_scenario(start_server: Callable[[int], Any]) -> None:
    """Stop the server process, start it again on the same port: the client
    reconnects every namespace by itself. Then stop it again and call
    ``disconnect()`` during the reconnection loop: it stops for good."""
    baseline = thread_baseline()
    port = free_port()
    url = f'http://127.0.0.1:{port}'
    rec = Recorder()
    c = make_client(rec, reconnection=True, reconnection_delay=0.1,
                    reconnection_delay_max=0.5, randomization_factor=0)
    auth_calls = []

    def auth() -> Any:
        auth_calls.append(1)
        return AUTH

    with start_server(port) as proc:
        c.connect(url, auth=auth, namespaces=['/', '/chat'])
        first = (c.get_sid('/'), c.get_sid('/chat'))
        assert c.call('whoami', namespace='/chat', timeout=5)['id'] == first[1]
        stop(proc)
        until(lambda: len(rec.named('disconnect')) == 2, what='disconnect handlers')
        assert {r for (_, r) in rec.named('disconnect')} <= {'transport error',
                                                             'transport close'}
        assert c.connected is False
    until(lambda: c._reconnecting, what='reconnection loop')
    with start_server(port):
        until(lambda: len(rec.named('connect')) == 4, timeout=15, what='reconnection')
        until(lambda: sorted(c.namespaces) == ['/', '/chat'], what='namespaces')
        assert sorted(ns for (ns,) in rec.named('connect')) == ['/', '/', '/chat', '/chat']
        assert len(auth_calls) >= 2  # the callable auth is evaluated again
        second = (c.get_sid('/'), c.get_sid('/chat'))
        assert None not in second and second != first
        assert c.call('whoami', namespace='/chat', timeout=5)['auth'] == AUTH
        assert c.call('echo', b'back', timeout=5) == b'back'
        proc2_connected_at = len(rec.named('connect'))
    # the server is gone again: disconnect() during the reconnection loop ends it
    until(lambda: c._reconnecting, what='second reconnection loop')
    c.disconnect()
    assert_no_new_threads(baseline)
    assert c._reconnecting is False
    with start_server(port):
        time.sleep(0.5)  # several reconnection delays: nothing may reconnect now
        assert len(rec.named('connect')) == proc2_connected_at
        assert c.connected is False


def py_server_process(port: int) -> Any:
    return python_process(SERVER_SCRIPT, str(port), port=port)


def test_reconnection_after_server_restart() -> None:
    reconnection_scenario(py_server_process)
