"""Unit tests of :class:`socketio.Client` with engine.io mocked or unconnected.

Follows server-client.md C.10-C.18, with the later 5.x behaviour chosen by
the README decision table: ``connect()`` waits for namespaces (these tests
pass ``wait=False`` when they only check bookkeeping), CONNECT packets carry
``{}`` or the auth, disconnect handlers receive a reason, client-initiated
``disconnect()`` fires the client's own handlers and closes engine.io
gracefully, and the client catch-all rules of forward.md 2.2.
"""
import logging
import threading
from unittest import mock

import engineio
import pytest

import socketio
from socketio import base_client, client, exceptions, packet
from socketio import namespace as sio_namespace

CLIENT_DISCONNECT = 'client disconnect'
SERVER_DISCONNECT = 'server disconnect'


def mocked_client(**kwargs):
    """A Client whose engine.io client is a MagicMock (state 'connected')."""
    with mock.patch('socketio.client.Client._engineio_client_class') as eio_class:
        eio = eio_class.return_value.return_value
        eio.create_event.side_effect = threading.Event
        c = client.Client(**kwargs)
    assert c.eio is eio
    eio.state = 'connected'
    eio.disconnect.side_effect = lambda *args, **kwargs: setattr(eio, 'state', 'disconnected')
    return c


def sent_packets(c):
    return [args[0] for args, _ in c._send_packet.call_args_list]


def encoded(pkt):
    return pkt.encode()


# -- C.10 construction -----------------------------------------------------------------

def test_is_asyncio_based():
    assert client.Client().is_asyncio_based() is False


def test_create_uses_a_real_unconnected_engineio_client():
    c = client.Client()
    assert isinstance(c.eio, engineio.Client)
    assert c.eio.state == 'disconnected'
    assert c._engineio_client_class() is engineio.Client


@mock.patch('socketio.client.Client._engineio_client_class')
def test_create(engineio_client_class):
    c = client.Client(reconnection=False, reconnection_attempts=123, reconnection_delay=5,
                      reconnection_delay_max=10, randomization_factor=0.2, foo='bar')
    assert c.reconnection is False
    assert c.reconnection_attempts == 123
    assert c.reconnection_delay == 5
    assert c.reconnection_delay_max == 10
    assert c.randomization_factor == 0.2
    engineio_client_class().assert_called_once_with(foo='bar')
    assert c.connection_url is None
    assert c.connection_headers is None
    assert c.connection_auth is None
    assert c.connection_transports is None
    assert c.connection_namespaces == []
    assert c.socketio_path is None
    assert c.sid is None
    assert c.connected is False
    assert c.namespaces == {}
    assert c.failed_namespaces == []
    assert c.handlers == {}
    assert c.namespace_handlers == {}
    assert c.callbacks == {}
    assert c._binary_packet is None
    assert c._reconnect_task is None
    registered = {args[0]: args[1] for args, _ in c.eio.on.call_args_list}
    assert set(registered) == {'connect', 'message', 'disconnect'}
    assert registered['connect'] == c._handle_eio_connect
    assert registered['disconnect'] == c._handle_eio_disconnect


@mock.patch('socketio.client.Client._engineio_client_class')
def test_engineio_logger(engineio_client_class):
    client.Client(engineio_logger='foo')
    engineio_client_class().assert_called_once_with(logger='foo')


@mock.patch('socketio.client.Client._engineio_client_class')
def test_handle_sigint_false_is_forwarded(engineio_client_class):
    c = client.Client(handle_sigint=False)
    assert c.handle_sigint is False
    engineio_client_class().assert_called_once_with(handle_sigint=False)


def test_default_json_is_left_alone():
    eio_json = engineio.packet.Packet.json  # engine.io 4.x ships its own wrapper
    client.Client()
    assert packet.Packet.json is engineio.json
    assert engineio.packet.Packet.json is eio_json


def test_custom_json():
    saved = (packet.Packet.json, engineio.packet.Packet.json)
    try:
        client.Client(json='foo')
        assert packet.Packet.json == 'foo'
        assert engineio.packet.Packet.json == 'foo'
    finally:
        packet.Packet.json, engineio.packet.Packet.json = saved


def test_logger():
    assert client.Client(logger=False).logger is logging.getLogger('socketio.client')
    assert client.Client(logger=True).logger is logging.getLogger('socketio.client')
    custom = logging.Logger('foo')
    assert client.Client(logger=custom).logger is custom


def test_reason_constants():
    assert client.Client.reason.CLIENT_DISCONNECT == CLIENT_DISCONNECT
    assert client.Client.reason.SERVER_DISCONNECT == SERVER_DISCONNECT
    assert client.Client().reason.TRANSPORT_ERROR == 'transport error'


def test_on_and_event_decorators():
    c = client.Client()

    @c.on('connect')
    def foo():
        pass

    def bar(reason):
        pass

    c.on('disconnect', bar)
    c.on('disconnect', bar, namespace='/foo')

    @c.event
    def baz():
        pass

    @c.event(namespace='/foo')
    def qux():
        pass

    assert c.handlers == {'/': {'connect': foo, 'disconnect': bar, 'baz': baz},
                          '/foo': {'disconnect': bar, 'qux': qux}}


def test_register_namespace():
    class MyNamespace(sio_namespace.ClientNamespace):
        pass

    c = client.Client()
    n = MyNamespace('/foo')
    c.register_namespace(n)
    assert c.namespace_handlers['/foo'] is n
    assert n.client is c


def test_register_namespace_rejects_other_objects():
    c = client.Client()
    with pytest.raises(ValueError, match='Not a namespace instance'):
        c.register_namespace(object())
    with pytest.raises(ValueError, match='Not a valid namespace class'):
        c.register_namespace(socketio.AsyncClientNamespace('/foo'))


# -- C.11 connect / wait -----------------------------------------------------------------

