"""Unit tests of :class:`socketio.Server` with a mocked Engine.IO server.

These follow the 5.0.3 observations of ``server-client.md`` (section C), with
the later 5.x behaviour the contract's decision table selects: trailing
commas after namespaces, ``{"message": ...}`` CONNECT_ERROR payloads, unknown
namespaces refused, disconnect handlers receiving a reason, no ACK for
unhandled events, ``manager.disconnect(..., ignore_queue=True)`` and
broadcasts encoded once and sent through ``_send_eio_packet``.
"""
import logging
from unittest import mock

import engineio
import pytest

import socketio
from socketio import exceptions, msgpack_packet, namespace, packet
from socketio import server as server_module

SIDS = [str(i) for i in range(1, 20)]


@pytest.fixture(autouse=True)
def mocked_eio():
    """Patch the Engine.IO server class; sids come out as '1', '2', ..."""
    with mock.patch('socketio.server.engineio.Server',
                    **{'return_value.generate_id.side_effect': SIDS}) as eio:
        yield eio
    packet.Packet.json = engineio.json  # the default, in case a test changed it


@pytest.fixture
def server_logger():
    """Give tests a pristine 'socketio.server' logger and restore it afterwards."""
    logger = logging.getLogger('socketio.server')
    level, handlers = logger.level, logger.handlers[:]
    logger.setLevel(logging.NOTSET)
    yield logger
    logger.setLevel(level)
    logger.handlers[:] = handlers


def sent(s):
    """Everything the server handed to ``eio.send`` (eio_sid, text) in order."""
    return [c.args for c in s.eio.send.call_args_list]


def eio_sent(s):
    """Socket.IO payloads sent through ``eio.send_packet`` (encode-once path)."""
    return [(c.args[0], c.args[1].data) for c in s.eio.send_packet.call_args_list]


# -- construction ---------------------------------------------------------------

def test_create(mocked_eio):
    mgr = mock.MagicMock()
    s = socketio.Server(client_manager=mgr, async_handlers=True, foo='bar')
    mocked_eio.assert_called_once_with(foo='bar', async_handlers=False)
    assert s.manager == mgr
    mgr.set_server.assert_called_once_with(s)
    assert s.eio.on.call_count == 3
    assert [c.args[0] for c in s.eio.on.call_args_list] == ['connect', 'message', 'disconnect']
    assert s.async_handlers
    assert not s.always_connect
    assert s.manager_initialized is False
    assert s.async_mode == s.eio.async_mode
    assert s.namespaces == ['/']
    assert not s.is_asyncio_based()
    assert s.environ == {} and s.handlers == {} and s.namespace_handlers == {}


def test_create_default_manager_is_in_memory():
    s = socketio.Server()
    assert isinstance(s.manager, socketio.Manager)
    assert isinstance(s.manager, socketio.BaseManager)
    assert s.manager.server is s


def test_module_surface():
    assert server_module.engineio is __import__('engineio')
    assert server_module.default_logger is logging.getLogger('socketio.server')
    assert socketio.Server.reason.SERVER_DISCONNECT == 'server disconnect'
    assert socketio.Server.reason.CLIENT_DISCONNECT == 'client disconnect'


def test_engineio_logger(mocked_eio):
    socketio.Server(engineio_logger='foo')
    mocked_eio.assert_called_once_with(logger='foo', async_handlers=False)


def test_async_handlers_forced_off_in_engineio(mocked_eio):
    socketio.Server(async_handlers=True, async_mode='threading')
    mocked_eio.assert_called_once_with(async_mode='threading', async_handlers=False)


def test_custom_json(mocked_eio):
    class CustomJSON:
        @staticmethod
        def dumps(*args, **kwargs):
            return '*** encoded ***'

        @staticmethod
        def loads(*args, **kwargs):
            return ['+++ decoded +++']

    socketio.Server(json=CustomJSON)
    mocked_eio.assert_called_once_with(json=CustomJSON, async_handlers=False)
    pkt = packet.Packet(packet_type=packet.EVENT, data={'foo': 'bar'})
    assert pkt.encode() == '2*** encoded ***'
    pkt2 = packet.Packet(encoded_packet=pkt.encode())
    assert pkt2.data == ['+++ decoded +++']


def test_serializer():
    assert socketio.Server().packet_class is packet.Packet
    assert socketio.Server(serializer='msgpack').packet_class is msgpack_packet.MsgPackPacket

    class MyPacket(packet.Packet):
        pass

    assert socketio.Server(serializer=MyPacket).packet_class is MyPacket
    with pytest.raises(ValueError):
        socketio.Server(serializer='bogus')


def test_logger(server_logger):
    s = socketio.Server(logger=False)
    assert s.logger is server_logger
    assert s.logger.getEffectiveLevel() == logging.ERROR
    server_logger.setLevel(logging.NOTSET)
    s = socketio.Server(logger=True)
    assert s.logger.getEffectiveLevel() == logging.INFO
    server_logger.setLevel(logging.WARNING)
    s = socketio.Server(logger=True)
    assert s.logger.getEffectiveLevel() == logging.WARNING
    server_logger.setLevel(logging.NOTSET)
    s = socketio.Server(logger='foo')
    assert s.logger == 'foo'
    my_logger = logging.getLogger('my.logger')
    assert socketio.Server(logger=my_logger).logger is my_logger


# -- handler registration ------------------------------------------------------------

def test_on_event():
    s = socketio.Server()

    @s.on('connect')
    def foo():
        pass

    def bar():
        pass

    assert s.on('disconnect', bar) is None
    s.on('disconnect', bar, namespace='/foo')
    assert s.handlers['/']['connect'] is foo
    assert s.handlers['/']['disconnect'] is bar
    assert s.handlers['/foo']['disconnect'] is bar


def test_event_decorator():
    s = socketio.Server()

    @s.event
    def connect():
        pass

    @s.event()
    def foo():
        pass

    @s.event(namespace='/foo')
    def disconnect():
        pass

    assert connect.__name__ == 'connect'  # decorators return the function
    assert s.handlers['/']['connect'] is connect
    assert s.handlers['/']['foo'] is foo
    assert s.handlers['/foo']['disconnect'] is disconnect


