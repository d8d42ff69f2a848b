"""Unit tests of :class:`socketio.AsyncClient` with a mocked Engine.IO client.

They follow ``asyncio.md`` section 8.3, with the later 5.x behaviour chosen by
the contract's decision table: ``connect()`` waits for its namespaces (these
bookkeeping tests pass ``wait=False`` unless they test the waiting),
CONNECT packets carry ``{}`` or the auth data, ``connect_error`` receives
the ``{"message": ...}`` dict, and disconnect handlers receive a reason.
"""
import asyncio
from unittest import mock
from unittest.mock import AsyncMock, MagicMock

import engineio
import pytest

import socketio
from socketio import exceptions, packet


@pytest.fixture
def run():
    """Run coroutines on a fresh event loop, closed at the end of the test."""
    loop = asyncio.new_event_loop()
    yield loop.run_until_complete
    loop.close()


def sent_packets(c):
    """Encoded form of the packets handed to ``_send_packet``."""
    return [call.args[0].encode() for call in c._send_packet.await_args_list]


def make_client(**kwargs):
    c = socketio.AsyncClient(handle_sigint=False, **kwargs)
    c._send_packet = AsyncMock()
    return c


def test_basics():
    c = socketio.AsyncClient(handle_sigint=False)
    assert c.is_asyncio_based()
    assert isinstance(c.eio, engineio.AsyncClient)
    assert c._engineio_client_class() is engineio.AsyncClient
    from socketio import async_client, asyncio_client
    assert asyncio_client.AsyncClient is async_client.AsyncClient is socketio.AsyncClient
    assert c.reason.CLIENT_DISCONNECT == 'client disconnect'


# -- connect ---------------------------------------------------------------------------------


def test_connect(run):
    c = make_client()
    c.eio.connect = AsyncMock()
    run(c.connect('url', headers='headers', auth='auth', transports='transports',
                  namespaces=['/foo', '/', '/bar'], socketio_path='path', wait=False))
    assert c.connection_url == 'url'
    assert c.connection_headers == 'headers'
    assert c.connection_auth == 'auth'
    assert c.connection_transports == 'transports'
    assert c.connection_namespaces == ['/foo', '/', '/bar']
    assert c.socketio_path == 'path'
    assert c.connected
    c.eio.connect.assert_awaited_once_with('url', headers='headers', transports='transports',
                                           engineio_path='path')
    with pytest.raises(exceptions.ConnectionError, match='Already connected'):
        run(c.connect('url', wait=False))


def test_connect_namespaces_and_callables(run):
    c = make_client()
    c.eio.connect = AsyncMock()
    run(c.connect(lambda: 'real url', headers=lambda: {'h': 'v'}, namespaces='/foo',
                  wait=False))
    assert c.connection_namespaces == ['/foo']
    c.eio.connect.assert_awaited_once_with('real url', headers={'h': 'v'}, transports=None,
                                           engineio_path='socket.io')
    c = make_client()
    c.eio.connect = AsyncMock()
    c.on('foo', MagicMock(), namespace='/foo')
    c.on('bar', MagicMock())
    run(c.connect('url', wait=False))
    assert sorted(c.connection_namespaces) == ['/', '/foo']
    c = make_client()
    c.eio.connect = AsyncMock()
    run(c.connect('url', wait=False))
    assert c.connection_namespaces == ['/']


def test_connect_error(run):
    c = make_client()
    c.eio.connect = AsyncMock(side_effect=engineio.exceptions.ConnectionError('foo', 'detail'))
    errors = []
    c.on('connect_error', AsyncMock(side_effect=errors.append))
    c.on('connect_error', errors.append, namespace='/bar')
    with pytest.raises(exceptions.ConnectionError):
        run(c.connect('url', namespaces=['/', '/bar']))
    assert errors == ['detail', 'detail']
    assert not c.connected


def test_connect_waits_for_namespaces(run):
    c = make_client()

    async def server_answers(*args, **kwargs):
        c.eio.state = 'connected'
        await c._handle_eio_message('0{"sid":"s1"}')
        await c._handle_eio_message('0/foo,{"sid":"s2"}')

    c.eio.connect = AsyncMock(side_effect=server_answers)
    connected = AsyncMock()
    c.on('connect', connected, namespace='/foo')
    run(c.connect('url', namespaces=['/', '/foo']))
    assert c.namespaces == {'/': 's1', '/foo': 's2'}
    assert c.get_sid() == 's1' and c.get_sid('/foo') == 's2'
    connected.assert_awaited_once_with()


