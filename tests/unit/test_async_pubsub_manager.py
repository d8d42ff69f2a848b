"""AsyncPubSubManager with the backend mocked: the same flows as the sync
manager, awaited, and both listener styles (async generator, 5.0.3 coroutine)."""
import asyncio
import functools
import logging
import pickle
from unittest import mock

import pytest

from socketio import async_manager, packet
from socketio.async_pubsub_manager import AsyncPubSubManager

HOST = '123456'


def run(coro):
    return asyncio.run(coro)


@pytest.fixture
def server():
    server = mock.MagicMock()
    server.packet_class = packet.Packet
    server._emit_internal = mock.AsyncMock()
    server._send_eio_packet = mock.AsyncMock()
    server._send_eio_packets = mock.AsyncMock()
    server.disconnect = mock.AsyncMock()
    server.eio.generate_id.side_effect = [f'sid{i}' for i in range(1, 20)]
    return server


@pytest.fixture
def pm(server):
    pm = AsyncPubSubManager()
    pm._publish = mock.AsyncMock()
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


def test_initialize(pm, server):
    assert pm.name == 'asyncpubsub'
    assert pm.channel == 'socketio'
    assert len(AsyncPubSubManager().host_id) == 32
    server.start_background_task.assert_called_once_with(pm._thread)
    write_only = AsyncPubSubManager(write_only=True)
    write_only.initialize()  # no server needed
    assert write_only._get_logger() is logging.getLogger('socketio')


def test_emit_applies_locally_then_publishes(pm):
    with mock.patch.object(async_manager.AsyncManager, 'emit', new=mock.AsyncMock()) as local:
        run(pm.emit('foo', 'bar'))
    local.assert_awaited_once_with('foo', 'bar', namespace='/', room=None, skip_sid=None,
                                   callback=None)
    pm._publish.assert_awaited_once_with(emit_msg())


def test_emit_with_callback_and_errors(pm):
    with mock.patch.object(pm, '_generate_ack_id', return_value='123'):
        run(pm.emit('foo', 'bar', room='baz', callback='cb'))
    pm._publish.assert_awaited_once_with(emit_msg(room='baz', callback=('baz', '/', '123')))
    with pytest.raises(RuntimeError):
        run(AsyncPubSubManager().emit('foo', 'bar', room='r', callback='cb'))
    with pytest.raises(ValueError):
        run(pm.emit('foo', 'bar', callback='cb'))


def test_emit_ignore_queue(pm, server):
    sid = run(pm.connect('eio1', '/'))
    run(pm.emit('foo', 'bar', room=sid, namespace='/', ignore_queue=True))
    pm._publish.assert_not_awaited()
    assert any(c[1] and c[1][0] in ('eio1', ['eio1']) for c in server.mock_calls)


def test_can_disconnect(pm):
    sid = run(pm.connect('eio1', '/'))
    assert run(pm.can_disconnect(sid, '/')) is True
    pm._publish.assert_not_awaited()
    assert not run(pm.can_disconnect(sid, '/foo'))
    pm._publish.assert_awaited_once_with(
        {'method': 'disconnect', 'sid': sid, 'namespace': '/foo', 'host_id': HOST})


def test_disconnect(pm, server):
    run(pm.disconnect('far', '/foo'))
    server.disconnect.assert_awaited_once_with(sid='far', namespace='/foo', ignore_queue=True)
    pm._publish.assert_awaited_once_with(
        {'method': 'disconnect', 'sid': 'far', 'namespace': '/foo', 'host_id': HOST})
    sid = run(pm.connect('eio1', '/'))
    run(pm.disconnect(sid, '/', ignore_queue=True))
    assert not pm.is_connected(sid, '/')


def test_rooms(pm):
    sid = run(pm.connect('eio1', '/'))
    run(pm.enter_room(sid, '/', 'r'))
    assert 'r' in pm.get_rooms(sid, '/')
    run(pm.leave_room(sid, '/', 'r'))
    pm._publish.assert_not_awaited()
    run(pm.enter_room('far', '/', 'r'))
    pm._publish.assert_awaited_once_with(
        {'method': 'enter_room', 'sid': 'far', 'room': 'r', 'namespace': '/', 'host_id': HOST})


def test_close_room(pm):
    with mock.patch.object(async_manager.AsyncManager, 'close_room',
                           new=mock.AsyncMock()) as local:
        run(pm.close_room('foo', '/bar'))
    local.assert_awaited_once_with(room='foo', namespace='/bar')
    pm._publish.assert_awaited_once_with(
        {'method': 'close_room', 'room': 'foo', 'namespace': '/bar', 'host_id': HOST})