@pytest.mark.parametrize('bad', [123, namespace.Namespace, object(), type('A', (), {})])
def test_register_namespace_rejects(bad):
    with pytest.raises(ValueError):
        socketio.Server().register_namespace(bad)


def test_register_async_namespace_rejected():
    with pytest.raises(ValueError):
        socketio.Server().register_namespace(socketio.AsyncNamespace('/foo'))

    class Sneaky(namespace.Namespace):
        def is_asyncio_based(self):
            return True

    with pytest.raises(ValueError):
        socketio.Server().register_namespace(Sneaky('/foo'))


def test_class_based_namespace():
    calls = []

    class MyNamespace(namespace.Namespace):
        def on_connect(self, sid, environ):
            calls.append(('connect', sid, environ))

        def on_disconnect(self, sid, reason):
            calls.append(('disconnect', sid, reason))

        def on_foo(self, sid, data):
            calls.append(('foo', sid, data))

        def on_bar(self, sid):
            calls.append(('bar', sid))

        def on_baz(self, sid, data1, data2):
            calls.append(('baz', sid, data1, data2))

    s = socketio.Server(async_handlers=False)
    ns = MyNamespace('/foo')
    s.register_namespace(ns)
    assert s.namespace_handlers['/foo'] is ns and ns.server is s
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0/foo')
    s._handle_eio_message('123', '2/foo,["foo","a"]')
    s._handle_eio_message('123', '2/foo,["bar"]')
    s._handle_eio_message('123', '2/foo,["baz","a","b"]')
    s.disconnect('1', '/foo')
    assert calls == [('connect', '1', 'environ'), ('foo', '1', 'a'), ('bar', '1'),
                     ('baz', '1', 'a', 'b'), ('disconnect', '1', 'server disconnect')]
    assert sent(s) == [('123', '0/foo,{"sid":"1"}'), ('123', '1/foo,')]


def test_class_based_namespace_disconnect_without_reason():
    calls = []

    class OldStyle(namespace.Namespace):
        def on_disconnect(self, sid):
            calls.append(sid)

    s = socketio.Server(async_handlers=False)
    s.register_namespace(OldStyle('/foo'))
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0/foo')
    s._handle_eio_message('123', '1/foo')
    assert calls == ['1']


# -- emit / send / call / rooms (mocked manager) ------------------------------------------

@pytest.fixture
def mgr_server():
    return socketio.Server(client_manager=mock.MagicMock())


@pytest.mark.parametrize('target', ['to', 'room'])
def test_emit(mgr_server, target):
    s = mgr_server
    s.emit('my event', {'foo': 'bar'}, skip_sid='123', namespace='/foo', callback='cb',
           **{target: 'room'})
    s.manager.emit.assert_called_once_with('my event', {'foo': 'bar'}, '/foo', room='room',
                                           skip_sid='123', callback='cb', ignore_queue=False)


def test_emit_default_namespace_and_extra_kwargs(mgr_server):
    s = mgr_server
    s.emit('my event', {'foo': 'bar'}, to='room', ignore_queue=True)
    s.manager.emit.assert_called_once_with('my event', {'foo': 'bar'}, '/', room='room',
                                           skip_sid=None, callback=None, ignore_queue=True)


def test_emit_to_wins_over_room(mgr_server):
    mgr_server.emit('ev', to='a', room='b')
    assert mgr_server.manager.emit.call_args.kwargs['room'] == 'a'


def test_send(mgr_server):
    s = mgr_server
    s.send('foo', to='room', skip_sid='123', namespace='/foo', callback='cb', ignore_queue=False)
    s.manager.emit.assert_called_once_with('message', 'foo', '/foo', room='room',
                                           skip_sid='123', callback='cb', ignore_queue=False)
    s.manager.emit.reset_mock()
    s.send('foo', room='room2')
    s.manager.emit.assert_called_once_with('message', 'foo', '/', room='room2',
                                           skip_sid=None, callback=None, ignore_queue=False)


def test_call(mgr_server):
    s = mgr_server

    def fake_wait(timeout=None):
        assert timeout == 60
        s.manager.emit.call_args_list[0][1]['callback']('foo', 321)
        return True

    s.eio.create_event.return_value.wait = fake_wait
    assert s.call('foo', sid='123') == ('foo', 321)
    args, kwargs = s.manager.emit.call_args
    assert args == ('foo', None, '/')
    assert kwargs['room'] == '123'


@pytest.mark.parametrize('ack,expected', [((), None), (('one',), 'one'),
                                          ((1, 2), (1, 2)), (([1, 2],), [1, 2])])
def test_call_return_values(mgr_server, ack, expected):
    s = mgr_server

    def fake_wait(timeout=None):
        s.manager.emit.call_args.kwargs['callback'](*ack)
        return True

    s.eio.create_event.return_value.wait = fake_wait
    assert s.call('foo', 'data', to='123', namespace='/ns') == expected
    args, kwargs = s.manager.emit.call_args
    assert args == ('foo', 'data', '/ns') and kwargs['room'] == '123'


def test_call_with_timeout(mgr_server):
    s = mgr_server
    waits = []

    def fake_wait(timeout=None):
        waits.append(timeout)
        return False

    s.eio.create_event.return_value.wait = fake_wait
    with pytest.raises(exceptions.TimeoutError):
        s.call('foo', sid='123', timeout=12)
    assert waits == [12]


def test_call_without_target(mgr_server):
    with pytest.raises(ValueError):
        mgr_server.call('foo')
    mgr_server.manager.emit.assert_not_called()


def test_call_with_sync_handlers():
    s = socketio.Server(client_manager=mock.MagicMock(), async_handlers=False)
    with pytest.raises(RuntimeError):
        s.call('foo', sid='123', timeout=12)


