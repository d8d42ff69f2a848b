"""Unit tests of :class:`socketio.AsyncManager` (``asyncio.md`` section 8.4).

Later 5.x behaviour per the contract: broadcasts without a callback are
encoded once and sent through ``server._send_eio_packet``; emits with a
callback still go through ``server._emit_internal`` with one ack id per
recipient.
"""
import asyncio
import inspect
from unittest import mock
from unittest.mock import AsyncMock, MagicMock

import pytest

import socketio
from socketio import async_manager, asyncio_manager


@pytest.fixture
def run():
    loop = asyncio.new_event_loop()
    yield loop.run_until_complete
    loop.close()


@pytest.fixture
def bm():
    ids = iter(str(i) for i in range(1, 100))
    server = MagicMock()
    server._emit_internal = AsyncMock()
    server._send_eio_packet = AsyncMock()
    server.eio.generate_id = lambda: next(ids)
    server.packet_class = socketio.packet.Packet
    manager = socketio.AsyncManager()
    manager.set_server(server)
    manager.initialize()
    return manager


def eio_sent(bm):
    return [(c.args[0], c.args[1].data) for c in bm.server._send_eio_packet.await_args_list]


def test_alias_and_class():
    assert asyncio_manager.AsyncManager is async_manager.AsyncManager
    assert issubclass(socketio.AsyncManager, socketio.BaseManager)


@pytest.mark.parametrize('name', ['can_disconnect', 'emit', 'disconnect', 'enter_room',
                                  'leave_room', 'close_room', 'trigger_callback'])
def test_operations_are_coroutine_functions(name):
    assert inspect.iscoroutinefunction(getattr(socketio.AsyncManager, name))
    assert not inspect.iscoroutinefunction(getattr(socketio.Manager, name))


def test_connect(run, bm):
    sid = run(bm.connect('123', '/foo'))
    assert None in bm.rooms['/foo'] and sid in bm.rooms['/foo']
    assert dict(bm.rooms['/foo'][None]) == {sid: '123'}
    assert dict(bm.rooms['/foo'][sid]) == {sid: '123'}
    assert bm.sid_from_eio_sid('123', '/foo') == sid
    assert run(bm.connect('123', '/foo')) is None  # already connected there


def test_pre_disconnect_and_disconnect(run, bm):
    sid1 = run(bm.connect('123', '/foo'))
    sid2 = run(bm.connect('456', '/foo'))
    assert bm.pre_disconnect(sid1, '/foo') == '123'
    assert bm.pending_disconnect == {'/foo': [sid1]}
    assert not bm.is_connected(sid1, '/foo')
    bm.pre_disconnect(sid2, '/foo')
    assert bm.pending_disconnect == {'/foo': [sid1, sid2]}
    run(bm.disconnect(sid1, '/foo'))
    assert bm.pending_disconnect == {'/foo': [sid2]}
    run(bm.disconnect(sid2, '/foo', ignore_queue=True))
    assert bm.pending_disconnect == {}
    assert bm.rooms == {}


def test_disconnect_cleans_rooms_and_callbacks(run, bm):
    sid1 = run(bm.connect('123', '/foo'))
    sid2 = run(bm.connect('456', '/foo'))
    run(bm.enter_room(sid1, '/foo', 'bar'))
    run(bm.enter_room(sid2, '/foo', 'baz'))
    bm._generate_ack_id(sid1, 'f')
    bm._generate_ack_id(sid2, 'g')
    run(bm.disconnect(sid1, '/foo'))
    assert sid1 not in bm.callbacks and sid2 in bm.callbacks
    assert 'bar' not in bm.rooms['/foo'] and 'baz' in bm.rooms['/foo']
    run(bm.disconnect(sid1, '/foo'))  # twice: harmless
    run(bm.disconnect(sid2, '/foo'))
    assert bm.rooms == {}


def test_sids_are_per_namespace(run, bm):
    sid1 = run(bm.connect('123', '/'))
    sid2 = run(bm.connect('123', '/foo'))
    assert sid1 != sid2
    assert bm.is_connected(sid1, '/') and not bm.is_connected(sid2, '/')


def test_trigger_callback(run, bm):
    sid = run(bm.connect('123', '/'))
    cb, async_cb = MagicMock(), AsyncMock()
    id1 = bm._generate_ack_id(sid, cb)
    id2 = bm._generate_ack_id(sid, async_cb)
    run(bm.trigger_callback(sid, id1, ['foo']))
    run(bm.trigger_callback(sid, id2, ['bar', 'baz']))
    cb.assert_called_once_with('foo')
    async_cb.assert_awaited_once_with('bar', 'baz')
    run(bm.trigger_callback('xxx', id1, ['foo']))  # unknown sid
    run(bm.trigger_callback(sid, id1 + 10, ['foo']))  # unknown id
    assert cb.call_count == 1