def test_connect_fails_when_a_namespace_is_refused(run):
    c = make_client()

    async def server_answers(*args, **kwargs):
        await c._handle_eio_message('0{"sid":"s1"}')
        await c._handle_eio_message('4/foo,{"message":"nope","data":1}')

    c.eio.connect = AsyncMock(side_effect=server_answers)
    c.eio.disconnect = AsyncMock()
    errors = []
    c.on('connect_error', errors.append, namespace='/foo')
    with pytest.raises(exceptions.ConnectionError, match='/foo'):
        run(c.connect('url', namespaces=['/', '/foo']))
    assert errors == [{'message': 'nope', 'data': 1}]
    assert c.failed_namespaces == ['/foo']
    assert not c.connected


def test_connect_times_out_waiting_for_namespaces(run):
    c = make_client()
    c.eio.connect = AsyncMock()
    c.eio.disconnect = AsyncMock()
    with pytest.raises(exceptions.ConnectionError):
        run(c.connect('url', wait_timeout=0.05))
    assert not c.connected


# -- wait ---------------------------------------------------------------------------------------


def test_wait_no_reconnect(run):
    c = make_client()
    c.eio.wait = AsyncMock()
    c.sleep = AsyncMock()
    c._reconnect_task = None
    run(c.wait())
    c.eio.wait.assert_awaited_once_with()
    c.sleep.assert_awaited_once_with(1)


def test_wait_reconnect_failed(run):
    c = make_client()
    c.eio.wait = AsyncMock()
    c.sleep = AsyncMock()
    states = ['disconnected']

    async def fake_reconnect():
        c.eio.state = states.pop(0)

    c._reconnect_task = fake_reconnect()
    run(c.wait())
    c.eio.wait.assert_awaited_once_with()
    c.sleep.assert_awaited_once_with(1)


def test_wait_reconnect_successful(run):
    c = make_client()
    c.eio.wait = AsyncMock()
    c.sleep = AsyncMock()
    states = ['connected', 'disconnected']

    async def fake_reconnect():
        c.eio.state = states.pop(0)
        c._reconnect_task = fake_reconnect()

    c._reconnect_task = fake_reconnect()
    run(c.wait())
    assert c.eio.wait.await_count == 2
    assert c.sleep.await_count == 2
    c._reconnect_task.close()


# -- emit, send, call ---------------------------------------------------------------------------


@pytest.mark.parametrize('args, data', [
    ((), ['foo']), (('bar',), ['foo', 'bar']), ((['bar', 'baz'],), ['foo', ['bar', 'baz']]),
    ((('bar', 'baz'),), ['foo', 'bar', 'baz']), ((b'bar',), ['foo', b'bar']),
])
def test_emit(run, args, data):
    c = make_client()
    c.namespaces = {'/': '1'}
    run(c.emit('foo', *args))
    assert sent_packets(c) == [packet.Packet(packet.EVENT, data=data).encode()]


def test_emit_namespace_and_unknown_namespace(run):
    c = make_client()
    c.namespaces = {'/foo': '1'}
    run(c.emit('foo', namespace='/foo'))
    assert sent_packets(c) == ['2/foo,["foo"]']
    with pytest.raises(exceptions.BadNamespaceError):
        run(c.emit('foo', namespace='/bar'))


@pytest.mark.parametrize('ns, wire', [('/', '2123["foo"]'), ('/foo', '2/foo,123["foo"]')])
def test_emit_with_callback(run, ns, wire):
    c = make_client()
    c.namespaces = {ns: '1'}
    c._generate_ack_id = MagicMock(return_value=123)
    run(c.emit('foo', namespace=ns, callback='cb'))
    assert sent_packets(c) == [wire]
    c._generate_ack_id.assert_called_once_with(ns, 'cb')


def test_send(run):
    c = make_client()
    c.emit = AsyncMock()
    run(c.send('data', 'namespace', 'callback'))
    c.emit.assert_awaited_once_with('message', data='data', namespace='namespace',
                                    callback='callback')
    run(c.send('data'))
    c.emit.assert_awaited_with('message', data='data', namespace=None, callback=None)


def test_call(run):
    c = make_client()
    c.namespaces = {'/': '1'}
    c.eio = MagicMock()

    async def fake_wait():
        c.callbacks['/'][1]('foo', 321)

    c.eio.create_event.return_value.wait = fake_wait
    assert run(c.call('foo')) == ('foo', 321)
    assert sent_packets(c) == ['21["foo"]']


def test_call_with_timeout(run):
    c = make_client()
    c.namespaces = {'/': '1'}
    c.eio = MagicMock()

    async def never():
        await asyncio.sleep(5)

    c.eio.create_event.return_value.wait = never
    with pytest.raises(exceptions.TimeoutError):
        run(c.call('foo', timeout=0.01))
    assert len(sent_packets(c)) == 1


