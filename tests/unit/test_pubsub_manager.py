"""PubSubManager (sync) with the backend mocked: messages, local-first
operations, host_id filtering and the listener loop."""
import functools
import json
import logging
import pickle
from unittest import mock

import pytest

from socketio import manager, packet, pubsub_base
from socketio.pubsub_manager import PubSubManager

HOST = '123456'


@pytest.fixture
def server():
    server = mock.MagicMock()
    server.packet_class = packet.Packet
    server.eio.generate_id.side_effect = [f'sid{i}' for i in range(1, 20)]
    return server


@pytest.fixture
def pm(server):
    pm = PubSubManager()
    pm._publish = mock.MagicMock()
    pm.set_server(server)
    pm.host_id = HOST
    pm.initialize()
    return pm


def emit_msg(**fields):
    message = {'method': 'emit', 'event': 'foo', 'data': ['bar'], 'binary': False,
               'namespace': '/', 'room': None, 'skip_sid': None, 'callback': None,
               'host_id': HOST}
    message.update(fields)
    return message


class TestConstruction:
    def test_defaults(self, pm, server):
        assert pm.channel == 'socketio'
        assert pm.name == 'pubsub'
        assert len(PubSubManager().host_id) == 32
        assert PubSubManager().host_id != PubSubManager().host_id
        server.start_background_task.assert_called_once_with(pm._thread)

    def test_custom_channel_and_json(self):
        custom_json = mock.MagicMock()
        pm = PubSubManager(channel='foo', json=custom_json)
        assert pm.channel == 'foo'
        assert pm.json is custom_json

    def test_write_only_starts_no_listener(self, server):
        pm = PubSubManager(write_only=True)
        pm.set_server(server)
        pm.initialize()
        server.start_background_task.assert_not_called()

    def test_write_only_without_server(self):
        pm = PubSubManager(write_only=True)
        pm.initialize()
        assert pm._get_logger() is logging.getLogger('socketio')
        test_logger = logging.getLogger('test')
        assert PubSubManager(write_only=True, logger=test_logger)._get_logger() is test_logger

    def test_abstract_backend(self):
        with pytest.raises(NotImplementedError):
            PubSubManager()._publish({})
        with pytest.raises(NotImplementedError):
            PubSubManager()._listen()