def test_connect_stores_arguments():
    c = client.Client()
    c.eio.connect = mock.MagicMock()
    c.connect('url', headers='headers', auth='auth', transports='transports',
              namespaces=['/foo', '/', '/bar'], socketio_path='path', wait=False)
    assert c.connection_url == 'url'
    assert c.connection_headers == 'headers'
    assert c.connection_auth == 'auth'
    assert c.connection_transports == 'transports'
    assert c.connection_namespaces == ['/foo', '/', '/bar']
    assert c.socketio_path == 'path'
    assert c.connected is True
    c.eio.connect.assert_called_once_with('url', headers='headers', transports='transports',
                                          engineio_path='path')


def test_connect_default_arguments():
    c = client.Client()
    c.eio.connect = mock.MagicMock()
    c.connect('url', wait=False)
    assert c.connection_namespaces == ['/']
    c.eio.connect.assert_called_once_with('url', headers={}, transports=None,
                                          engineio_path='socket.io')


def test_connect_one_namespace_string():
    c = client.Client()
    c.eio.connect = mock.MagicMock()
    c.connect('url', namespaces='/foo', wait=False)
    assert c.connection_namespaces == ['/foo']


def test_connect_namespaces_from_handlers():
    c = client.Client()
    c.eio.connect = mock.MagicMock()
    c.on('foo', mock.MagicMock(), namespace='/foo')
    c.on('bar', mock.MagicMock(), namespace='/')
    c.register_namespace(sio_namespace.ClientNamespace('/baz'))
    c.connect('url', wait=False)
    assert sorted(c.connection_namespaces) == ['/', '/baz', '/foo']


def test_connect_ignores_catch_all_namespace():
    c = client.Client()
    c.eio.connect = mock.MagicMock()
    c.on('*', mock.MagicMock(), namespace='*')
    c.on('foo', mock.MagicMock(), namespace='/foo')
    c.connect('url', wait=False)
    assert c.connection_namespaces == ['/foo']
    c2 = client.Client()
    c2.eio.connect = mock.MagicMock()
    c2.on('connect', mock.MagicMock(), namespace='*')
    c2.connect('url', wait=False)
    assert c2.connection_namespaces == ['/']


def test_connect_evaluates_callables():
    c = client.Client()
    c.eio.connect = mock.MagicMock()
    c.connect(lambda: 'url', headers=lambda: {'h': 'v'}, wait=False)
    c.eio.connect.assert_called_once_with('url', headers={'h': 'v'}, transports=None,
                                          engineio_path='socket.io')


def test_connect_engineio_error():
    c = client.Client()
    c.eio.connect = mock.MagicMock(
        side_effect=engineio.exceptions.ConnectionError('foo', {'detail': 1}))
    errors = []
    c.on('connect_error', lambda *args: errors.append(('/', args)))
    c.on('connect_error', lambda *args: errors.append(('/chat', args)), namespace='/chat')
    with pytest.raises(exceptions.ConnectionError) as info:
        c.connect('url', namespaces=['/', '/chat'], wait=False)
    assert str(info.value) == 'foo'
    assert isinstance(info.value.__cause__, engineio.exceptions.ConnectionError)
    assert errors == [('/', ({'detail': 1},)), ('/chat', ({'detail': 1},))]
    assert c.connected is False


def test_connect_engineio_error_without_detail():
    c = client.Client()
    c.eio.connect = mock.MagicMock(side_effect=engineio.exceptions.ConnectionError('foo'))
    handler = mock.MagicMock()
    c.on('connect_error', handler)
    with pytest.raises(exceptions.ConnectionError, match='foo'):
        c.connect('url', wait=False)
    handler.assert_called_once_with('foo')


def test_connect_when_already_connected():
    c = client.Client()
    c.eio.connect = mock.MagicMock()
    c.connect('url', wait=False)
    with pytest.raises(exceptions.ConnectionError, match='Already connected'):
        c.connect('url', wait=False)
    c.eio.connect.assert_called_once()


def fake_eio_connect(c, answers):
    """An eio.connect replacement that delivers the server's answers."""
    def connect(*args, **kwargs):
        c.eio.state = 'connected'
        for ns, ok in answers.items():
            if ok:
                c._handle_connect(ns, {'sid': 'sid' + ns})
            else:
                c._handle_error(ns, {'message': 'no', 'data': ns})
    return connect


def test_connect_waits_for_namespaces():
    c = mocked_client()
    c.eio.connect.side_effect = fake_eio_connect(c, {'/': True, '/chat': True})
    c.connect('url', namespaces=['/', '/chat'])
    assert c.namespaces == {'/': 'sid/', '/chat': 'sid/chat'}
    assert c.failed_namespaces == []
    assert c.connected is True


def test_connect_raises_when_a_namespace_is_refused():
    c = mocked_client()
    c.eio.connect.side_effect = fake_eio_connect(c, {'/': True, '/chat': False})
    c._send_packet = mock.MagicMock()
    with pytest.raises(exceptions.ConnectionError) as info:
        c.connect('url', namespaces=['/', '/chat'])
    assert str(info.value) == 'One or more namespaces failed to connect: /chat'
    assert c.failed_namespaces == ['/chat']
    assert c.connected is False
    c.eio.disconnect.assert_called_once_with()


def test_connect_raises_when_namespaces_do_not_answer():
    c = mocked_client()
    c._send_packet = mock.MagicMock()
    with pytest.raises(exceptions.ConnectionError) as info:
        c.connect('url', namespaces=['/a', '/b'], wait_timeout=0.05)
    assert str(info.value) == 'Unexpected connection error'  # none refused
    assert c.connected is False


def test_connect_retry():
    c = mocked_client(reconnection_delay=0.01, randomization_factor=0)
    attempts = iter([engineio.exceptions.ConnectionError('down'),
                     fake_eio_connect(c, {'/': True})])

    def connect(*args, **kwargs):
        attempt = next(attempts)
        if isinstance(attempt, Exception):
            raise attempt
        attempt()

    c.eio.connect.side_effect = connect
    c.connect('url', retry=True)
    assert c.eio.connect.call_count == 2
    assert c.namespaces == {'/': 'sid/'}