@pytest.mark.parametrize('ns,expected', [('/foo', '/foo'), (None, '/')])
def test_rooms_forwarding(mgr_server, ns, expected):
    s = mgr_server
    s.enter_room('123', 'room', namespace=ns)
    s.manager.enter_room.assert_called_once_with('123', expected, 'room')
    s.leave_room('123', 'room', namespace=ns)
    s.manager.leave_room.assert_called_once_with('123', expected, 'room')
    s.close_room('room', namespace=ns)
    s.manager.close_room.assert_called_once_with('room', expected)
    assert s.rooms('123', namespace=ns) is s.manager.get_rooms.return_value
    s.manager.get_rooms.assert_called_once_with('123', expected)


def test_handle_request(mgr_server):
    mgr_server.handle_request('environ', 'start_response')
    mgr_server.eio.handle_request.assert_called_once_with('environ', 'start_response')


def test_background_tasks_and_sleep(mgr_server):
    s = mgr_server
    assert s.start_background_task('foo', 'bar', baz='baz') is \
        s.eio.start_background_task.return_value
    s.eio.start_background_task.assert_called_once_with('foo', 'bar', baz='baz')
    s.sleep(1.23)
    s.eio.sleep.assert_called_once_with(1.23)


def test_shutdown(mgr_server, caplog):
    caplog.set_level(logging.INFO, logger='socketio.server')
    mgr_server.shutdown()
    mgr_server.eio.shutdown.assert_called_once_with()
    assert 'Socket.IO is shutting down' in caplog.text


def test_emit_logs(mgr_server, caplog):
    caplog.set_level(logging.INFO, logger='socketio.server')
    mgr_server.emit('ev', 1, namespace='/x')
    mgr_server.emit('ev', 1, to='r')
    mgr_server.enter_room('s', 'r')
    mgr_server.leave_room('s', 'r')
    mgr_server.close_room('r')
    assert 'emitting event "ev" to all [/x]' in caplog.text
    assert 'emitting event "ev" to r [/]' in caplog.text
    assert 's is entering room r [/]' in caplog.text
    assert 's is leaving room r [/]' in caplog.text
    assert 'room r is closing [/]' in caplog.text


# -- _emit_internal / _send_packet wire strings ------------------------------------------

@pytest.mark.parametrize('data,expected', [
    ('my data', '2/foo,["my event","my data"]'),
    (('foo', 'bar'), '2/foo,["my event","foo","bar"]'),
    (['foo', 'bar'], '2/foo,["my event",["foo","bar"]]'),
    (None, '2/foo,["my event"]'),
    ({'a': 'é'}, '2/foo,["my event",{"a":"\\u00e9"}]'),
])
def test_emit_internal(data, expected):
    s = socketio.Server()
    s._emit_internal('123', 'my event', data, namespace='/foo')
    s.eio.send.assert_called_once_with('123', expected)


def test_emit_internal_with_callback_and_default_namespace():
    s = socketio.Server()
    ack_id = s.manager._generate_ack_id('1', 'cb')
    assert ack_id == 1
    s._emit_internal('123', 'my event', 'my data', namespace='/foo', id=ack_id)
    s.eio.send.assert_called_once_with('123', '2/foo,1["my event","my data"]')
    s.eio.send.reset_mock()
    s._emit_internal('123', 'my event', 'my data')
    s.eio.send.assert_called_once_with('123', '2["my event","my data"]')


def test_emit_internal_binary():
    s = socketio.Server()
    s._emit_internal('123', 'my event', b'my binary data')
    assert sent(s) == [('123', '51-["my event",{"_placeholder":true,"num":0}]'),
                       ('123', b'my binary data')]


def test_send_eio_packet():
    s = socketio.Server()
    s._send_eio_packet('123', 'pkt')
    s.eio.send_packet.assert_called_once_with('123', 'pkt')


# -- connect flow (real manager) -------------------------------------------------------

def test_handle_connect():
    s = socketio.Server()
    s.manager.initialize = mock.MagicMock()
    handler = mock.MagicMock()
    s.on('connect', handler)
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0')
    assert s.manager.is_connected('1', '/')
    handler.assert_called_once_with('1', 'environ', None)
    s.eio.send.assert_called_once_with('123', '0{"sid":"1"}')
    assert s.manager.initialize.call_count == 1
    s._handle_eio_connect('456', 'environ')
    assert s.manager.initialize.call_count == 1
    assert s.environ == {'123': 'environ', '456': 'environ'}


def test_handle_connect_with_auth():
    s = socketio.Server()
    handler = mock.MagicMock()
    s.on('connect', handler)
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0{"token":"abc"}')
    handler.assert_called_once_with('1', 'environ', {'token': 'abc'})
    s.eio.send.assert_called_once_with('123', '0{"sid":"1"}')


def test_handle_connect_two_and_three_argument_handlers():
    s = socketio.Server()
    calls = []

    @s.event
    def connect(sid, environ):  # no auth parameter; client sent {}
        calls.append((sid, environ))

    @s.on('connect', namespace='/three')
    def connect3(sid, environ, auth):
        calls.append((sid, environ, auth))

    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0{}')
    s._handle_eio_message('123', '0/three,{}')
    assert calls == [('1', 'environ'), ('2', 'environ', None)]
    assert sent(s) == [('123', '0{"sid":"1"}'), ('123', '0/three,{"sid":"2"}')]


def test_handle_connect_namespace():
    s = socketio.Server()
    handler = mock.MagicMock()
    s.on('connect', handler, namespace='/foo')
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0/foo')
    assert s.manager.is_connected('1', '/foo')
    handler.assert_called_once_with('1', 'environ', None)
    s.eio.send.assert_called_once_with('123', '0/foo,{"sid":"1"}')


def test_handle_connect_query_string_in_namespace():
    s = socketio.Server()
    handler = mock.MagicMock()
    s.on('connect', handler, namespace='/foo')
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0/foo?x=1,')
    handler.assert_called_once_with('1', 'environ', None)


def test_handle_connect_always_connect():
    s = socketio.Server(always_connect=True)
    handler = mock.MagicMock()
    s.on('connect', handler)
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0')
    assert s.manager.is_connected('1', '/')
    handler.assert_called_once_with('1', 'environ', None)
    s.eio.send.assert_called_once_with('123', '0{"sid":"1"}')