class TestOperations:
    def test_emit_applies_locally_then_publishes(self, pm):
        with mock.patch.object(manager.Manager, 'emit') as local:
            pm.emit('foo', 'bar')
        local.assert_called_once_with('foo', 'bar', namespace='/', room=None, skip_sid=None,
                                      callback=None)
        pm._publish.assert_called_once_with(emit_msg())

    def test_emit_fields(self, pm):
        pm.emit('foo', ('a', b'b'), namespace='/baz', room='r', skip_sid=['x'])
        pm._publish.assert_called_once_with(emit_msg(
            data=[['a', {'_placeholder': True, 'num': 0}], 'Yg=='], binary=True,
            namespace='/baz', room='r', skip_sid=['x']))
        pm._publish.reset_mock()
        pm.emit('foo', 'bar', to='t')
        assert pm._publish.call_args[0][0]['room'] == 't'

    def test_emit_with_callback(self, pm):
        with mock.patch.object(pm, '_generate_ack_id', return_value='123'):
            pm.emit('foo', 'bar', room='baz', callback='cb')
        pm._publish.assert_called_once_with(emit_msg(room='baz', callback=('baz', '/', '123')))

    def test_callback_needs_a_server_then_a_room(self, pm):
        with pytest.raises(RuntimeError):
            PubSubManager().emit('foo', 'bar', room='r', callback='cb')
        with pytest.raises(ValueError):
            pm.emit('foo', 'bar', callback='cb')
        pm._publish.assert_not_called()

    def test_emit_ignore_queue(self, pm):
        with mock.patch.object(manager.Manager, 'emit') as local:
            pm.emit('foo', 'bar', room='sid1', namespace='/', ignore_queue=True)
        local.assert_called_once_with('foo', 'bar', namespace='/', room='sid1', skip_sid=None,
                                      callback=None)
        pm._publish.assert_not_called()

    def test_emit_reaches_local_clients(self, pm, server):
        pm.connect('eio1', '/')
        server.reset_mock()
        pm.emit('foo', 'bar')
        sent_to = [c for c in server.mock_calls if c[1] and c[1][0] in ('eio1', ['eio1'])]
        assert sent_to, server.mock_calls  # the packet went to the local client's session
        pm._publish.assert_called_once()

    def test_can_disconnect(self, pm):
        sid = pm.connect('eio1', '/')
        assert pm.can_disconnect(sid, '/') is True
        pm._publish.assert_not_called()
        assert not pm.can_disconnect(sid, '/foo')
        pm._publish.assert_called_once_with(
            {'method': 'disconnect', 'sid': sid, 'namespace': '/foo', 'host_id': HOST})

    def test_disconnect_everywhere(self, pm, server):
        pm.disconnect('sidx', '/foo')
        server.disconnect.assert_called_once_with(sid='sidx', namespace='/foo',
                                                  ignore_queue=True)
        pm._publish.assert_called_once_with(
            {'method': 'disconnect', 'sid': 'sidx', 'namespace': '/foo', 'host_id': HOST})

    def test_disconnect_ignore_queue_forgets_locally(self, pm, server):
        sid = pm.connect('eio1', '/')
        pm.disconnect(sid, '/', ignore_queue=True)
        assert not pm.is_connected(sid, '/')
        pm._publish.assert_not_called()
        server.disconnect.assert_not_called()

    def test_rooms_of_local_clients_change_here(self, pm):
        sid = pm.connect('eio1', '/')
        pm.enter_room(sid, '/', 'r')
        assert 'r' in pm.get_rooms(sid, '/')
        pm.leave_room(sid, '/', 'r')
        assert 'r' not in pm.get_rooms(sid, '/')
        pm._publish.assert_not_called()

    def test_rooms_of_remote_clients_are_published(self, pm):
        pm.enter_room('far', '/', 'r')
        pm.leave_room('far', '/x', 'r')
        assert pm._publish.call_args_list == [
            mock.call({'method': 'enter_room', 'sid': 'far', 'room': 'r', 'namespace': '/',
                       'host_id': HOST}),
            mock.call({'method': 'leave_room', 'sid': 'far', 'room': 'r', 'namespace': '/x',
                       'host_id': HOST})]

    def test_close_room(self, pm):
        with mock.patch.object(manager.Manager, 'close_room') as local:
            pm.close_room('foo')
            pm.close_room('foo', '/bar')
        assert local.call_args_list == [mock.call(room='foo', namespace='/'),
                                        mock.call(room='foo', namespace='/bar')]
        assert pm._publish.call_args_list == [
            mock.call({'method': 'close_room', 'room': 'foo', 'namespace': '/', 'host_id': HOST}),
            mock.call({'method': 'close_room', 'room': 'foo', 'namespace': '/bar',
                       'host_id': HOST})]