def test_reconnection_survives_a_refused_namespace():
    # connect() disconnects after a refused namespace; that must not abort the loop
    c = mocked_client(reconnection_delay=0.01, randomization_factor=0)
    answers = iter([{'/': True, '/chat': False}, {'/': True, '/chat': True}])

    def connect(*args, **kwargs):
        fake_eio_connect(c, next(answers))()

    c.eio.connect.side_effect = connect
    c._send_packet = mock.MagicMock()
    c.connection_url = 'url'
    c.connection_namespaces = ['/', '/chat']
    c._handle_reconnect()
    assert c.eio.connect.call_count == 2
    assert c.namespaces == {'/': 'sid/', '/chat': 'sid/chat'}
    assert c.connected is True


def test_connect_retry_gives_up():
    c = mocked_client(reconnection_delay=0.01, randomization_factor=0,
                      reconnection_attempts=2)
    c.eio.connect.side_effect = engineio.exceptions.ConnectionError('down')
    c.eio.state = 'disconnected'
    with pytest.raises(exceptions.ConnectionError, match='down'):
        c.connect('url', retry=True)
    assert c.eio.connect.call_count == 3


def test_wait_no_reconnect():
    c = client.Client()
    c.eio.wait = mock.MagicMock()
    c.sleep = mock.MagicMock()
    c._reconnect_task = None
    c.wait()
    c.eio.wait.assert_called_once_with()
    c.sleep.assert_called_once_with(1)


def test_wait_reconnect_failed():
    c = client.Client()
    c.eio.wait = mock.MagicMock()
    c.sleep = mock.MagicMock()
    states = ['disconnected']

    def fake_join():
        c.eio.state = states.pop(0)

    c._reconnect_task = mock.MagicMock()
    c._reconnect_task.join = fake_join
    c.wait()
    c.eio.wait.assert_called_once_with()
    c.sleep.assert_called_once_with(1)


def test_wait_reconnect_successful():
    c = client.Client()
    c.eio.wait = mock.MagicMock()
    c.sleep = mock.MagicMock()
    states = ['connected', 'disconnected']

    def fake_join():
        c.eio.state = states.pop(0)

    c._reconnect_task = mock.MagicMock()
    c._reconnect_task.join = fake_join
    c.wait()
    assert c.eio.wait.call_count == 2
    assert c.sleep.call_count == 2


# -- C.12 emit / send / call / disconnect -----------------------------------------------

@pytest.mark.parametrize('kwargs,data', [
    ({}, ['foo']),
    ({'data': 'bar'}, ['foo', 'bar']),
    ({'data': ['bar', 'baz']}, ['foo', ['bar', 'baz']]),
    ({'data': ('bar', 'baz')}, ['foo', 'bar', 'baz']),
    ({'data': b'bar'}, ['foo', b'bar']),
    ({'data': {'a': [b'x', {'b': b'y'}]}}, ['foo', {'a': [b'x', {'b': b'y'}]}]),
])
def test_emit(kwargs, data):
    c = client.Client()
    c.namespaces = {'/': '1'}
    c._send_packet = mock.MagicMock()
    c.emit('foo', **kwargs)
    expected = packet.Packet(packet.EVENT, namespace='/', data=data, id=None)
    assert c._send_packet.call_count == 1
    assert encoded(sent_packets(c)[0]) == expected.encode()


def test_emit_namespace():
    c = client.Client()
    c.namespaces = ['/foo']
    c._send_packet = mock.MagicMock()
    c.emit('foo', namespace='/foo')
    assert encoded(sent_packets(c)[0]) == '2/foo,["foo"]'


def test_emit_unknown_namespace():
    c = client.Client()
    c.namespaces = ['/foo']
    with pytest.raises(exceptions.BadNamespaceError) as info:
        c.emit('foo', namespace='/bar')
    assert str(info.value) == '/bar is not a connected namespace.'
    with pytest.raises(exceptions.BadNamespaceError, match='/ is not'):
        c.emit('foo')


@pytest.mark.parametrize('namespace,expected', [(None, '2123["foo"]'),
                                                ('/foo', '2/foo,123["foo"]')])
def test_emit_with_callback(namespace, expected):
    c = client.Client()
    c._send_packet = mock.MagicMock()
    c._generate_ack_id = mock.MagicMock(return_value=123)
    c.namespaces = {'/': '1', '/foo': '2'}
    c.emit('foo', namespace=namespace, callback='cb')
    assert encoded(sent_packets(c)[0]) == expected
    c._generate_ack_id.assert_called_once_with(namespace or '/', 'cb')


def test_send():
    c = client.Client()
    c.emit = mock.MagicMock()
    c.send('data', 'namespace', 'callback')
    c.emit.assert_called_once_with('message', data='data', namespace='namespace',
                                   callback='callback')
    c.emit.reset_mock()
    c.send('data')
    c.emit.assert_called_once_with('message', data='data', namespace=None, callback=None)


def test_call():
    c = client.Client()
    c.namespaces = {'/': '1'}

    def fake_event_wait(timeout=None):
        assert timeout == 60
        c._generate_ack_id.call_args_list[0][0][1]('foo', 321)
        return True

    c._send_packet = mock.MagicMock()
    c._generate_ack_id = mock.MagicMock(return_value=123)
    c.eio = mock.MagicMock()
    c.eio.create_event.return_value.wait = fake_event_wait
    assert c.call('foo') == ('foo', 321)
    assert encoded(sent_packets(c)[0]) == '2123["foo"]'


@pytest.mark.parametrize('ack,result', [((), None), (('one',), 'one'),
                                        ((['a', 'b'],), ['a', 'b'])])
def test_call_result_shapes(ack, result):
    c = client.Client()
    c.namespaces = {'/': '1'}
    c._send_packet = mock.MagicMock()

    def send(pkt):
        c._handle_ack('/', pkt.id, list(ack))

    c._send_packet.side_effect = send
    assert c.call('foo', timeout=5) == result


def test_call_with_timeout():
    c = client.Client()
    c.namespaces = {'/': '1'}

    def fake_event_wait(timeout=None):
        assert timeout == 12
        return False

    c._send_packet = mock.MagicMock()
    c._generate_ack_id = mock.MagicMock(return_value=123)
    c.eio = mock.MagicMock()
    c.eio.create_event.return_value.wait = fake_event_wait
    with pytest.raises(exceptions.TimeoutError):
        c.call('foo', timeout=12)
    assert c._send_packet.call_count == 1