def test_handler_emits_to_the_client_follow_the_connect_reply():
    s = socketio.Server()

    @s.event
    def connect(sid, environ):
        s.emit('hello', 'x', to=sid)  # deferred: the client is not connected yet

    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0')
    order = [c[0] for c in s.eio.method_calls if c[0] in ('send', 'send_packet')]
    assert order == ['send', 'send_packet']
    assert eio_sent(s) == [('123', '2["hello","x"]')]


@pytest.mark.parametrize('ns,prefix', [(None, ''), ('/foo', '/foo,')])
def test_handle_connect_rejected(ns, prefix):
    s = socketio.Server()
    handler = mock.MagicMock(return_value=False)
    disconnect_handler = mock.MagicMock()
    s.on('connect', handler, namespace=ns)
    s.on('disconnect', disconnect_handler, namespace=ns)
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0' + (ns or ''))
    handler.assert_called_once_with('1', 'environ', None)
    assert not s.manager.is_connected('1', ns or '/')
    s.eio.send.assert_called_once_with(
        '123', '4' + prefix + '{"message":"Connection rejected by server"}')
    assert s.environ == {'123': 'environ'}
    assert s.manager.rooms == {}
    disconnect_handler.assert_not_called()


@pytest.mark.parametrize('ns,prefix', [(None, ''), ('/foo', '/foo,')])
def test_handle_connect_rejected_always_connect(ns, prefix):
    s = socketio.Server(always_connect=True)
    handler = mock.MagicMock(return_value=False)
    s.on('connect', handler, namespace=ns)
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0' + (ns or ''))
    assert not s.manager.is_connected('1', ns or '/')
    assert sent(s) == [('123', '0' + prefix + '{"sid":"1"}'),
                       ('123', '1' + prefix + '{"message":"Connection rejected by server"}')]
    assert s.environ == {'123': 'environ'}
    assert s.manager.rooms == {} and s.manager.pending_disconnect == {}


@pytest.mark.parametrize('exc,ns,expected', [
    (exceptions.ConnectionRefusedError('fail_reason'), None,
     '4{"message":"fail_reason"}'),
    (exceptions.ConnectionRefusedError(), None,
     '4{"message":"Connection rejected by server"}'),
    (exceptions.ConnectionRefusedError(), '/foo',
     '4/foo,{"message":"Connection rejected by server"}'),
    (exceptions.ConnectionRefusedError('fail_reason', 1), '/foo',
     '4/foo,{"message":"fail_reason","data":1}'),
    (exceptions.ConnectionRefusedError('fail_reason', 1, '2'), None,
     '4{"message":"fail_reason","data":[1,"2"]}'),
    (ConnectionRefusedError('builtin'), None,
     '4{"message":"Connection refused by server"}'),
])
def test_handle_connect_rejected_with_exception(exc, ns, expected):
    s = socketio.Server()
    handler = mock.MagicMock(side_effect=exc)
    s.on('connect', handler, namespace=ns)
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0' + (ns or ''))
    s.eio.send.assert_called_once_with('123', expected)
    assert not s.manager.is_connected('1', ns or '/')
    assert s.environ == {'123': 'environ'}


def test_handle_connect_handler_crash_is_refusal(caplog):
    s = socketio.Server()
    caplog.set_level(logging.ERROR, logger='socketio.server')

    @s.event
    def connect(sid, environ):
        raise RuntimeError('boom')

    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0')
    s.eio.send.assert_called_once_with('123', '4{"message":"Connection rejected by server"}')
    assert 'connect handler error' in caplog.text and 'boom' in caplog.text


@pytest.mark.parametrize('value', [None, 0, '', True, 'yes'])
def test_only_false_rejects(value):
    s = socketio.Server()
    s.on('connect', mock.MagicMock(return_value=value))
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0')
    s.eio.send.assert_called_once_with('123', '0{"sid":"1"}')


def test_connect_unknown_namespace_refused():
    s = socketio.Server()
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0/foo')
    s.eio.send.assert_called_once_with('123', '4/foo,"Unable to connect"')
    assert s.manager.rooms == {}
    s.eio.generate_id.assert_not_called()


def test_connect_namespace_listed_or_wildcard():
    s = socketio.Server(namespaces=['/', '/foo'])
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0/foo')
    s._handle_eio_message('123', '0/bar')
    assert sent(s) == [('123', '0/foo,{"sid":"1"}'), ('123', '4/bar,"Unable to connect"')]
    s.eio.send.reset_mock()  # the patched class hands out the same mock
    s = socketio.Server(namespaces='*')
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0/anything')
    assert sent(s) == [('123', '0/anything,{"sid":"2"}')]


def test_connect_default_namespace_always_accepted_with_handlers_elsewhere():
    s = socketio.Server()
    s.on('connect', mock.MagicMock(), namespace='/foo')
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0')
    s.eio.send.assert_called_once_with('123', '0{"sid":"1"}')


def test_connect_catch_all_namespace_handler_needs_namespaces_option():
    s = socketio.Server()
    handler = mock.MagicMock()
    s.on('connect', handler, namespace='*')
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0/foo')
    s.eio.send.assert_called_once_with('123', '4/foo,"Unable to connect"')
    s.eio.send.reset_mock()
    s = socketio.Server(namespaces='*')
    s.on('connect', handler, namespace='*')
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0/foo')
    handler.assert_called_once_with('/foo', '1', 'environ', None)


def test_connect_twice_to_same_namespace():
    s = socketio.Server()
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0')
    s._handle_eio_message('123', '0')
    assert sent(s) == [('123', '0{"sid":"1"}'), ('123', '4"Unable to connect"')]
    assert s.manager.is_connected('1', '/')


def test_handle_eio_message_bad_packets():
    s = socketio.Server()
    with pytest.raises(ValueError):
        s._handle_eio_message('123', '4')
    with pytest.raises(ValueError):
        s._handle_eio_message('123', '9')