# -- disconnect ---------------------------------------------------------------------------------


def test_disconnect(run):
    c = make_client()
    c.eio = MagicMock()
    c.eio.disconnect = AsyncMock()
    reasons = []
    c.on('disconnect', AsyncMock(side_effect=reasons.append))
    c.connected = True
    c.namespaces = {'/': '1'}
    run(c.disconnect())
    assert sent_packets(c) == ['1']
    c.eio.disconnect.assert_awaited_once_with()
    assert reasons == [c.reason.CLIENT_DISCONNECT]  # later 5.x: own handler runs
    assert not c.connected


def test_disconnect_namespaces(run):
    c = make_client()
    c.eio = MagicMock()
    c.eio.disconnect = AsyncMock()
    c.namespaces = {'/foo': '1', '/bar': '2'}
    run(c.disconnect())
    assert sent_packets(c) == ['1/foo,', '1/bar,']


def test_start_background_task_and_sleep(run):
    c = make_client()
    c.eio.start_background_task = MagicMock(return_value='foo')
    assert c.start_background_task('foo', 'bar', baz='baz') == 'foo'
    c.eio.start_background_task.assert_called_once_with('foo', 'bar', baz='baz')
    c.eio.sleep = AsyncMock()
    run(c.sleep(1.23))
    c.eio.sleep.assert_awaited_once_with(1.23)


def test_send_packet(run):
    c = socketio.AsyncClient(handle_sigint=False)
    c.eio.send = AsyncMock()
    run(c._send_packet(packet.Packet(packet.EVENT, 'foo')))
    c.eio.send.assert_awaited_once_with('2"foo"')
    c.eio.send.reset_mock()
    run(c._send_packet(packet.Packet(packet.EVENT, b'foo')))
    assert c.eio.send.await_count == 2
    assert c.eio.send.await_args_list[1].args == (b'foo',)


# -- incoming packets -----------------------------------------------------------------------------


def test_handle_connect(run):
    c = make_client()
    handler = AsyncMock()
    c.on('connect', handler)
    run(c._handle_connect('/', {'sid': '123'}))
    assert c.namespaces == {'/': '123'}
    handler.assert_awaited_once_with()
    run(c._handle_connect('/', {'sid': '456'}))  # repeated: ignored
    assert handler.await_count == 1 and c.namespaces == {'/': '123'}
    c.on('connect', handler, namespace='/foo')
    run(c._handle_connect('/foo', {'sid': '3'}))
    assert c.namespaces == {'/': '123', '/foo': '3'}


def test_handle_disconnect(run):
    c = make_client()
    c.eio.disconnect = AsyncMock()
    handler = MagicMock()
    c.on('disconnect', handler)
    c.connected = True
    c.namespaces = {'/': '1'}
    run(c._handle_disconnect('/'))
    handler.assert_called_once_with(c.reason.SERVER_DISCONNECT)
    assert not c.connected
    c.eio.disconnect.assert_awaited_once_with(abort=True)
    run(c._handle_disconnect('/'))
    assert handler.call_count == 1


def test_handle_disconnect_namespaces(run):
    c = make_client()
    c.eio.disconnect = AsyncMock()
    handler = AsyncMock()
    c.on('disconnect', handler, namespace='/foo')
    c.connected = True
    c.namespaces = {'/foo': '1', '/bar': '2'}
    run(c._handle_disconnect('/foo'))
    handler.assert_awaited_once_with(c.reason.SERVER_DISCONNECT)
    assert c.namespaces == {'/bar': '2'} and c.connected
    c.eio.disconnect.assert_not_awaited()


def test_handle_disconnect_handler_without_reason(run):
    c = make_client()
    c.eio.disconnect = AsyncMock()
    called = []

    async def on_disconnect():
        called.append(True)

    c.on('disconnect', on_disconnect)
    c.connected = True
    c.namespaces = {'/': '1'}
    run(c._handle_disconnect('/'))
    assert called == [True]


@pytest.mark.parametrize('result, wire', [
    (None, '3/foo,123[]'), ('ret', '3/foo,123["ret"]'), (['a', 'b'], '3/foo,123[["a","b"]]'),
    (('a', 'b'), '3/foo,123["a","b"]'),
])
def test_handle_event_with_ack(run, result, wire):
    c = make_client()
    handler = AsyncMock(return_value=result)
    c.on('foo', handler, namespace='/foo')
    run(c._handle_event('/foo', 123, ['foo', ('bar', 'baz')]))
    handler.assert_awaited_once_with(('bar', 'baz'))
    assert sent_packets(c) == [wire]