def test_call_unknown_namespace():
    c = client.Client()
    with pytest.raises(exceptions.BadNamespaceError):
        c.call('foo', namespace='/bar', timeout=1)


def test_disconnect():
    c = mocked_client()
    c.connected = True
    c.namespaces = {'/': '1'}
    handler = mock.MagicMock()
    final = mock.MagicMock()
    c.on('disconnect', handler)
    c.on('__disconnect_final', final)
    c._send_packet = mock.MagicMock()
    c.disconnect()
    assert [encoded(p) for p in sent_packets(c)] == ['1']
    c.eio.disconnect.assert_called_once_with()  # graceful, not abort=True
    handler.assert_called_once_with(CLIENT_DISCONNECT)
    final.assert_called_once_with()
    assert c.connected is False
    assert c.namespaces == {}


def test_disconnect_namespaces_in_order():
    c = mocked_client()
    c.connected = True
    c.namespaces = {'/foo': '1', '/bar': '2'}
    c._send_packet = mock.MagicMock()
    c.disconnect()
    assert [encoded(p) for p in sent_packets(c)] == ['1/foo,', '1/bar,']


def test_disconnect_handler_without_reason():
    c = mocked_client()
    c.connected = True
    c.namespaces = {'/': '1'}
    c._send_packet = mock.MagicMock()
    calls = []
    c.on('disconnect', lambda: calls.append('no reason'))
    c.disconnect()
    assert calls == ['no reason']


def test_disconnect_reports_once_when_engineio_reports_it():
    # a real engine.io client reports its own closing to the 'disconnect' callback
    c = mocked_client()
    c.connected = True
    c.namespaces = {'/': '1'}
    c._send_packet = mock.MagicMock()
    c.eio.disconnect.side_effect = lambda: (
        setattr(c.eio, 'state', 'disconnected'),
        c._handle_eio_disconnect(CLIENT_DISCONNECT))
    handler = mock.MagicMock()
    c.on('disconnect', handler)
    c.disconnect()
    handler.assert_called_once_with(CLIENT_DISCONNECT)


def test_disconnect_when_not_connected_is_harmless():
    c = client.Client()
    c.disconnect()
    assert c.connected is False


def test_transport():
    c = client.Client()
    c.eio.transport = mock.MagicMock(return_value='foo')
    assert c.transport() == 'foo'
    c.eio.transport.assert_called_once_with()


def test_start_background_task():
    c = client.Client()
    c.eio.start_background_task = mock.MagicMock(return_value='foo')
    assert c.start_background_task('foo', 'bar', baz='baz') == 'foo'
    c.eio.start_background_task.assert_called_once_with('foo', 'bar', baz='baz')


def test_sleep():
    c = client.Client()
    c.eio.sleep = mock.MagicMock()
    c.sleep(1.23)
    c.eio.sleep.assert_called_once_with(1.23)


def test_get_sid():
    c = client.Client()
    c.namespaces = {'/': '1', '/foo': '2'}
    assert c.get_sid() == '1'
    assert c.get_sid('/') == '1'
    assert c.get_sid('/foo') == '2'
    assert c.get_sid('/bar') is None


# -- C.13 packet sending and ack ids ----------------------------------------------------

def test_send_packet():
    c = client.Client()
    c.eio.send = mock.MagicMock()
    c._send_packet(packet.Packet(packet.EVENT, 'foo'))
    c.eio.send.assert_called_once_with('2"foo"')


def test_send_packet_binary():
    c = client.Client()
    c.eio.send = mock.MagicMock()
    c._send_packet(packet.Packet(packet.EVENT, b'foo'))
    assert c.eio.send.call_args_list in (
        [mock.call('51-{"_placeholder":true,"num":0}'), mock.call(b'foo')],
        [mock.call('51-{"num":0,"_placeholder":true}'), mock.call(b'foo')])


def test_generate_ack_id():
    c = client.Client()
    ids = [c._generate_ack_id(ns, 'cb') for ns in ('/', '/', '/', '/foo', '/bar', '/',
                                                   '/bar')]
    assert ids == [1, 2, 3, 1, 1, 4, 2]
    assert c._generate_ack_id(None, 'cb') == 5


# -- C.14 inbound handlers ----------------------------------------------------------------

def test_handle_connect():
    c = client.Client()
    c._trigger_event = mock.MagicMock()
    c._send_packet = mock.MagicMock()
    c._handle_connect('/', {'sid': '123'})
    assert c.namespaces == {'/': '123'}
    c._trigger_event.assert_called_once_with('connect', namespace='/')
    c._send_packet.assert_not_called()


def test_handle_connect_with_namespaces():
    c = client.Client()
    c.namespaces = {'/foo': '1', '/bar': '2'}
    c._trigger_event = mock.MagicMock()
    c._handle_connect('/', {'sid': '3'})
    c._trigger_event.assert_called_once_with('connect', namespace='/')
    assert c.namespaces == {'/': '3', '/foo': '1', '/bar': '2'}


def test_handle_connect_already_connected_is_ignored():
    c = client.Client()
    c.namespaces = {'/foo': '1'}
    c._trigger_event = mock.MagicMock()
    c._handle_connect('/foo', {'sid': '123'})
    c._trigger_event.assert_not_called()
    c._handle_connect('/bar', {'sid': '2'})
    c._trigger_event.assert_called_once_with('connect', namespace='/bar')
    assert c.namespaces == {'/foo': '1', '/bar': '2'}


def test_handle_connect_without_sid_uses_engineio_sid():
    c = client.Client()
    c.sid = 'eio-sid'
    c._trigger_event = mock.MagicMock()
    c._handle_connect(None, None)
    assert c.namespaces == {'/': 'eio-sid'}


def test_handle_disconnect():
    c = client.Client()
    c.connected = True
    c._trigger_event = mock.MagicMock()
    c._handle_disconnect('/')
    c._trigger_event.assert_any_call('disconnect', '/', SERVER_DISCONNECT)
    assert c.connected is False
    c._trigger_event.reset_mock()
    c._handle_disconnect('/')
    c._trigger_event.assert_not_called()