def test_on_eio_message_logs_bad_packets(caplog):
    s = socketio.Server()
    caplog.set_level(logging.WARNING, logger='socketio.server')
    s._on_eio_message('123', '9')
    s._on_eio_message('123', '2["unterminated')
    s._on_eio_message('456', '9')
    # one line per client; the repeats are counted and reported when it leaves
    assert caplog.text.count('Invalid packet from 123') == 1
    assert caplog.text.count('Invalid packet from 456') == 1
    s._handle_eio_disconnect('123')
    assert '1 more findings of "invalid packet" from 123 were not logged' in caplog.text


# -- disconnect flow ------------------------------------------------------------------------

def test_handle_disconnect():
    s = socketio.Server()
    s.manager.disconnect = mock.MagicMock()
    handler = mock.MagicMock()
    s.on('disconnect', handler)
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0')
    s._handle_eio_disconnect('123', 'transport close')
    handler.assert_called_once_with('1', 'transport close')
    s.manager.disconnect.assert_called_once_with('1', '/', ignore_queue=True)
    assert s.environ == {}


def test_handle_disconnect_without_reason_argument():
    s = socketio.Server()
    handler = mock.MagicMock()
    s.on('disconnect', handler)
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0')
    s._handle_eio_disconnect('123')
    handler.assert_called_once_with('1', 'client disconnect')
    assert s.manager.rooms == {}


def test_handle_disconnect_old_style_handler():
    s = socketio.Server()
    calls = []

    @s.event
    def disconnect(sid):
        calls.append(sid)

    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0')
    s._handle_eio_disconnect('123', 'ping timeout')
    assert calls == ['1']


def test_handle_disconnect_handler_error_still_cleans_up(caplog):
    s = socketio.Server()
    caplog.set_level(logging.ERROR, logger='socketio.server')

    @s.event
    def disconnect(sid, reason):
        raise RuntimeError('boom')

    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0')
    s._handle_eio_disconnect('123', 'transport close')
    assert s.manager.rooms == {} and s.environ == {}
    assert 'disconnect handler error' in caplog.text


def test_handle_disconnect_namespace():
    s = socketio.Server()
    handler = mock.MagicMock()
    s.on('disconnect', handler)
    handler_namespace = mock.MagicMock()
    s.on('connect', mock.MagicMock(), namespace='/foo')
    s.on('disconnect', handler_namespace, namespace='/foo')
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0/foo')
    s._handle_eio_disconnect('123', 'transport error')
    handler.assert_not_called()
    handler_namespace.assert_called_once_with('1', 'transport error')
    assert s.environ == {}


def test_handle_disconnect_only_namespace():
    s = socketio.Server()
    handler = mock.MagicMock()
    s.on('disconnect', handler)
    handler_namespace = mock.MagicMock()
    s.on('disconnect', handler_namespace, namespace='/foo')
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0')
    s._handle_eio_message('123', '0/foo')
    s._handle_eio_message('123', '1/foo,')
    assert handler.call_count == 0
    handler_namespace.assert_called_once_with('2', 'client disconnect')
    assert s.environ == {'123': 'environ'}
    assert s.manager.is_connected('1', '/')
    assert not s.manager.is_connected('2', '/foo')
    assert s.eio.send.call_count == 2  # the two CONNECT replies, nothing more


def test_handle_disconnect_unknown_client():
    mgr = mock.MagicMock()
    mgr.get_namespaces.return_value = ['/']
    mgr.is_connected.return_value = False
    mgr._claim_disconnect.return_value = None  # not connected
    s = socketio.Server(client_manager=mgr)
    s._handle_eio_disconnect('123')
    mgr.disconnect.assert_not_called()


def test_handle_disconnect_drops_half_received_binary_packet():
    s = socketio.Server()
    s.on('my message', mock.MagicMock())
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0')
    s._handle_eio_message('123', '51-["my message",{"_placeholder":true,"num":0}]')
    assert '123' in s._binary_packet
    s._handle_eio_disconnect('123', 'transport close')
    assert s._binary_packet == {}


@pytest.mark.parametrize('ns,expected', [(None, '1'), ('/foo', '1/foo,')])
@pytest.mark.parametrize('ignore_queue', [False, True])
def test_server_disconnect(ns, expected, ignore_queue):
    s = socketio.Server()
    handler = mock.MagicMock()
    s.on('disconnect', handler, namespace=ns)
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0' + (ns or ''))
    s.eio.send.reset_mock()
    s.disconnect('1', namespace=ns, ignore_queue=ignore_queue)
    s.eio.send.assert_called_once_with('123', expected)
    handler.assert_called_once_with('1', 'server disconnect')
    assert not s.manager.is_connected('1', ns or '/')
    assert s.environ == {'123': 'environ'}  # the transport stays open
    s.disconnect('1', namespace=ns)
    assert s.eio.send.call_count == 1
    assert handler.call_count == 1


def test_server_disconnect_uses_can_disconnect_unless_ignore_queue():
    mgr = mock.MagicMock()
    mgr.can_disconnect.return_value = False
    s = socketio.Server(client_manager=mgr)
    s.disconnect('1', '/foo')
    mgr.can_disconnect.assert_called_once_with('1', '/foo')
    mgr._claim_disconnect.assert_not_called()
    mgr._claim_disconnect.return_value = '123'  # connected: now marked as leaving
    s.disconnect('1', '/foo', ignore_queue=True)
    mgr.can_disconnect.assert_called_once()
    mgr._claim_disconnect.assert_called_once_with('1', '/foo')
    s.eio.send.assert_called_once_with('123', '1/foo,')
    mgr.disconnect.assert_called_once_with('1', '/foo', ignore_queue=True)


def test_server_disconnect_eio_sid_is_noop():
    s = socketio.Server()
    s.on('connect', mock.MagicMock(), namespace='/foo')
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0/foo')
    s.eio.send.reset_mock()
    s.disconnect('123', namespace='/foo')
    s.disconnect('123', namespace='/foo')
    s.eio.send.assert_not_called()