def test_handle_emit(pm):
    with mock.patch.object(async_manager.AsyncManager, 'emit', new=mock.AsyncMock()) as local:
        run(pm._handle_emit({'event': 'foo', 'data': 'bar'}))
        local.assert_awaited_once_with('foo', 'bar', namespace=None, room=None,
                                       skip_sid=None, callback=None)
        run(pm._handle_emit(emit_msg(callback=('sid', '/baz', 123), host_id='other')))
    callback = local.call_args[1]['callback']
    assert isinstance(callback, functools.partial)
    run(callback('one', 2, 'three'))
    pm._publish.assert_awaited_once_with(
        {'method': 'callback', 'host_id': 'other', 'sid': 'sid', 'namespace': '/baz',
         'id': 123, 'args': ('one', 2, 'three')})


def test_handle_callback(pm):
    with mock.patch.object(pm, 'trigger_callback', new=mock.AsyncMock()) as trigger:
        run(pm._handle_callback({'method': 'callback', 'host_id': HOST, 'sid': 'sid',
                                 'namespace': '/', 'id': 123, 'args': ('one', 2)}))
        run(pm._handle_callback({'method': 'callback', 'host_id': 'bad', 'sid': 'sid',
                                 'namespace': '/', 'id': 123, 'args': ('one', 2)}))
        run(pm._handle_callback({'method': 'callback', 'host_id': HOST, 'namespace': '/',
                                 'id': 123, 'args': ('one', 2)}))
    trigger.assert_awaited_once_with('sid', 123, ('one', 2))


def test_callback_round_trip_on_one_host(pm):
    answers = []

    async def scenario():
        await pm.connect('eio1', '/')
        await pm.emit('foo', 'bar', room='far', callback=lambda *a: answers.append(a))
        ack_id = pm._publish.await_args[0][0]['callback'][2]
        await pm._handle_callback({'method': 'callback', 'host_id': HOST, 'sid': 'far',
                                   'namespace': '/', 'id': ack_id, 'args': ['x']})

    run(scenario())
    assert answers == [('x',)]


def test_handle_disconnect_and_close_room(pm, server):
    run(pm._handle_disconnect({'method': 'disconnect', 'sid': '123', 'namespace': '/foo'}))
    server.disconnect.assert_awaited_once_with(sid='123', namespace='/foo', ignore_queue=True)
    with mock.patch.object(async_manager.AsyncManager, 'close_room',
                           new=mock.AsyncMock()) as local:
        run(pm._handle_close_room({'method': 'close_room', 'room': 'foo'}))
    local.assert_awaited_once_with(room='foo', namespace=None)


MESSAGES = [
    {'method': 'emit', 'value': 'foo', 'event': 'e', 'data': []},
    {'missing': 'method'},
    '{"method": "callback", "host_id": "x", "sid": "s", "id": 1, "args": []}',
    {'method': 'disconnect', 'sid': 's', 'namespace': '/'},
    {'method': 'bogus'},
    pickle.dumps({'method': 'close_room', 'value': 'baz'}),
    'bad json',
    b'bad pickled',
    {'method': 'disconnect', 'sid': 'mine', 'host_id': HOST},  # own message: skipped
]


def mock_handlers(pm):
    for name in ('emit', 'callback', 'disconnect', 'close_room'):
        setattr(pm, '_handle_' + name, mock.AsyncMock())


def check_dispatched(pm):
    pm._handle_emit.assert_awaited_once_with(MESSAGES[0])
    pm._handle_callback.assert_awaited_once_with(
        {'method': 'callback', 'host_id': 'x', 'sid': 's', 'id': 1, 'args': []})
    pm._handle_disconnect.assert_awaited_once_with(MESSAGES[3])
    pm._handle_close_room.assert_not_awaited()


def test_thread_with_an_async_generator(pm):
    async def listen():
        for message in MESSAGES:
            yield message

    pm._listen = listen
    mock_handlers(pm)
    run(pm._thread())
    check_dispatched(pm)


def test_thread_with_a_503_style_coroutine(pm):
    pm._listen = mock.AsyncMock(side_effect=MESSAGES)  # then raises StopAsyncIteration
    mock_handlers(pm)
    run(pm._thread())  # a failing 5.0.3 style _listen ends the task
    check_dispatched(pm)


def test_thread_restarts_a_failed_generator_with_backoff(pm):
    attempts = []

    async def listen():
        attempts.append(1)
        if len(attempts) < 3:
            raise ConnectionError('down')
        yield {'method': 'disconnect', 'sid': 's'}

    pm._listen = listen
    mock_handlers(pm)
    with mock.patch('asyncio.sleep', new=mock.AsyncMock()) as sleep:
        run(pm._thread())
    assert [c[0][0] for c in sleep.await_args_list] == [0.1, 0.2]
    pm._handle_disconnect.assert_awaited_once()


def test_handler_errors_do_not_stop_the_listener(pm):
    async def listen():
        yield {'method': 'disconnect', 'sid': 'a'}
        yield {'method': 'disconnect', 'sid': 'b'}

    pm._listen = listen
    pm._handle_disconnect = mock.AsyncMock(side_effect=[RuntimeError('boom'), None])
    run(pm._thread())
    assert pm._handle_disconnect.await_count == 2