def test_handle_disconnect_namespaces():
    c = mocked_client()
    c.connected = True
    c.namespaces = {'/foo': '1', '/bar': '2'}
    c._trigger_event = mock.MagicMock()
    c._handle_disconnect('/foo')
    c._trigger_event.assert_any_call('disconnect', '/foo', SERVER_DISCONNECT)
    c._trigger_event.assert_any_call('__disconnect_final', '/foo')
    assert c.namespaces == {'/bar': '2'}
    assert c.connected is True
    c.eio.disconnect.assert_not_called()
    c._handle_disconnect('/baz')
    c._trigger_event.assert_any_call('disconnect', '/baz', SERVER_DISCONNECT)
    assert c.namespaces == {'/bar': '2'}
    assert c.connected is True
    c._handle_disconnect('/bar')
    c._trigger_event.assert_any_call('disconnect', '/bar', SERVER_DISCONNECT)
    assert c.namespaces == {}
    assert c.connected is False
    c.eio.disconnect.assert_called_once_with(abort=True)


def test_handle_disconnect_reason_reaches_handler():
    c = mocked_client()
    c.connected = True
    c.namespaces = {'/': '1'}
    handler = mock.MagicMock()
    c.on('disconnect', handler)
    c._handle_disconnect(None)
    handler.assert_called_once_with(SERVER_DISCONNECT)


def test_handle_event():
    c = client.Client()
    c._trigger_event = mock.MagicMock()
    c._handle_event('/', None, ['foo', ('bar', 'baz')])
    c._trigger_event.assert_called_once_with('foo', '/', ('bar', 'baz'))


@pytest.mark.parametrize('result,ack', [(None, []), ('ret', ['ret']),
                                        (['a', 'b'], [['a', 'b']]), (('a', 'b'), ['a', 'b'])])
def test_handle_event_with_ack(result, ack):
    c = client.Client()
    c._trigger_event = mock.MagicMock(return_value=result)
    c._send_packet = mock.MagicMock()
    c._handle_event('/', 123, ['foo', 'bar'])
    c._trigger_event.assert_called_once_with('foo', '/', 'bar')
    expected = packet.Packet(packet.ACK, namespace='/', id=123, data=ack)
    assert [encoded(p) for p in sent_packets(c)] == [expected.encode()]


def test_handle_event_without_handler_is_acknowledged():
    c = client.Client()
    c._send_packet = mock.MagicMock()
    c._handle_event('/', 123, ['foo', 'bar'])
    c._send_packet.assert_called_once()
    assert c._send_packet.call_args.args[0].encode() == '3123[]'
    c._send_packet.reset_mock()
    c._handle_event('/', None, ['foo', 'bar'])  # no ack asked for
    c._send_packet.assert_not_called()


def test_handle_ack():
    c = client.Client()
    cb = mock.MagicMock()
    c.callbacks['/foo'] = {123: cb}
    c._handle_ack('/foo', 123, ['bar', 'baz'])
    cb.assert_called_once_with('bar', 'baz')
    assert 123 not in c.callbacks['/foo']


def test_handle_unknown_ack():
    c = client.Client()
    cb = mock.MagicMock()
    c.callbacks['/foo'] = {123: cb}
    c._handle_ack('/foo', 124, ['bar', 'baz'])
    c._handle_ack('/bar', 123, ['bar', 'baz'])
    cb.assert_not_called()
    assert 123 in c.callbacks['/foo']


def test_handle_ack_id_zero():
    c = client.Client()
    cb = mock.MagicMock()
    c.callbacks['/'] = {0: cb}
    c._handle_ack('/', 0, ['x'])
    cb.assert_called_once_with('x')


def test_handle_error_root_namespace():
    c = client.Client()
    c.connected = True
    c.namespaces = {'/foo': '1', '/bar': '2'}
    c._trigger_event = mock.MagicMock()
    c._handle_error('/', 'error')
    assert c.namespaces == {}
    assert c.connected is False
    assert c.failed_namespaces == ['/']
    c._trigger_event.assert_called_once_with('connect_error', '/', 'error')


def test_handle_error_without_data():
    c = client.Client()
    c.connected = True
    c._trigger_event = mock.MagicMock()
    c._handle_error(None, None)
    c._trigger_event.assert_called_once_with('connect_error', '/')
    assert c.connected is False


def test_handle_error_namespace():
    c = client.Client()
    c.connected = True
    c.namespaces = {'/foo': '1', '/bar': '2'}
    c._trigger_event = mock.MagicMock()
    c._handle_error('/bar', ['error', 'message'])
    assert c.namespaces == {'/foo': '1'}
    assert c.connected is True
    assert c.failed_namespaces == ['/bar']
    c._trigger_event.assert_called_once_with('connect_error', '/bar', 'error', 'message')


def test_handle_error_dict_payload_is_one_argument():
    c = client.Client()
    handler = mock.MagicMock()
    c.on('connect_error', handler, namespace='/chat')
    c._handle_error('/chat', {'message': 'nope', 'data': {'code': 1}})
    handler.assert_called_once_with({'message': 'nope', 'data': {'code': 1}})


def test_handle_error_unknown_namespace():
    c = client.Client()
    c.connected = True
    c.namespaces = {'/foo': '1', '/bar': '2'}
    c._handle_error('/baz', 'error')
    assert c.namespaces == {'/foo': '1', '/bar': '2'}
    assert c.connected is True


def test_trigger_event():
    c = client.Client()
    handler = mock.MagicMock(return_value='ret')
    c.on('foo', handler)
    c.on('foo', handler, namespace='/bar')
    assert c._trigger_event('foo', '/', 1, '2') == 'ret'
    handler.assert_called_once_with(1, '2')
    c._trigger_event('foo', '/bar', 3)
    handler.assert_called_with(3)


def test_trigger_event_class_namespace():
    result = []

    class MyNamespace(sio_namespace.ClientNamespace):
        def on_foo(self, a, b):
            result.append((a, b))
            return 'ret'

    c = client.Client()
    c.register_namespace(MyNamespace('/'))
    assert c._trigger_event('foo', '/', 1, '2') == 'ret'
    assert result == [(1, '2')]
    assert c._trigger_event('foo', '/bar', 1, '2') is c.not_handled
    assert result == [(1, '2')]


