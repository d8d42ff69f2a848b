"""Unit tests of class-based namespaces (core.md 8.4 plus ``call()`` and ``to=``)."""
from unittest import mock

import pytest

import socketio
from socketio import namespace


class MyNamespace(namespace.Namespace):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = []

    def on_connect(self, sid, environ):
        self.calls.append(('connect', sid, environ))

    def on_disconnect(self, sid):
        self.calls.append(('disconnect', sid))

    def on_custom_message(self, sid, data):
        self.calls.append(('custom_message', sid, data))
        return 'result'


@pytest.fixture
def ns():
    ns = MyNamespace('/foo')
    ns._set_server(mock.MagicMock())
    return ns


def test_defaults():
    assert namespace.Namespace().namespace == '/'
    assert namespace.Namespace().server is None
    assert not namespace.Namespace().is_asyncio_based()
    assert socketio.Namespace is namespace.Namespace
    assert issubclass(namespace.Namespace, namespace.BaseNamespace)
    assert issubclass(namespace.ClientNamespace, namespace.BaseNamespace)


def test_trigger_event(ns):
    ns.trigger_event('connect', 'sid', {'foo': 'bar'})
    ns.trigger_event('disconnect', 'sid')
    assert ns.trigger_event('custom_message', 'sid', {'data': 'data'}) == 'result'
    assert ns.trigger_event('unknown', 'sid', 'x') is None
    assert ns.calls == [('connect', 'sid', {'foo': 'bar'}), ('disconnect', 'sid'),
                        ('custom_message', 'sid', {'data': 'data'})]


def test_trigger_event_name_used_verbatim():
    class Odd(namespace.Namespace):
        pass

    ns = Odd()
    setattr(ns, 'on_weird-name', lambda sid: 'yes')
    assert ns.trigger_event('weird-name', 'sid') == 'yes'


@pytest.mark.parametrize('override,expected', [(None, '/foo'), ('/bar', '/bar')])
def test_emit(ns, override, expected):
    extra = {'namespace': override} if override else {}
    ns.emit('ev', data='data', room='room', skip_sid='skip', callback='cb', **extra)
    ns.server.emit.assert_called_with('ev', data='data', to=None, room='room',
                                      skip_sid='skip', namespace=expected, callback='cb',
                                      ignore_queue=False)
    ns.emit('ev', data='data', to='room2', **extra)
    ns.server.emit.assert_called_with('ev', data='data', to='room2', room=None,
                                      skip_sid=None, namespace=expected, callback=None,
                                      ignore_queue=False)
    ns.emit('ev', ignore_queue=True, **extra)
    ns.server.emit.assert_called_with('ev', data=None, to=None, room=None, skip_sid=None,
                                      namespace=expected, callback=None, ignore_queue=True)


@pytest.mark.parametrize('override,expected', [(None, '/foo'), ('/bar', '/bar')])
def test_send(ns, override, expected):
    extra = {'namespace': override} if override else {}
    ns.send(data='data', room='room', skip_sid='skip', callback='cb', **extra)
    ns.server.send.assert_called_with('data', to=None, room='room', skip_sid='skip',
                                      namespace=expected, callback='cb', ignore_queue=False)
    ns.send('data', to='room2', **extra)
    ns.server.send.assert_called_with('data', to='room2', room=None, skip_sid=None,
                                      namespace=expected, callback=None, ignore_queue=False)


@pytest.mark.parametrize('override,expected', [(None, '/foo'), ('/bar', '/bar')])
def test_call(ns, override, expected):
    extra = {'namespace': override} if override else {}
    assert ns.call('ev', data='data', to='sid', **extra) is ns.server.call.return_value
    ns.server.call.assert_called_with('ev', data='data', to='sid', sid=None,
                                      namespace=expected, timeout=None, ignore_queue=False)
    ns.call('ev', sid='sid', timeout=3, ignore_queue=True, **extra)
    ns.server.call.assert_called_with('ev', data=None, to=None, sid='sid',
                                      namespace=expected, timeout=3, ignore_queue=True)


@pytest.mark.parametrize('override,expected', [(None, '/foo'), ('/bar', '/bar')])
def test_room_and_session_proxies(ns, override, expected):
    extra = {'namespace': override} if override else {}
    s = ns.server
    ns.enter_room('sid', 'room', **extra)
    s.enter_room.assert_called_with('sid', 'room', namespace=expected)
    ns.leave_room('sid', 'room', **extra)
    s.leave_room.assert_called_with('sid', 'room', namespace=expected)
    ns.close_room('room', **extra)
    s.close_room.assert_called_with('room', namespace=expected)
    assert ns.rooms('sid', **extra) is s.rooms.return_value
    s.rooms.assert_called_with('sid', namespace=expected)
    assert ns.get_session('sid', **extra) is s.get_session.return_value
    s.get_session.assert_called_with('sid', namespace=expected)
    ns.save_session('sid', {'a': 'b'}, **extra)
    s.save_session.assert_called_with('sid', {'a': 'b'}, namespace=expected)
    assert ns.session('sid', **extra) is s.session.return_value
    s.session.assert_called_with('sid', namespace=expected)
    ns.disconnect('sid', **extra)
    s.disconnect.assert_called_with('sid', namespace=expected)


def test_client_namespace_proxies():
    ns = namespace.ClientNamespace('/foo')
    assert ns.client is None
    ns._set_client(mock.MagicMock())
    ns.emit('ev', data='data', callback='cb')
    ns.client.emit.assert_called_with('ev', data='data', namespace='/foo', callback='cb')
    ns.emit('ev', namespace='/bar')
    ns.client.emit.assert_called_with('ev', data=None, namespace='/bar', callback=None)
    ns.send(data='data', callback='cb')
    ns.client.send.assert_called_with('data', namespace='/foo', callback='cb')
    ns.send('data', room='ignored', skip_sid='ignored', namespace='/bar')
    ns.client.send.assert_called_with('data', namespace='/bar', callback=None)
    assert ns.call('ev', data='d', timeout=2) is ns.client.call.return_value
    ns.client.call.assert_called_with('ev', data='d', namespace='/foo', timeout=2)
    ns.disconnect()
    ns.client.disconnect.assert_called_with()


def test_namespace_proxies_on_a_real_server():
    """End to end inside one process: the proxies drive a real Server."""
    with mock.patch('socketio.server.engineio.Server',
                    **{'return_value.generate_id.side_effect': ['1', '2']}):
        s = socketio.Server(async_handlers=False)
    store = {}
    s.eio.get_session.return_value = store
    seen = {}

    class Chat(namespace.Namespace):
        def on_connect(self, sid, environ):
            self.enter_room(sid, 'lobby')
            self.save_session(sid, {'user': 'ann'})

        def on_hello(self, sid, data):
            with self.session(sid) as session:
                session['said'] = data
            self.emit('hi', data, to='lobby')
            seen['rooms'] = sorted(self.rooms(sid))
            return 'ack'

    s.register_namespace(Chat('/chat'))
    s._handle_eio_connect('a', {})
    s._handle_eio_message('a', '0/chat,')
    s._handle_eio_message('a', '2/chat,5["hello","yo"]')
    assert seen['rooms'] == ['1', 'lobby']
    assert store == {'/chat': {'user': 'ann', 'said': 'yo'}}
    assert [c.args[1].data for c in s.eio.send_packet.call_args_list] == ['2/chat,["hi","yo"]']
    assert [c.args for c in s.eio.send.call_args_list] == [
        ('a', '0/chat,{"sid":"1"}'), ('a', '3/chat,5["ack"]')]
