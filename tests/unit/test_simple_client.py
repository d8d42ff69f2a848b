"""Unit tests for SimpleClient and AsyncSimpleClient with a fake client class.

The fake stands in for Client/AsyncClient through the ``client_class``
attribute, so these tests also prove that a subclass can pick its own client.
"""
from __future__ import annotations

import asyncio
import threading

import pytest

import socketio
from socketio import exceptions


class FakeClient:
    """Records calls; its connect() plays the server's CONNECT reply."""

    instances: list = []
    emit_failures = 0
    call_error = None

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
        self.handlers = {}
        self.calls = []
        FakeClient.instances.append(self)

    def on(self, event, handler=None, namespace=None):
        self.handlers[(event, namespace)] = handler

    def fire(self, event, *args, namespace='/'):
        return self.handlers[(event, namespace)](*args)

    def connect(self, url, **kwargs):
        self.calls.append(('connect', url, kwargs))
        self.fire('connect', namespace=kwargs['namespaces'][0])

    def get_sid(self, namespace=None):
        return 'sid-' + (namespace or '/')

    def transport(self):
        return 'websocket'

    def emit(self, event, data=None, namespace=None):
        self.calls.append(('emit', event, data, namespace))
        if FakeClient.emit_failures:
            FakeClient.emit_failures -= 1
            raise exceptions.BadNamespaceError('/ is not a connected namespace.')

    def call(self, event, data=None, namespace=None, timeout=60):
        self.calls.append(('call', event, data, namespace, timeout))
        if FakeClient.call_error is not None:
            raise FakeClient.call_error
        return ('ack', data)

    def disconnect(self):
        self.calls.append(('disconnect',))
        self.fire('disconnect', 'client disconnect', namespace=self.kwargs_ns())
        self.fire('__disconnect_final', namespace=self.kwargs_ns())

    def kwargs_ns(self):
        return self.calls[0][2]['namespaces'][0]

    def sleep(self, seconds=0):
        return None


class AsyncFakeClient(FakeClient):
    """The same fake, with the coroutine methods of AsyncClient."""

    async def connect(self, url, **kwargs):
        return FakeClient.connect(self, url, **kwargs)

    async def emit(self, event, data=None, namespace=None):
        return FakeClient.emit(self, event, data=data, namespace=namespace)

    async def call(self, event, data=None, namespace=None, timeout=60):
        return FakeClient.call(self, event, data=data, namespace=namespace, timeout=timeout)

    async def disconnect(self):
        return FakeClient.disconnect(self)

    async def sleep(self, seconds=0):
        return None


class FakeSimpleClient(socketio.SimpleClient):
    client_class = FakeClient


class AsyncFakeSimpleClient(socketio.AsyncSimpleClient):
    client_class = AsyncFakeClient


@pytest.fixture(autouse=True)
def reset_fake():
    FakeClient.instances = []
    FakeClient.emit_failures = 0
    FakeClient.call_error = None


def test_defaults_and_client_class():
    assert socketio.SimpleClient.client_class is socketio.Client
    assert socketio.AsyncSimpleClient.client_class is socketio.AsyncClient
    client = socketio.SimpleClient('a', reconnection=False)
    assert client.client_args == ('a',)
    assert client.client_kwargs == {'reconnection': False}
    assert client.client is None and client.connected is False
    assert client.namespace == '/' and client.input_buffer == []
    assert client.sid is None
    assert client.transport == ''
    assert isinstance(client.connected_event, threading.Event)
    assert isinstance(socketio.AsyncSimpleClient().input_event, asyncio.Event)


def test_connect_creates_a_client_and_registers_handlers():
    client = FakeSimpleClient(1, reconnection=False)
    client.connect('http://x', headers={'h': 'v'}, auth={'t': 1}, transports=['websocket'],
                   namespace='/chat', socketio_path='sio', wait_timeout=3)
    fake = FakeClient.instances[0]
    assert fake.args == (1,) and fake.kwargs == {'reconnection': False}
    assert fake.calls[0] == ('connect', 'http://x', {
        'headers': {'h': 'v'}, 'auth': {'t': 1}, 'transports': ['websocket'],
        'namespaces': ['/chat'], 'socketio_path': 'sio', 'wait_timeout': 3})
    assert {key for key in fake.handlers} == {
        ('connect', '/chat'), ('disconnect', '/chat'), ('__disconnect_final', '/chat'),
        ('*', '/chat')}
    assert client.connected and client.connected_event.is_set()
    assert client.sid == 'sid-/chat'
    assert client.transport == 'websocket'
    with pytest.raises(RuntimeError, match='Already connected'):
        client.connect('http://x')


def test_connect_default_arguments():
    client = FakeSimpleClient()
    client.connect('http://x')
    assert FakeClient.instances[0].calls[0][2] == {
        'headers': {}, 'auth': None, 'transports': None, 'namespaces': ['/'],
        'socketio_path': 'socket.io', 'wait_timeout': 5}