def test_trigger_event_unhandled():
    c = client.Client()
    assert c._trigger_event('foo', '/', 1) is c.not_handled


def test_trigger_disconnect_class_namespace_without_reason():
    calls = []

    class MyNamespace(sio_namespace.ClientNamespace):
        def on_disconnect(self):
            calls.append('old style')

    class NewNamespace(sio_namespace.ClientNamespace):
        def on_disconnect(self, reason):
            calls.append(reason)

    c = client.Client()
    c.register_namespace(MyNamespace('/'))
    c.register_namespace(NewNamespace('/new'))
    c._trigger_event('disconnect', '/', SERVER_DISCONNECT)
    c._trigger_event('disconnect', '/new', SERVER_DISCONNECT)
    assert calls == ['old style', SERVER_DISCONNECT]


def test_trigger_event_type_error_in_other_handlers_propagates():
    c = client.Client()

    def bad(a):
        raise TypeError('bug')

    c.on('foo', bad)
    with pytest.raises(TypeError, match='bug'):
        c._trigger_event('foo', '/', 1)


# forward.md 2.2, client flavour ------------------------------------------------------

def test_catch_all_event():
    c = client.Client()
    catch_all = mock.MagicMock(return_value='all')
    foo = mock.MagicMock(return_value='foo')
    c.on('*', catch_all)
    c.on('foo', foo)
    assert c._trigger_event('foo', '/', 1) == 'foo'
    foo.assert_called_once_with(1)
    assert c._trigger_event('bar', '/', 1, 2) == 'all'
    catch_all.assert_called_once_with('bar', 1, 2)


@pytest.mark.parametrize('event', ['connect', 'connect_error', 'disconnect',
                                   '__disconnect_final'])
def test_catch_all_event_skips_reserved_events(event):
    c = client.Client()
    catch_all = mock.MagicMock()
    c.on('*', catch_all)
    assert c._trigger_event(event, '/') is c.not_handled
    catch_all.assert_not_called()


def test_catch_all_namespace():
    c = client.Client()
    any_foo = mock.MagicMock(return_value='any foo')
    any_any = mock.MagicMock(return_value='any any')
    any_connect = mock.MagicMock()
    c.on('foo', any_foo, namespace='*')
    c.on('*', any_any, namespace='*')
    c.on('connect', any_connect, namespace='*')
    assert c._trigger_event('foo', '/chat', 1) == 'any foo'
    any_foo.assert_called_once_with('/chat', 1)
    assert c._trigger_event('bar', '/chat', 1) == 'any any'
    any_any.assert_called_once_with('bar', '/chat', 1)
    c._trigger_event('connect', '/chat')
    any_connect.assert_called_once_with('/chat')
    assert c._trigger_event('disconnect', '/chat', 'x') is c.not_handled


def test_catch_all_namespace_only_when_namespace_has_no_handlers():
    c = client.Client()
    any_bar = mock.MagicMock()
    c.on('bar', any_bar, namespace='*')
    c.on('foo', mock.MagicMock(), namespace='/chat')
    assert c._trigger_event('bar', '/chat', 1) is c.not_handled
    any_bar.assert_not_called()
    c._trigger_event('bar', '/other', 1)
    any_bar.assert_called_once_with('/other', 1)


def test_catch_all_namespace_class():
    calls = []

    class AnyNamespace(sio_namespace.ClientNamespace):
        def on_foo(self, namespace, *args):
            calls.append((namespace, args))
            return 'ret'

    c = client.Client()
    c.register_namespace(AnyNamespace('*'))
    assert c._trigger_event('foo', '/chat', 1, 2) == 'ret'
    assert calls == [('/chat', (1, 2))]


# -- C.15 _handle_eio_message dispatch ---------------------------------------------------

@pytest.fixture
def dispatching_client():
    c = client.Client()
    for name in ('_handle_connect', '_handle_disconnect', '_handle_event', '_handle_ack',
                 '_handle_error'):
        setattr(c, name, mock.MagicMock())
    return c


@pytest.mark.parametrize('message,handler,args', [
    ('0{"sid":"123"}', '_handle_connect', (None, {'sid': '123'})),
    ('0/foo,{"sid":"123"}', '_handle_connect', ('/foo', {'sid': '123'})),
    ('1', '_handle_disconnect', (None,)),
    ('1/foo', '_handle_disconnect', ('/foo',)),
    ('1/foo,', '_handle_disconnect', ('/foo',)),
    ('2["foo"]', '_handle_event', (None, None, ['foo'])),
    ('2/foo,12["foo",1]', '_handle_event', ('/foo', 12, ['foo', 1])),
    ('3/foo,["bar"]', '_handle_ack', ('/foo', None, ['bar'])),
    ('4', '_handle_error', (None, None)),
    ('4"foo"', '_handle_error', (None, 'foo')),
    ('4["foo"]', '_handle_error', (None, ['foo'])),
    ('4/foo', '_handle_error', ('/foo', None)),
    ('4/foo,["foo","bar"]', '_handle_error', ('/foo', ['foo', 'bar'])),
    ('4/foo,{"message":"m","data":1}', '_handle_error', ('/foo', {'message': 'm', 'data': 1})),
])
def test_handle_eio_message(dispatching_client, message, handler, args):
    dispatching_client._handle_eio_message(message)
    getattr(dispatching_client, handler).assert_called_once_with(*args)


def test_handle_eio_message_binary_event(dispatching_client):
    c = dispatching_client
    c._handle_eio_message('51-{"_placeholder":true,"num":0}')
    assert c._binary_packet.packet_type == packet.BINARY_EVENT
    c._handle_eio_message(b'foo')
    c._handle_event.assert_called_once_with(None, None, b'foo')
    assert c._binary_packet is None


def test_handle_eio_message_binary_ack(dispatching_client):
    c = dispatching_client
    c._handle_eio_message('62-/foo,{"1":{"_placeholder":true,"num":1},'
                          '"2":{"_placeholder":true,"num":0}}')
    assert c._binary_packet.packet_type == packet.BINARY_ACK
    c._handle_eio_message(b'bar')
    c._handle_ack.assert_not_called()
    c._handle_eio_message(b'foo')
    c._handle_ack.assert_called_once_with('/foo', None, {'1': b'foo', '2': b'bar'})