class TestHandlers:
    def test_handle_emit_old_shape(self, pm):
        with mock.patch.object(manager.Manager, 'emit') as local:
            pm._handle_emit({'event': 'foo', 'data': 'bar'})
        local.assert_called_once_with('foo', 'bar', namespace=None, room=None, skip_sid=None,
                                      callback=None)

    def test_handle_emit_unpacks_arguments(self, pm):
        with mock.patch.object(manager.Manager, 'emit') as local:
            pm._handle_emit(emit_msg(data=[1, 2], namespace='/baz', room='r', skip_sid='s'))
            pm._handle_emit(emit_msg(data=[[1, 2]]))
            pm._handle_emit(emit_msg(data=[[{'_placeholder': True, 'num': 0}], 'eA=='],
                                     binary=True))
        assert [c[0][1] for c in local.call_args_list] == [(1, 2), [1, 2], b'x']
        assert local.call_args_list[0][1] == dict(namespace='/baz', room='r', skip_sid='s',
                                                  callback=None)

    def test_handle_emit_with_callback_from_another_host(self, pm):
        with mock.patch.object(manager.Manager, 'emit') as local:
            pm._handle_emit(emit_msg(callback=('sid', '/baz', 123), host_id='other'))
        callback = local.call_args[1]['callback']
        assert isinstance(callback, functools.partial)
        callback('one', 2, 'three')
        pm._publish.assert_called_once_with(
            {'method': 'callback', 'host_id': 'other', 'sid': 'sid', 'namespace': '/baz',
             'id': 123, 'args': ('one', 2, 'three')})

    def test_callback_of_an_emit_from_this_host_runs_directly(self, pm):
        with mock.patch.object(manager.Manager, 'emit') as local:
            pm._handle_emit(emit_msg(callback=('sid', '/baz', 123)))
        with mock.patch.object(pm, 'trigger_callback') as trigger:
            local.call_args[1]['callback']('one', 2)
        trigger.assert_called_once_with('sid', 123, ('one', 2))
        pm._publish.assert_not_called()

    def test_callback_across_hosts_end_to_end(self, pm):
        answers = []
        pm.connect('eio1', '/')
        pm.emit('foo', 'bar', room='far', callback=lambda *a: answers.append(a))
        message = pm._publish.call_args[0][0]
        # the owner of 'far' acknowledges: its callback message comes back
        pm._handle_callback({'method': 'callback', 'host_id': HOST, 'sid': 'far',
                             'namespace': '/', 'id': message['callback'][2],
                             'args': ['one', 2]})
        assert answers == [('one', 2)]

    @pytest.mark.parametrize('message, called', [
        ({'method': 'callback', 'host_id': HOST, 'sid': 'sid', 'namespace': '/', 'id': 123,
          'args': ('one', 2)}, True),
        ({'method': 'callback', 'host_id': 'x', 'sid': 'sid', 'namespace': '/', 'id': 123,
          'args': ('one', 2)}, False),
        ({'method': 'callback', 'host_id': HOST, 'namespace': '/', 'id': 123,
          'args': ('one', 2)}, False),
        ({'method': 'callback', 'host_id': HOST, 'sid': 'sid', 'namespace': '/',
          'args': ('one', 2)}, False),
        ({'method': 'callback', 'host_id': HOST, 'sid': 'sid', 'namespace': '/', 'id': 123},
         False),
    ])
    def test_handle_callback(self, pm, message, called):
        with mock.patch.object(pm, 'trigger_callback') as trigger:
            pm._handle_callback(message)
        if called:
            trigger.assert_called_once_with('sid', 123, ('one', 2))
        else:
            trigger.assert_not_called()

    def test_handle_disconnect(self, pm, server):
        pm._handle_disconnect({'method': 'disconnect', 'sid': '123', 'namespace': '/foo'})
        server.disconnect.assert_called_once_with(sid='123', namespace='/foo',
                                                  ignore_queue=True)

    def test_handle_disconnect_without_server(self):
        PubSubManager(write_only=True)._handle_disconnect({'sid': '1', 'namespace': '/'})

    def test_handle_room_changes_only_for_local_clients(self, pm):
        sid = pm.connect('eio1', '/')
        pm._handle_enter_room({'method': 'enter_room', 'sid': sid, 'room': 'r',
                               'namespace': '/'})
        pm._handle_enter_room({'method': 'enter_room', 'sid': 'far', 'room': 'r',
                               'namespace': '/'})
        assert [s for s, _ in pm.get_participants('/', 'r')] == [sid]
        pm._handle_leave_room({'method': 'leave_room', 'sid': sid, 'room': 'r'})
        assert list(pm.get_participants('/', 'r')) == []

    def test_handle_close_room(self, pm):
        with mock.patch.object(manager.Manager, 'close_room') as local:
            pm._handle_close_room({'method': 'close_room', 'room': 'foo'})
            pm._handle_close_room({'method': 'close_room', 'room': 'foo', 'namespace': '/bar'})
        assert local.call_args_list == [mock.call(room='foo', namespace=None),
                                        mock.call(room='foo', namespace='/bar')]