def test_disconnect_handler_can_still_read_rooms_and_session():
    s = socketio.Server()
    seen = {}
    sessions = {}
    s.eio.get_session.side_effect = lambda eio_sid: sessions.setdefault(eio_sid, {})

    @s.event
    def connect(sid, environ):
        s.enter_room(sid, 'room')
        s.save_session(sid, {'user': 'u'})

    @s.event
    def disconnect(sid, reason):
        seen['rooms'] = sorted(s.rooms(sid))
        seen['session'] = s.get_session(sid)
        seen['connected'] = s.manager.is_connected(sid, '/')

    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0')
    s._handle_eio_message('123', '1')
    assert seen == {'rooms': ['1', 'room'], 'session': {'user': 'u'}, 'connected': False}
    assert s.manager.rooms == {}


def test_disconnect_logs(caplog):
    s = socketio.Server()
    caplog.set_level(logging.INFO, logger='socketio.server')
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0')
    s.disconnect('1')
    assert 'Disconnecting 1 [/]' in caplog.text


# -- events and acks --------------------------------------------------------------------

@pytest.mark.parametrize('ns', [None, '/foo'])
def test_handle_event(ns):
    s = socketio.Server(async_handlers=False)
    sid = s.manager.connect('123', ns or '/')
    handler = mock.MagicMock()
    s.on('my message', handler, namespace=ns)
    prefix = ns + ',' if ns else ''
    s._handle_eio_message('123', '2' + prefix + '["my message","a","b","c"]')
    handler.assert_called_once_with(sid, 'a', 'b', 'c')


def test_handle_event_with_other_namespace(caplog):
    s = socketio.Server(async_handlers=False)
    caplog.set_level(logging.WARNING, logger='socketio.server')
    s.manager.connect('123', '/foo')
    handler = mock.MagicMock()
    s.on('my message', handler, namespace='/bar')
    s._handle_eio_message('123', '2/bar,["my message","a","b","c"]')
    handler.assert_not_called()
    assert 'is not connected to namespace /bar' in caplog.text


def test_handle_event_before_connect(caplog):
    s = socketio.Server(async_handlers=False)
    caplog.set_level(logging.WARNING, logger='socketio.server')
    handler = mock.MagicMock()
    s.on('my message', handler)
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '21["my message"]')
    handler.assert_not_called()
    s.eio.send.assert_not_called()
    assert '123 is not connected to namespace /' in caplog.text


@pytest.mark.parametrize('first', [b'foo', 'foo'], ids=['bytes', 'text'])
def test_handle_event_binary(first):
    # an attachment may arrive as text: uWSGI's WebSocket API (gevent_uwsgi)
    # gives frames as bytes and Engine.IO decodes some of them as text
    s = socketio.Server(async_handlers=False)
    sid = s.manager.connect('123', '/')
    handler = mock.MagicMock()
    s.on('my message', handler)
    s._handle_eio_message('123', '52-["my message","a",{"_placeholder":true,"num":1},'
                                 '{"_placeholder":true,"num":0}]')
    s._handle_eio_message('123', first)
    handler.assert_not_called()
    s._handle_eio_message('123', b'bar')
    handler.assert_called_once_with(sid, 'a', b'bar', b'foo')
    assert s._binary_packet == {}


def test_handle_binary_packet_not_connected():
    s = socketio.Server(async_handlers=False)
    with pytest.raises(ValueError):
        s._handle_eio_message('123', '51-["my message",{"_placeholder":true,"num":0}]')
    assert s._binary_packet == {}


def test_handle_event_binary_ack():
    s = socketio.Server()
    s.manager.trigger_callback = mock.MagicMock()
    sid = s.manager.connect('123', '/')
    s._handle_eio_message('123', '61-321["my message","a",{"_placeholder":true,"num":0}]')
    s._handle_eio_message('123', b'foo')
    s.manager.trigger_callback.assert_called_once_with(sid, 321, ['my message', 'a', b'foo'])
    s.eio.start_background_task.assert_not_called()  # acks are processed inline


@pytest.mark.parametrize('result,expected', [
    ('foo', '31000["foo"]'),
    (None, '31000[]'),
    ((1, '2', True), '31000[1,"2",true]'),
    ([1, '2', True], '31000[[1,"2",true]]'),
    ({'k': 'ü'}, '31000[{"k":"\\u00fc"}]'),
])
def test_handle_event_with_ack(result, expected):
    s = socketio.Server(async_handlers=False)
    sid = s.manager.connect('123', '/')
    handler = mock.MagicMock(return_value=result)
    s.on('my message', handler)
    s._handle_eio_message('123', '21000["my message","foo"]')
    handler.assert_called_once_with(sid, 'foo')
    s.eio.send.assert_called_once_with('123', expected)


def test_handle_event_with_ack_namespace():
    s = socketio.Server(async_handlers=False)
    s.manager.connect('123', '/foo')
    s.on('my message', mock.MagicMock(return_value='ok'), namespace='/foo')
    s._handle_eio_message('123', '2/foo,7["my message"]')
    s.eio.send.assert_called_once_with('123', '3/foo,7["ok"]')


def test_handle_event_with_ack_binary():
    s = socketio.Server(async_handlers=False)
    sid = s.manager.connect('123', '/')
    handler = mock.MagicMock(return_value=b'foo')
    s.on('my message', handler)
    s._handle_eio_message('123', '21000["my message","foo"]')
    handler.assert_any_call(sid, 'foo')
    assert sent(s) == [('123', '61-1000[{"_placeholder":true,"num":0}]'), ('123', b'foo')]


def test_unhandled_event_gets_no_ack():
    s = socketio.Server(async_handlers=False)
    s.manager.connect('123', '/')
    s._handle_eio_message('123', '21000["unknown"]')
    s.eio.send.assert_not_called()


def test_class_namespace_without_method_still_acks():
    class MyNamespace(namespace.Namespace):
        pass

    s = socketio.Server(async_handlers=False)
    s.register_namespace(MyNamespace('/foo'))
    s.manager.connect('123', '/foo')
    s._handle_eio_message('123', '2/foo,5["unknown"]')
    s.eio.send.assert_called_once_with('123', '3/foo,5[]')