def test_namespaces_participants_rooms(run, bm):
    assert list(bm.get_namespaces()) == []
    sid1 = run(bm.connect('123', '/'))
    sid2 = run(bm.connect('456', '/'))
    run(bm.connect('789', '/foo'))
    assert sorted(bm.get_namespaces()) == ['/', '/foo']
    run(bm.disconnect(sid2, '/'))
    assert list(bm.get_participants('/', None)) == [(sid1, '123')]
    run(bm.leave_room(sid1, '/', 'nope'))
    run(bm.leave_room(sid1, '/nope', 'nope'))
    assert bm.get_rooms('123', '/foo') == []
    run(bm.enter_room(sid1, '/', 'bar'))
    assert sorted(bm.get_rooms(sid1, '/')) == sorted([sid1, 'bar'])


def test_close_room(run, bm):
    sid1 = run(bm.connect('123', '/foo'))
    sid2 = run(bm.connect('456', '/foo'))
    run(bm.enter_room(sid1, '/foo', 'bar'))
    run(bm.enter_room(sid2, '/foo', 'bar'))
    coro = bm.close_room('bar', '/foo')  # not awaited yet: must not raise
    run(coro)
    assert 'bar' not in bm.rooms['/foo']
    run(bm.close_room('nope', '/nope'))


@pytest.mark.parametrize('kwargs, recipients', [
    ({'room': 'SID1'}, ['123']),
    ({'room': 'bar'}, ['123', '456']),
    ({}, ['123', '456', '789']),
    ({'skip_sid': 'SID2'}, ['123', '789']),
    ({'skip_sid': ['SID1', 'SID3']}, ['456']),
    ({'room': ['bar', 'SID3']}, ['123', '456', '789']),
    ({'to': 'SID1'}, ['123']),
])
def test_emit(run, bm, kwargs, recipients):
    sids = {'SID1': run(bm.connect('123', '/foo')), 'SID2': run(bm.connect('456', '/foo')),
            'SID3': run(bm.connect('789', '/foo'))}
    run(bm.connect('abc', '/bar'))
    run(bm.enter_room(sids['SID1'], '/foo', 'bar'))
    run(bm.enter_room(sids['SID2'], '/foo', 'bar'))

    def real(value):
        if isinstance(value, list):
            return [sids.get(v, v) for v in value]
        return sids.get(value, value)

    kwargs = {k: real(v) for k, v in kwargs.items()}
    run(bm.emit('my event', {'foo': 'bar'}, '/foo', **kwargs))
    assert eio_sent(bm) == [(r, '2/foo,["my event",{"foo":"bar"}]') for r in recipients]
    bm.server._emit_internal.assert_not_awaited()


def test_emit_binary_is_encoded_once_per_part(run, bm):
    run(bm.connect('123', '/'))
    run(bm.connect('456', '/'))
    run(bm.emit('bin', b'\x01', '/'))
    data = eio_sent(bm)
    assert [eio for eio, _ in data] == ['123', '123', '456', '456']
    assert data[1][1] == data[3][1] == b'\x01'


def test_emit_with_callback(run, bm):
    sid = run(bm.connect('123', '/foo'))
    with mock.patch.object(bm, '_generate_ack_id', return_value=11) as generate:
        run(bm.emit('my event', {'foo': 'bar'}, namespace='/foo', room=sid, callback='cb'))
    generate.assert_called_once_with(sid, 'cb')
    bm.server._emit_internal.assert_awaited_once_with('123', 'my event', {'foo': 'bar'},
                                                      '/foo', 11)
    bm.server._send_eio_packet.assert_not_awaited()


def test_emit_with_callback_gives_each_recipient_an_id(run, bm):
    run(bm.connect('123', '/'))
    run(bm.connect('456', '/'))
    run(bm.emit('ev', None, '/', callback=MagicMock()))
    ids = [c.args[4] for c in bm.server._emit_internal.await_args_list]
    assert [c.args[0] for c in bm.server._emit_internal.await_args_list] == ['123', '456']
    assert all(isinstance(i, int) for i in ids)


def test_emit_unknown_room_or_namespace(run, bm):
    run(bm.connect('123', '/foo'))
    run(bm.emit('my event', 'x', namespace='/foo', room='nope'))
    run(bm.emit('my event', 'x', namespace='/nope'))
    assert eio_sent(bm) == []


def test_can_disconnect(run, bm):
    sid = run(bm.connect('123', '/'))
    assert run(bm.can_disconnect(sid, '/')) is True
    assert run(bm.can_disconnect(sid, '/foo')) is False