class TestListener:
    def test_thread_dispatches_valid_messages_and_skips_the_rest(self, pm, caplog):
        def messages():
            yield {'method': 'emit', 'value': 'foo', 'event': 'e', 'data': []}
            yield {'missing': 'method'}
            yield '{"method": "callback", "host_id": "x", "sid": "s", "id": 1, "args": []}'
            yield b'{"method": "disconnect", "sid": "s", "namespace": "/"}'
            yield {'method': 'bogus'}
            yield pickle.dumps({'method': 'close_room', 'room': 'baz'})
            yield 'bad json'
            yield b'bad pickled'
            yield {'method': 'close_room', 'room': 'mine', 'host_id': HOST}  # own message
            yield json.dumps({'method': 'enter_room', 'sid': 's', 'room': 'r'})

        pm._listen = mock.MagicMock(side_effect=messages)
        for name in ('emit', 'callback', 'disconnect', 'close_room', 'enter_room'):
            setattr(pm, '_handle_' + name, mock.MagicMock())
        with caplog.at_level(logging.WARNING, logger='socketio'):
            pm.logger = logging.getLogger('socketio')
            pm._thread()
        pm._handle_emit.assert_called_once_with(
            {'method': 'emit', 'value': 'foo', 'event': 'e', 'data': []})
        pm._handle_callback.assert_called_once_with(
            {'method': 'callback', 'host_id': 'x', 'sid': 's', 'id': 1, 'args': []})
        pm._handle_disconnect.assert_called_once_with(
            {'method': 'disconnect', 'sid': 's', 'namespace': '/'})
        pm._handle_enter_room.assert_called_once()
        pm._handle_close_room.assert_not_called()  # pickle refused, own message skipped
        # five invalid messages: the first is logged, the others only counted
        skipped = [r for r in caplog.records if 'Skipping invalid' in r.getMessage()]
        assert len(skipped) == 1

    def test_handler_errors_are_logged_and_the_listener_goes_on(self, pm, caplog):
        pm._listen = mock.MagicMock(return_value=iter([
            {'method': 'disconnect', 'sid': 'a'}, {'method': 'disconnect', 'sid': 'b'}]))
        pm._handle_disconnect = mock.MagicMock(side_effect=[RuntimeError('boom'), None])
        pm.logger = logging.getLogger('socketio')
        with caplog.at_level(logging.ERROR, logger='socketio'):
            pm._thread()
        assert pm._handle_disconnect.call_count == 2
        assert 'Error handling pubsub message' in caplog.text

    def test_listen_failures_restart_it_with_backoff(self, pm):
        attempts = []

        def listen():
            attempts.append(1)
            if len(attempts) < 4:
                raise ConnectionError('down')
            yield {'method': 'disconnect', 'sid': 'a'}

        pm._listen = listen
        pm._handle_disconnect = mock.MagicMock()
        pm._sleep = mock.MagicMock()
        pm._thread()
        assert [c[0][0] for c in pm._sleep.call_args_list] == [0.1, 0.2, 0.4]
        pm._handle_disconnect.assert_called_once()


class TestHelpers:
    def test_backoff(self):
        backoff = pubsub_base.Backoff()
        assert [backoff.next() for _ in range(5)] == [0.1, 0.2, 0.4, 0.5, 0.5]
        assert backoff.reset() == 5
        assert backoff.next() == 0.1 and backoff.first_failure

    @pytest.mark.filterwarnings('ignore::Warning')  # importing eventlet warns
    def test_monkey_patch_check(self):
        pytest.importorskip('eventlet')
        pubsub_base.check_monkey_patched(mock.MagicMock(async_mode='threading'), 'X')
        with pytest.raises(RuntimeError, match='X requires a monkey patched socket'):
            pubsub_base.check_monkey_patched(mock.MagicMock(async_mode='eventlet'), 'X')
        with pytest.raises(RuntimeError, match='gevent'):
            pubsub_base.check_monkey_patched(mock.MagicMock(async_mode='gevent_uwsgi'), 'X')

    def test_optional_import(self):
        assert pubsub_base.optional_import('json') is json
        assert pubsub_base.optional_import('no_such_module_here') is None

    def test_is_a_manager_for_flask_socketio(self):
        from socketio import Manager
        assert issubclass(PubSubManager, Manager)