def test_connect_error_propagates():
    class Refusing(FakeClient):
        def connect(self, url, **kwargs):
            raise exceptions.ConnectionError('refused')

    class Simple(socketio.SimpleClient):
        client_class = Refusing

    client = Simple()
    with pytest.raises(exceptions.ConnectionError, match='refused'):
        client.connect('http://x')
    assert client.connected is False


def test_emit_and_call():
    client = FakeSimpleClient()
    client.connect('http://x', namespace='/n')
    fake = FakeClient.instances[0]
    assert client.emit('ev', {'a': 1}) is None
    assert fake.calls[-1] == ('emit', 'ev', {'a': 1}, '/n')
    assert client.call('c', 5, timeout=2) == ('ack', 5)
    assert fake.calls[-1] == ('call', 'c', 5, '/n', 2)


def test_emit_retries_after_a_socketio_error():
    client = FakeSimpleClient()
    client.connect('http://x')
    FakeClient.emit_failures = 2
    client.emit('ev')
    assert [c[0] for c in FakeClient.instances[0].calls].count('emit') == 3


def test_call_timeout_propagates():
    client = FakeSimpleClient()
    client.connect('http://x')
    FakeClient.call_error = exceptions.TimeoutError()
    with pytest.raises(exceptions.TimeoutError):
        client.call('c')
    assert [c[0] for c in FakeClient.instances[0].calls].count('call') == 1


def test_emit_and_call_when_disconnected():
    client = FakeSimpleClient()
    client.connected_event.set()  # never connected: waiters go through
    with pytest.raises(exceptions.DisconnectedError):
        client.emit('ev')
    with pytest.raises(exceptions.DisconnectedError):
        client.call('ev')


def test_receive_buffer_timeout_and_disconnect():
    client = FakeSimpleClient()
    client.connect('http://x')
    fake = FakeClient.instances[0]
    fake.fire('*', 'one', 1)
    fake.fire('*', 'two', 'a', b'b')
    assert client.receive() == ['one', 1]
    assert client.receive(timeout=0) == ['two', 'a', b'b']
    with pytest.raises(exceptions.TimeoutError):
        client.receive(timeout=0.01)
    # an event arriving while receive() waits
    timer = threading.Timer(0.05, fake.fire, ('*', 'late'))
    timer.start()
    assert client.receive(timeout=5) == ['late']
    timer.join()
    # the connection ends while receive() waits
    timer = threading.Timer(0.05, fake.fire, ('__disconnect_final',))
    timer.start()
    with pytest.raises(exceptions.DisconnectedError):
        client.receive(timeout=5)
    timer.join()
    assert client.connected is False


def test_reconnection_blocks_callers_until_reconnected():
    client = FakeSimpleClient()
    client.connect('http://x')
    fake = FakeClient.instances[0]
    fake.fire('disconnect', 'transport error')
    assert not client.connected_event.is_set() and client.connected
    with pytest.raises(exceptions.TimeoutError):
        client.receive(timeout=0.01)
    timer = threading.Timer(0.05, fake.fire, ('connect',))
    timer.start()
    client.emit('after')
    timer.join()
    assert fake.calls[-1] == ('emit', 'after', None, '/')


def test_disconnect_and_context_manager():
    with FakeSimpleClient() as client:
        client.connect('http://x')
        fake = FakeClient.instances[0]
    assert fake.calls[-1] == ('disconnect',)
    assert client.client is None and client.connected is False
    client.disconnect()  # not connected: nothing happens
    assert fake.calls.count(('disconnect',)) == 1


def test_async_simple_client():
    async def main():
        async with AsyncFakeSimpleClient('x', logger=True) as client:
            await client.connect('http://x', namespace='/a', auth={'k': 1})
            fake = FakeClient.instances[0]
            assert fake.args == ('x',) and fake.kwargs == {'logger': True}
            assert fake.calls[0][2]['namespaces'] == ['/a']
            assert client.connected and client.sid == 'sid-/a'
            assert client.transport == 'websocket'
            with pytest.raises(RuntimeError):
                await client.connect('http://x')
            await client.emit('e', 1)
            assert fake.calls[-1] == ('emit', 'e', 1, '/a')
            assert await client.call('c', 2) == ('ack', 2)
            FakeClient.call_error = exceptions.TimeoutError()
            with pytest.raises(exceptions.TimeoutError):
                await client.call('c')
            with pytest.raises(exceptions.TimeoutError):
                await client.receive(timeout=0.01)
            asyncio.get_running_loop().call_later(
                0.02, lambda: fake.fire('*', 'ev', 'x', namespace='/a'))
            assert await client.receive(timeout=5) == ['ev', 'x']
        assert fake.calls[-1] == ('disconnect',)
        assert client.client is None and not client.connected
        with pytest.raises(exceptions.DisconnectedError):
            await client.emit('late')

    asyncio.run(asyncio.wait_for(main(), 10))