def test_handle_client_ack():
    s = socketio.Server(async_handlers=False)
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0')
    cb = mock.MagicMock()
    id1 = s.manager._generate_ack_id('1', cb)
    id2 = s.manager._generate_ack_id('1', cb)
    assert (id1, id2) == (1, 2)
    s._emit_internal('123', 'my event', ['foo'], id=id1)
    s._emit_internal('123', 'my event', ['bar'], id=id2)
    s._handle_eio_message('123', '31["foo",2]')
    cb.assert_called_once_with('foo', 2)
    s._handle_eio_message('123', '31["again"]')  # already consumed: ignored
    cb.assert_called_once_with('foo', 2)


def test_handle_client_ack_namespace():
    s = socketio.Server(async_handlers=False)
    s.on('connect', mock.MagicMock(), namespace='/foo')
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0/foo')
    cb = mock.MagicMock()
    ack_id = s.manager._generate_ack_id('1', cb)
    s._emit_internal('123', 'my event', ['foo'], namespace='/foo', id=ack_id)
    s._handle_eio_message('123', '3/foo,1["foo",2]')
    cb.assert_called_once_with('foo', 2)


def test_handle_event_with_async_handlers():
    s = socketio.Server(async_handlers=True)
    sid = s.manager.connect('123', '/')
    handler = mock.MagicMock()
    s.on('my message', handler)
    s._handle_eio_message('123', '2["my message","a","b","c"]')
    s.eio.start_background_task.assert_called_once_with(
        s._handle_event_internal, s, sid, '123', ['my message', 'a', 'b', 'c'], '/', None)
    handler.assert_not_called()
    # running the task does the work
    target, *args = s.eio.start_background_task.call_args.args
    target(*args)
    handler.assert_called_once_with(sid, 'a', 'b', 'c')


def test_async_handler_exception_is_logged(caplog):
    s = socketio.Server(async_handlers=True)
    caplog.set_level(logging.ERROR, logger='socketio.server')
    s.manager.connect('123', '/')

    @s.on('boom')
    def boom(sid):
        raise RuntimeError('kaboom')

    s._handle_eio_message('123', '21["boom"]')
    target, *args = s.eio.start_background_task.call_args.args
    target(*args)  # does not raise
    assert '"boom" handler error' in caplog.text and 'kaboom' in caplog.text
    s.eio.send.assert_not_called()


def test_sync_handler_exception_propagates():
    s = socketio.Server(async_handlers=False)
    s.manager.connect('123', '/')
    s.on('boom', mock.MagicMock(side_effect=RuntimeError('kaboom')))
    with pytest.raises(RuntimeError):
        s._handle_eio_message('123', '2["boom"]')


def test_event_logs(caplog):
    s = socketio.Server(async_handlers=False)
    caplog.set_level(logging.INFO, logger='socketio.server')
    s.manager.connect('123', '/')
    s._handle_eio_message('123', '2["ev"]')
    s._handle_eio_message('123', '31[]')
    assert 'received event "ev" from 1 [/]' in caplog.text
    assert 'received ack from 1 [/]' in caplog.text


# -- catch-all handlers -----------------------------------------------------------------

def test_catch_all_handlers_dispatch_order():
    s = socketio.Server(async_handlers=False, namespaces='*')
    calls = []
    s.on('*', lambda *a: calls.append(('ns*',) + a))
    s.on('exact', lambda *a: calls.append(('exact',) + a))
    s.on('nsonly', lambda *a: calls.append(('*ns',) + a), namespace='*')
    s.on('*', lambda *a: calls.append(('**',) + a), namespace='*')
    s.manager.connect('123', '/')
    s.manager.connect('123', '/other')
    s._handle_eio_message('123', '2["exact",1]')
    s._handle_eio_message('123', '2["anything",2]')
    s._handle_eio_message('123', '2/other,["nsonly",3]')
    s._handle_eio_message('123', '2/other,["zzz",4]')
    assert calls == [('exact', '1', 1), ('ns*', 'anything', '1', 2),
                     ('*ns', '/other', '2', 3), ('**', 'zzz', '/other', '2', 4)]


def test_catch_all_does_not_receive_connect_or_disconnect():
    s = socketio.Server()
    catch_all = mock.MagicMock()
    s.on('*', catch_all)
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0')
    s._handle_eio_message('123', '1')
    catch_all.assert_not_called()


def test_catch_all_class_namespace():
    calls = []

    class Any(namespace.Namespace):
        def on_ev(self, ns, sid, data):
            calls.append((ns, sid, data))

    s = socketio.Server(async_handlers=False, namespaces='*')
    s.register_namespace(Any('*'))
    s.manager.connect('123', '/x')
    s._handle_eio_message('123', '2/x,["ev","d"]')
    assert calls == [('/x', '1', 'd')]


def test_decorator_handler_wins_over_class_namespace():
    calls = []

    class MyNamespace(namespace.Namespace):
        def on_ev(self, sid):
            calls.append('class')

    s = socketio.Server(async_handlers=False)
    s.register_namespace(MyNamespace('/'))
    s.on('ev', lambda sid: calls.append('decorator'))
    s.manager.connect('123', '/')
    s._handle_eio_message('123', '2["ev"]')
    assert calls == ['decorator']


# -- broadcasting from the server (real manager) ------------------------------------------

def test_emit_to_room_and_broadcast_go_through_send_eio_packet():
    s = socketio.Server()
    s._handle_eio_connect('a', 'environ')
    s._handle_eio_connect('b', 'environ')
    s._handle_eio_message('a', '0')
    s._handle_eio_message('b', '0')
    s.enter_room('1', 'room')
    s.eio.send.reset_mock()
    s.emit('ev', {'x': 1}, to='room')
    s.emit('ev', 'all', skip_sid='2')
    s.emit('ev', ('two', 'args'))
    assert eio_sent(s) == [('a', '2["ev",{"x":1}]'), ('a', '2["ev","all"]'),
                           ('a', '2["ev","two","args"]'), ('b', '2["ev","two","args"]')]
    s.eio.send.assert_not_called()