def test_handle_event_without_handler_is_acknowledged(run):
    c = make_client()
    run(c._handle_event('/', 1, ['nobody']))
    assert sent_packets(c) == ['31[]']


def test_handle_ack(run):
    c = make_client()
    sync_cb, async_cb = MagicMock(), AsyncMock()
    c.callbacks['/foo'] = {123: sync_cb, 124: async_cb}
    run(c._handle_ack('/foo', 123, ['bar', 'baz']))
    sync_cb.assert_called_once_with('bar', 'baz')
    run(c._handle_ack('/foo', 124, ['x']))
    async_cb.assert_awaited_once_with('x')
    assert c.callbacks['/foo'] == {}
    c.callbacks['/foo'] = {123: sync_cb}
    run(c._handle_ack('/foo', 125, ['bar']))
    assert 123 in c.callbacks['/foo']


def test_handle_error(run):
    c = make_client()
    c.connected = True
    c.namespaces = {'/foo': '1', '/bar': '2'}
    errors = []
    c.on('connect_error', lambda *args: errors.append(('/bar',) + args), namespace='/bar')
    c.on('connect_error', AsyncMock(side_effect=lambda *args: errors.append(('/',) + args)))
    run(c._handle_error('/bar', ['error', 'message']))
    assert c.namespaces == {'/foo': '1'} and c.connected
    run(c._handle_error('/bar', None))
    run(c._handle_error('/', {'message': 'error'}))
    assert c.namespaces == {} and not c.connected
    assert errors == [('/bar', 'error', 'message'), ('/bar',), ('/', {'message': 'error'})]
    assert c.failed_namespaces == ['/bar', '/bar', '/']


def test_trigger_event(run):
    c = make_client()
    sync_handler, async_handler = MagicMock(return_value='s'), AsyncMock(return_value='a')
    c.on('foo', sync_handler)
    c.on('foo', async_handler, namespace='/bar')
    assert run(c._trigger_event('foo', '/', 1, '2')) == 's'
    sync_handler.assert_called_once_with(1, '2')
    assert run(c._trigger_event('foo', '/bar', 1, '2')) == 'a'
    async_handler.assert_awaited_once_with(1, '2')
    assert run(c._trigger_event('foo', '/baz', 1)) is c.not_handled
    catch_all = AsyncMock(return_value='*')
    c.on('*', catch_all, namespace='/bar')
    assert run(c._trigger_event('other', '/bar', 1)) == '*'
    catch_all.assert_awaited_once_with('other', 1)


def test_trigger_event_class_namespace(run):
    result = []

    class MyNamespace(socketio.AsyncClientNamespace):
        def on_foo(self, a, b):
            result.append((a, b))

        async def on_bar(self):
            result.append('bar')

    c = make_client()
    c.register_namespace(MyNamespace('/'))
    run(c._trigger_event('foo', '/', 1, '2'))
    run(c._trigger_event('bar', '/'))
    assert result == [(1, '2'), 'bar']
    with pytest.raises(ValueError):
        c.register_namespace(socketio.ClientNamespace('/sync'))


# -- reconnection ---------------------------------------------------------------------------------


def timeout_wait_for(*results):
    """Replacement for ``asyncio.wait_for``: each call times out (or returns,
    meaning "aborted") and closes the coroutine it was given."""
    outcomes = list(results)

    async def fake(aw, timeout):
        aw.close()
        outcome = outcomes.pop(0) if outcomes else asyncio.TimeoutError
        if outcome is asyncio.TimeoutError:
            raise asyncio.TimeoutError()
        return outcome

    return AsyncMock(side_effect=fake)


@pytest.mark.parametrize('kwargs, delays, task', [
    ({}, [1.5, 1.5, 4.0], None),
    ({'reconnection_delay_max': 3}, [1.5, 1.5, 3.0], None),
    ({'reconnection_attempts': 2}, [1.5, 1.5], 'foo'),
])
def test_handle_reconnect(run, kwargs, delays, task):
    c = make_client(**kwargs)
    c._reconnect_task = 'foo'
    c.connect = AsyncMock(side_effect=[ValueError, exceptions.ConnectionError, None])
    with mock.patch('asyncio.wait_for', timeout_wait_for()) as wait_for, \
            mock.patch('socketio.client.random.random', side_effect=[1, 0, 0.5]):
        run(c._handle_reconnect())
    assert [call.args[1] for call in wait_for.await_args_list] == delays
    assert c._reconnect_task == task
    assert c not in socketio.client.reconnecting_clients