def test_handle_eio_message_nested_binary_event(dispatching_client):
    c = dispatching_client
    c._handle_eio_message('52-/chat,7["ev",{"a":[{"_placeholder":true,"num":0},'
                          '{"b":{"_placeholder":true,"num":1}}]}]')
    c._handle_eio_message(b'x')
    c._handle_eio_message(b'y')
    c._handle_event.assert_called_once_with('/chat', 7, ['ev', {'a': [b'x', {'b': b'y'}]}])


def test_handle_eio_message_invalid(dispatching_client):
    with pytest.raises(ValueError):
        dispatching_client._handle_eio_message('9')


@pytest.mark.parametrize('message', ['9', '', 'x', '2[', '2{"a":1}', b'\xff\xfe', '2/foo',
                                     '51-[', '5-["a"]', '2' + '[' * 5000, '0/foo"bar,{}'])
def test_on_eio_message_logs_bad_packets(message, caplog):
    c = client.Client()
    c.connected = True
    c.namespaces = {'/': '1'}
    with caplog.at_level(logging.WARNING, logger='socketio.client'):
        c._on_eio_message(message)
    assert any(r.name == 'socketio.client' for r in caplog.records)
    assert c.connected is True
    assert c._binary_packet is None


def test_on_eio_message_unexpected_attachment_is_logged(caplog):
    c = client.Client()
    c._handle_event = mock.MagicMock()
    c._on_eio_message('51-["ev",{"_placeholder":true,"num":0}]')
    c._on_eio_message(b'x')
    c._handle_event.assert_called_once_with(None, None, ['ev', b'x'])
    with caplog.at_level(logging.WARNING, logger='socketio.client'):
        c._on_eio_message(b'stray')
    assert c._handle_event.call_count == 1
    assert caplog.records


def test_on_eio_message_bad_placeholder_resets_binary_state(caplog):
    c = client.Client()
    c._handle_event = mock.MagicMock()
    c._on_eio_message('51-["ev",{"_placeholder":true,"num":7}]')
    with caplog.at_level(logging.WARNING, logger='socketio.client'):
        c._on_eio_message(b'x')
    assert c._binary_packet is None
    c._handle_event.assert_not_called()
    c._on_eio_message('2["ok"]')
    c._handle_event.assert_called_once_with(None, None, ['ok'])


# -- C.16 engine.io connect / disconnect callbacks -----------------------------------------

def test_handle_eio_connect():
    c = client.Client()
    c.connection_namespaces = ['/', '/foo']
    c._send_packet = mock.MagicMock()
    c.eio.sid = 'foo'
    assert c.sid is None
    c._handle_eio_connect()
    assert c.sid == 'foo'
    assert [encoded(p) for p in sent_packets(c)] == ['0{}', '0/foo,{}']


def test_handle_eio_connect_with_auth():
    c = client.Client()
    c.connection_namespaces = ['/', '/foo']
    c.connection_auth = {'token': 'x'}
    c._send_packet = mock.MagicMock()
    c._handle_eio_connect()
    assert [encoded(p) for p in sent_packets(c)] == ['0{"token":"x"}',
                                                      '0/foo,{"token":"x"}']


def test_handle_eio_connect_with_callable_auth():
    c = client.Client()
    c.connection_namespaces = ['/']
    tokens = iter(['a', 'b'])
    c.connection_auth = lambda: {'token': next(tokens)}
    c._send_packet = mock.MagicMock()
    c._handle_eio_connect()
    c._handle_eio_connect()
    assert [encoded(p) for p in sent_packets(c)] == ['0{"token":"a"}', '0{"token":"b"}']


def test_handle_eio_disconnect():
    c = mocked_client(reconnection=False)
    c.namespaces = {'/': '1', '/foo': '2', '/bar': '3'}
    c.connected = True
    c.sid = 'foo'
    c.callbacks = {'/': {1: 'cb'}}
    c._binary_packet = 'half'
    c._trigger_event = mock.MagicMock()
    c.start_background_task = mock.MagicMock()
    c._handle_eio_disconnect('transport error')
    for ns in ('/', '/foo', '/bar'):
        c._trigger_event.assert_any_call('disconnect', ns, 'transport error')
        c._trigger_event.assert_any_call('__disconnect_final', ns)
    assert c.sid is None
    assert c.connected is False
    assert c.namespaces == {}
    assert c.callbacks == {}
    assert c._binary_packet is None
    c.start_background_task.assert_not_called()


def test_handle_eio_disconnect_without_reason():
    c = mocked_client(reconnection=False)
    c.namespaces = {'/': '1'}
    c.connected = True
    handler = mock.MagicMock()
    c.on('disconnect', handler)
    c._handle_eio_disconnect()
    handler.assert_called_once_with(CLIENT_DISCONNECT)


def test_handle_eio_disconnect_starts_reconnection():
    c = mocked_client()
    c.namespaces = {'/': '1'}
    c.connected = True
    c._trigger_event = mock.MagicMock()
    c.start_background_task = mock.MagicMock(return_value='task')
    c._handle_eio_disconnect('transport error')
    c.start_background_task.assert_called_once_with(c._handle_reconnect)
    assert c._reconnect_task == 'task'
    c._trigger_event.assert_called_once_with('disconnect', '/', 'transport error')
    # only one reconnection task at a time
    c._handle_eio_disconnect('transport error')
    c.start_background_task.assert_called_once()


@pytest.mark.parametrize('state,reconnection', [('disconnected', True),
                                                ('disconnecting', True),
                                                ('connected', False)])
def test_handle_eio_disconnect_no_reconnection(state, reconnection):
    c = mocked_client(reconnection=reconnection)
    c.eio.state = state
    c.start_background_task = mock.MagicMock()
    c._handle_eio_disconnect('transport error')
    c.start_background_task.assert_not_called()


# -- C.17 reconnection ---------------------------------------------------------------------