def test_broadcast_binary_encoded_once():
    s = socketio.Server()
    for eio_sid in ('a', 'b'):
        s._handle_eio_connect(eio_sid, 'environ')
        s._handle_eio_message(eio_sid, '0')
    with mock.patch.object(packet.Packet, 'encode', autospec=True,
                           side_effect=packet.Packet.encode) as encode:
        s.emit('bin', {'data': b'\x00\x01'})
    assert encode.call_count == 1
    assert eio_sent(s) == [
        ('a', '51-["bin",{"data":{"_placeholder":true,"num":0}}]'), ('a', b'\x00\x01'),
        ('b', '51-["bin",{"data":{"_placeholder":true,"num":0}}]'), ('b', b'\x00\x01')]


def test_emit_with_callback_uses_send_packet():
    s = socketio.Server()
    s._handle_eio_connect('a', 'environ')
    s._handle_eio_message('a', '0')
    s.eio.send.reset_mock()
    cb = mock.MagicMock()
    s.emit('ev', 'x', to='1', callback=cb)
    s.eio.send.assert_called_once_with('a', '21["ev","x"]')
    s._handle_eio_message('a', '31["answer"]')
    cb.assert_called_once_with('answer')


def test_send_packet_is_looked_up_on_instance():
    s = socketio.Server(async_handlers=False)
    captured = []
    s._send_packet = lambda eio_sid, pkt: captured.append((eio_sid, pkt.encode()))
    s.on('ev', lambda sid: 'ok')
    s._handle_eio_connect('a', 'environ')
    s._handle_eio_message('a', '0')
    s._handle_eio_message('a', '24["ev"]')
    assert captured == [('a', '0{"sid":"1"}'), ('a', '34["ok"]')]


# -- sessions, environ, transport ---------------------------------------------------------

def test_session():
    fake_session = {}

    def fake_get_session(eio_sid):
        assert eio_sid == '123'
        return fake_session

    s = socketio.Server()
    s.eio.get_session = fake_get_session
    s.eio.save_session = mock.MagicMock(side_effect=AssertionError('not used'))
    s.on('connect', mock.MagicMock(), namespace='/ns')
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0')
    s._handle_eio_message('123', '0/ns')
    sid = s.manager.sid_from_eio_sid('123', '/')
    sid2 = s.manager.sid_from_eio_sid('123', '/ns')
    s.save_session(sid, {'foo': 'bar'})
    with s.session(sid) as session:
        assert session == {'foo': 'bar'}
        session['foo'] = 'baz'
        session['bar'] = 'foo'
    assert s.get_session(sid) == {'foo': 'baz', 'bar': 'foo'}
    assert fake_session == {'/': {'foo': 'baz', 'bar': 'foo'}}
    with s.session(sid2, namespace='/ns') as session:
        assert session == {}
        session['a'] = 'b'
    assert s.get_session(sid2, namespace='/ns') == {'a': 'b'}
    assert fake_session == {'/': {'foo': 'baz', 'bar': 'foo'}, '/ns': {'a': 'b'}}


def test_session_saved_even_if_block_raises():
    store = {}
    s = socketio.Server()
    s.eio.get_session.return_value = store
    s._handle_eio_connect('123', 'environ')
    s._handle_eio_message('123', '0')
    with pytest.raises(KeyError):
        with s.session('1') as session:
            session['x'] = 1
            raise KeyError('oops')
    assert store == {'/': {'x': 1}}


def test_get_environ():
    s = socketio.Server()
    environ = {'foo': 'bar'}
    s._handle_eio_connect('123', environ)
    s._handle_eio_message('123', '0')
    assert s.get_environ('1') is environ
    assert s.get_environ('foo') is None
    assert s.get_environ('1', namespace='/other') is None


def test_transport():
    s = socketio.Server()
    s.eio.transport = mock.MagicMock(return_value='polling')
    s._handle_eio_connect('foo', 'environ')
    assert s.transport('foo') == 'polling'  # an engine.io sid still works
    s.eio.transport.assert_called_once_with('foo')
    s._handle_eio_message('foo', '0')
    s.eio.transport.reset_mock()
    s.transport('1')  # a socket.io sid is translated
    s.eio.transport.assert_called_once_with('foo')


def test_instrument_requires_auth():
    pytest.importorskip('socketio.admin', reason='socketio.admin is another issue')
    s = socketio.Server()
    with pytest.raises(ValueError):
        s.instrument()


def test_text_message_where_an_attachment_is_due_is_the_attachment():
    # as in 5.0.3, whatever comes next is the attachment (text as UTF-8)
    s = socketio.Server(async_handlers=False)
    handler = mock.MagicMock()
    s.on('my message', handler)
    s.manager.connect('123', '/')
    s._handle_eio_message('123', '51-["my message",{"_placeholder":true,"num":0}]')
    s._handle_eio_message('123', '2["my message","text"]')
    assert s._binary_packet == {}
    handler.assert_called_once_with('1', b'2["my message","text"]')
    # anything else than bytes or text drops the half-received packet
    s._handle_eio_message('123', '51-["my message",{"_placeholder":true,"num":0}]')
    with pytest.raises(ValueError, match='Expected a binary attachment'):
        s._handle_eio_message('123', 42)
    assert s._binary_packet == {}


def test_stray_attachment_is_invalid():
    s = socketio.Server(async_handlers=False)
    s.manager.connect('123', '/')
    with pytest.raises(ValueError):
        s._handle_eio_message('123', b'stray')


def test_close_connection_does_not_wait_for_the_packet_queue():
    """A connection the server closes (disconnect_sockets(close=True), a
    shutdown) must not wait for its queue to drain: a client already gone
    never drains it, and a message-queue listener would wait forever."""
    s = socketio.Server(async_mode='threading')
    eio_socket = mock.MagicMock()
    s.eio.sockets = {'eio1': eio_socket}
    s._close_connection('eio1')
    eio_socket.close.assert_called_once_with(wait=False, reason=s.reason.SERVER_DISCONNECT)
    s._close_connection('unknown')  # gone already: nothing to do
    assert eio_socket.close.call_count == 1