def test_handle_reconnect_aborted(run):
    c = make_client()
    c._reconnect_task = 'foo'
    c.connect = AsyncMock(side_effect=[ValueError, exceptions.ConnectionError, None])
    c.connection_namespaces = ['/']
    final = MagicMock()
    c.on('__disconnect_final', final)
    with mock.patch('asyncio.wait_for', timeout_wait_for(asyncio.TimeoutError, None)) \
            as wait_for, mock.patch('socketio.client.random.random', side_effect=[1, 0, 0.5]):
        run(c._handle_reconnect())
    assert wait_for.await_count == 2
    assert c._reconnect_task == 'foo'
    final.assert_called_once_with()


# -- Engine.IO events -----------------------------------------------------------------------------


def test_eio_connect(run):
    c = make_client()
    c.connection_namespaces = ['/', '/foo']
    c.eio.sid = 'foo'
    assert c.sid is None
    run(c._handle_eio_connect())
    assert c.sid == 'foo'
    assert sent_packets(c) == ['0{}', '0/foo,{}']


def test_eio_connect_with_async_auth(run):
    c = make_client()
    c.connection_namespaces = ['/']

    async def auth():
        return {'token': 't'}

    c.connection_auth = auth
    run(c._handle_eio_connect())
    assert sent_packets(c) == ['0{"token":"t"}']


def test_handle_eio_message(run):
    c = make_client()
    for name in ('_handle_connect', '_handle_disconnect', '_handle_event', '_handle_ack',
                 '_handle_error'):
        setattr(c, name, AsyncMock())
    run(c._handle_eio_message('0{"sid":"123"}'))
    c._handle_connect.assert_awaited_with(None, {'sid': '123'})
    run(c._handle_eio_message('0/foo,{"sid":"123"}'))
    c._handle_connect.assert_awaited_with('/foo', {'sid': '123'})
    run(c._handle_eio_message('1'))
    c._handle_disconnect.assert_awaited_with(None)
    run(c._handle_eio_message('1/foo,'))
    c._handle_disconnect.assert_awaited_with('/foo')
    run(c._handle_eio_message('2["foo"]'))
    c._handle_event.assert_awaited_with(None, None, ['foo'])
    run(c._handle_eio_message('3/foo,["bar"]'))
    c._handle_ack.assert_awaited_with('/foo', None, ['bar'])
    run(c._handle_eio_message('4'))
    c._handle_error.assert_awaited_with(None, None)
    run(c._handle_eio_message('4{"message":"foo"}'))
    c._handle_error.assert_awaited_with(None, {'message': 'foo'})
    run(c._handle_eio_message('4/foo,["foo","bar"]'))
    c._handle_error.assert_awaited_with('/foo', ['foo', 'bar'])
    run(c._handle_eio_message('51-["foo",{"_placeholder":true,"num":0}]'))
    assert c._binary_packet.packet_type == packet.BINARY_EVENT
    run(c._handle_eio_message(b'foo'))
    c._handle_event.assert_awaited_with(None, None, ['foo', b'foo'])
    run(c._handle_eio_message(
        '62-/foo,["a",{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]'))
    run(c._handle_eio_message(b'bar'))
    run(c._handle_eio_message(b'foo'))
    c._handle_ack.assert_awaited_with('/foo', None, ['a', b'foo', b'bar'])
    with pytest.raises(ValueError):
        run(c._handle_eio_message('9'))
    run(c._on_eio_message('9'))  # the Engine.IO entry point only logs


def test_eio_disconnect(run):
    c = make_client(reconnection=False)
    c.namespaces = {'/': '1', '/foo': '2'}
    c.connected = True
    c.sid = 'foo'
    root, foo = AsyncMock(), MagicMock()
    c.on('disconnect', root)
    c.on('disconnect', foo, namespace='/foo')
    c.eio.state = 'connected'
    run(c._handle_eio_disconnect(c.reason.TRANSPORT_ERROR))
    root.assert_awaited_once_with(c.reason.TRANSPORT_ERROR)
    foo.assert_called_once_with(c.reason.TRANSPORT_ERROR)
    assert c.sid is None and not c.connected and c.namespaces == {}


@pytest.mark.parametrize('reconnection, state, started', [
    (True, 'connected', True), (True, 'disconnected', False), (False, 'connected', False),
])
def test_eio_disconnect_reconnect(run, reconnection, state, started):
    c = make_client(reconnection=reconnection)
    c.start_background_task = MagicMock()
    c.eio.state = state
    run(c._handle_eio_disconnect())
    if started:
        c.start_background_task.assert_called_once_with(c._handle_reconnect)
    else:
        c.start_background_task.assert_not_called()