def test_reconnect_delay():
    with mock.patch('socketio.client.random.random', return_value=0.5):
        assert base_client.reconnect_delay(0, 1, 5, 0.5) == 1
        assert base_client.reconnect_delay(3, 1, 5, 0.5) == 5
        assert base_client.reconnect_delay(2, 0.1, 5, 0) == pytest.approx(0.4)
    with mock.patch('socketio.client.random.random', return_value=0):
        assert base_client.reconnect_delay(0, 0.1, 5, 0.5) == 0
    assert base_client.reconnect_delay(10 ** 6, 1, 5, 0) == 5


def reconnecting_client(**kwargs):
    c = client.Client(**kwargs)
    c._reconnect_task = 'foo'
    c._reconnect_abort.wait = mock.MagicMock(return_value=False)
    c.connect = mock.MagicMock()
    return c


@mock.patch('socketio.client.random.random', side_effect=[1, 0, 0.5])
def test_handle_reconnect(random):
    c = reconnecting_client()
    c.connect.side_effect = [ValueError, exceptions.ConnectionError, None]
    c._handle_reconnect()
    assert c._reconnect_abort.wait.call_args_list == [mock.call(1.5), mock.call(1.5),
                                                      mock.call(4.0)]
    assert c._reconnect_task is None
    assert c not in base_client.reconnecting_clients


@mock.patch('socketio.client.random.random', side_effect=[1, 0, 0.5])
def test_handle_reconnect_max_delay(random):
    c = reconnecting_client(reconnection_delay_max=3)
    c.connect.side_effect = [ValueError, exceptions.ConnectionError, None]
    c._handle_reconnect()
    assert c._reconnect_abort.wait.call_args_list == [mock.call(1.5), mock.call(1.5),
                                                      mock.call(3.0)]
    assert c._reconnect_task is None


@mock.patch('socketio.client.random.random', side_effect=[1, 0, 0.5])
def test_handle_reconnect_max_attempts(random):
    c = reconnecting_client(reconnection_attempts=2)
    final = mock.MagicMock()
    c.on('__disconnect_final', final)
    c.connection_namespaces = ['/']
    c.connect.side_effect = [ValueError, exceptions.ConnectionError, None]
    c._handle_reconnect()
    assert c._reconnect_abort.wait.call_args_list == [mock.call(1.5), mock.call(1.5)]
    assert c._reconnect_task == 'foo'
    final.assert_called_once_with()


@mock.patch('socketio.client.random.random', side_effect=[1, 0, 0.5])
def test_handle_reconnect_aborted(random):
    c = reconnecting_client()
    c._reconnect_abort.wait.side_effect = [False, True]
    c.connect.side_effect = exceptions.ConnectionError
    c._handle_reconnect()
    assert c._reconnect_abort.wait.call_args_list == [mock.call(1.5), mock.call(1.5)]
    assert c._reconnect_task == 'foo'
    assert c.connect.call_count == 1


def test_handle_reconnect_uses_remembered_arguments():
    c = reconnecting_client(randomization_factor=0)
    c.connection_url = 'url'
    c.connection_headers = {'h': 1}
    c.connection_auth = {'token': 't'}
    c.connection_transports = ['websocket']
    c.connection_namespaces = ['/', '/chat']
    c.socketio_path = 'path'
    c._handle_reconnect()
    c.connect.assert_called_once_with('url', headers={'h': 1}, auth={'token': 't'},
                                      transports=['websocket'], namespaces=['/', '/chat'],
                                      socketio_path='path')


def test_signal_handler_aborts_reconnection():
    c = client.Client()
    base_client.reconnecting_clients.append(c)
    try:
        with mock.patch.object(base_client, 'original_signal_handler', mock.MagicMock()) \
                as original:
            base_client.signal_handler('sig', 'frame')
        original.assert_called_once_with('sig', 'frame')
        assert c._reconnect_abort.is_set()
    finally:
        base_client.reconnecting_clients.remove(c)


def test_disconnect_aborts_reconnection_loop():
    c = client.Client(reconnection_delay=30, randomization_factor=0)
    c.connect = mock.MagicMock()
    c._reconnecting = True
    done = threading.Event()

    def loop():
        c._handle_reconnect()
        done.set()

    c._reconnect_task = c.start_background_task(loop)
    deadline_ok = c._reconnect_abort  # set by disconnect()
    while c not in base_client.reconnecting_clients:
        assert not done.is_set()
        c.sleep(0.005)
    c.disconnect()
    assert deadline_ok.is_set()
    assert done.wait(5)
    c.connect.assert_not_called()


def test_shutdown_when_connected():
    c = mocked_client()
    c.connected = True
    c.disconnect = mock.MagicMock()
    c.shutdown()
    c.disconnect.assert_called_once_with()


def test_shutdown_stops_reconnection():
    c = client.Client(reconnection_delay=30, randomization_factor=0)
    c.connect = mock.MagicMock()
    c._reconnecting = True
    c._reconnect_task = c.start_background_task(c._handle_reconnect)
    while c not in base_client.reconnecting_clients:
        c.sleep(0.005)
    c.shutdown()
    assert not c._reconnect_task.is_alive()
    c.connect.assert_not_called()


def test_disconnect_right_after_the_connection_dropped_stops_reconnection():
    # disconnect() between the drop and the start of the reconnection task counts
    c = mocked_client(reconnection_delay=30, randomization_factor=0)
    c.namespaces = {'/': '1'}
    c.connected = True
    c.start_background_task = mock.MagicMock()
    c._handle_eio_disconnect('transport error')
    task = c.start_background_task.call_args[0][0]
    c.disconnect()
    c.connect = mock.MagicMock()
    task()  # the reconnection task only starts running now
    c.connect.assert_not_called()
    assert c._reconnecting is False


def test_disconnect_during_a_successful_attempt_wins():
    c = reconnecting_client(randomization_factor=0)
    c.connect.side_effect = lambda *args, **kwargs: c._reconnect_abort.set()
    c.disconnect = mock.MagicMock()
    final = mock.MagicMock()
    c.on('__disconnect_final', final)
    c.connection_namespaces = ['/']
    c._handle_reconnect()
    c.disconnect.assert_called_once_with()
    assert c._reconnect_task == 'foo'
    final.assert_called_once_with()
