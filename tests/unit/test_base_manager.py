"""Unit tests of the in-memory client manager (core.md 8.2, later 5.x behaviour).

Emits without a callback are encoded once and handed to
``server._send_eio_packet(eio_sid, eio_pkt)``; emits with a callback still go
through ``server._emit_internal(eio_sid, event, data, namespace, id)``.
"""
from unittest import mock

import pytest
from engineio import packet as eio_packet

import socketio
from socketio import base_manager, manager, packet


@pytest.fixture
def bm():
    server = mock.MagicMock()
    server.packet_class = packet.Packet
    server.eio.generate_id.side_effect = [str(i) for i in range(1, 100)]
    bm = base_manager.BaseManager()
    bm.set_server(server)
    bm.initialize()
    return bm


def sent(bm):
    """(eio_sid, payload) of every Engine.IO packet sent through the server."""
    out = []
    for c in bm.server._send_eio_packet.call_args_list:
        eio_sid, pkt = c.args
        assert isinstance(pkt, eio_packet.Packet) and pkt.packet_type == eio_packet.MESSAGE
        out.append((eio_sid, pkt.data))
    return out


def test_exports():
    assert socketio.BaseManager is base_manager.BaseManager
    assert issubclass(socketio.Manager, socketio.BaseManager)
    assert manager.Manager is socketio.Manager
    m = base_manager.BaseManager()
    assert m.rooms == {} and m.callbacks == {} and m.pending_disconnect == {}
    assert m.server is None and m.logger is None


def test_connect(bm):
    sid = bm.connect('123', '/foo')
    assert None in bm.rooms['/foo']
    assert sid in bm.rooms['/foo']
    assert dict(bm.rooms['/foo'][None]) == {sid: '123'}
    assert dict(bm.rooms['/foo'][sid]) == {sid: '123'}
    assert bm.sid_from_eio_sid('123', '/foo') == sid
    assert bm.sid_from_eio_sid('1234', '/foo') is None
    assert bm.sid_from_eio_sid('123', '/bar') is None
    assert bm.eio_sid_from_sid(sid, '/foo') == '123'
    assert bm.eio_sid_from_sid('x', '/foo') is None
    assert bm.eio_sid_from_sid(sid, '/bar') is None
    assert bm.server.eio.generate_id.call_count == 1


def test_connect_twice_returns_none(bm):
    assert bm.connect('123', '/') == '1'
    assert bm.connect('123', '/') is None
    assert bm.server.eio.generate_id.call_count == 1


def test_pre_disconnect(bm):
    sid1 = bm.connect('123', '/foo')
    sid2 = bm.connect('456', '/foo')
    assert bm.is_connected(sid1, '/foo')
    assert bm.pre_disconnect(sid1, '/foo') == '123'
    assert bm.pending_disconnect == {'/foo': [sid1]}
    assert not bm.is_connected(sid1, '/foo')
    assert bm.get_rooms(sid1, '/foo') == [sid1]  # still readable while leaving
    assert bm.pre_disconnect(sid2, '/foo') == '456'
    assert bm.pending_disconnect == {'/foo': [sid1, sid2]}
    bm.disconnect(sid1, '/foo')
    assert bm.pending_disconnect == {'/foo': [sid2]}
    bm.disconnect(sid2, '/foo')
    assert bm.pending_disconnect == {}


def test_disconnect(bm):
    sid1 = bm.connect('123', '/foo')
    sid2 = bm.connect('456', '/foo')
    bm.enter_room(sid1, '/foo', 'bar')
    bm.enter_room(sid2, '/foo', 'baz')
    bm.disconnect(sid1, '/foo')
    assert dict(bm.rooms['/foo'][None]) == {sid2: '456'}
    assert dict(bm.rooms['/foo'][sid2]) == {sid2: '456'}
    assert dict(bm.rooms['/foo']['baz']) == {sid2: '456'}
    assert 'bar' not in bm.rooms['/foo'] and sid1 not in bm.rooms['/foo']


def test_disconnect_default_namespace(bm):
    sid1 = bm.connect('123', '/')
    sid2 = bm.connect('123', '/foo')
    sid3 = bm.connect('456', '/')
    sid4 = bm.connect('456', '/foo')
    assert sid1 != sid2
    assert bm.is_connected(sid1, '/') and not bm.is_connected(sid1, '/foo')
    assert bm.is_connected(sid2, '/foo') and not bm.is_connected(sid2, '/')
    bm.disconnect(sid1, '/')
    assert not bm.is_connected(sid1, '/') and bm.is_connected(sid3, '/')
    bm.disconnect(sid2, '/foo')
    assert not bm.is_connected(sid2, '/foo') and bm.is_connected(sid4, '/foo')


def test_disconnect_twice(bm):
    sid1 = bm.connect('123', '/')
    sid2 = bm.connect('123', '/foo')
    sid3 = bm.connect('456', '/')
    sid4 = bm.connect('456', '/foo')
    for _ in range(2):
        bm.disconnect(sid1, '/')
        bm.disconnect(sid2, '/foo')
    assert not bm.is_connected(sid1, '/') and bm.is_connected(sid3, '/')
    assert bm.is_connected(sid4, '/foo')
    bm.disconnect(sid3, '/')
    bm.disconnect(sid4, '/foo')
    assert bm.rooms == {}


def test_disconnect_all(bm):
    sid1 = bm.connect('123', '/foo')
    sid2 = bm.connect('456', '/foo')
    bm.enter_room(sid1, '/foo', 'bar')
    bm.enter_room(sid2, '/foo', 'baz')
    bm.disconnect(sid1, '/foo')
    bm.disconnect(sid2, '/foo')
    assert bm.rooms == {}


def test_disconnect_with_callbacks(bm):
    sid1 = bm.connect('123', '/')
    sid2 = bm.connect('123', '/foo')
    sid3 = bm.connect('456', '/foo')
    for sid in (sid1, sid2, sid3):
        bm._generate_ack_id(sid, 'f')
    bm.disconnect(sid2, '/foo')
    assert sid2 not in bm.callbacks
    bm.disconnect(sid1, '/')
    assert sid1 not in bm.callbacks
    assert sid3 in bm.callbacks


def test_disconnect_bad_namespace(bm):
    bm.connect('123', '/')
    bm.disconnect('123', '/bar')  # no error
    assert bm.is_connected('1', '/')


def test_is_connected_unknown(bm):
    assert bm.is_connected('1', '/') is False
    bm.connect('123', '/')
    assert bm.is_connected('2', '/') is False
    assert bm.is_connected('1', '/') is True


def test_trigger_callback(bm):
    sid1 = bm.connect('123', '/')
    sid2 = bm.connect('123', '/foo')
    cb = mock.MagicMock()
    id1 = bm._generate_ack_id(sid1, cb)
    id2 = bm._generate_ack_id(sid2, cb)
    id3 = bm._generate_ack_id(sid1, cb)
    assert (id1, id2, id3) == (1, 1, 2)
    bm.trigger_callback(sid1, id1, ['foo'])
    bm.trigger_callback(sid1, id3, ['bar', 'baz'])
    bm.trigger_callback(sid2, id2, [])
    assert cb.call_args_list == [mock.call('foo'), mock.call('bar', 'baz'), mock.call()]


def test_invalid_callback(bm, caplog):
    sid = bm.connect('123', '/')
    cb = mock.MagicMock()
    ack_id = bm._generate_ack_id(sid, cb)
    bm.trigger_callback('xxx', ack_id, ['foo'])  # unknown sid
    bm.trigger_callback(sid, ack_id + 1, ['foo'])  # unknown id
    bm.trigger_callback(sid, 0, ['foo'])  # the counter slot is not a callback
    cb.assert_not_called()
    # one line per client: the second unknown id of the same sid is counted
    assert bm.server.logger.warning.call_count == 2
    assert 'Unknown callback received' in bm.server.logger.warning.call_args.args[0]


def test_get_logger():
    bm = base_manager.BaseManager()
    assert bm._get_logger() is base_manager.default_logger
    bm.set_server(mock.MagicMock())
    assert bm._get_logger() is bm.server.logger
    bm.logger = 'mine'
    assert bm._get_logger() == 'mine'


def test_get_namespaces(bm):
    assert list(bm.get_namespaces()) == []
    bm.connect('123', '/')
    bm.connect('123', '/foo')
    assert sorted(bm.get_namespaces()) == ['/', '/foo']


def test_get_participants(bm):
    sid1 = bm.connect('123', '/')
    sid2 = bm.connect('456', '/')
    sid3 = bm.connect('789', '/')
    bm.disconnect(sid3, '/')
    assert sorted(bm.get_participants('/', None)) == [(sid1, '123'), (sid2, '456')]
    assert list(bm.get_participants('/', 'nope')) == []
    assert list(bm.get_participants('/nope', None)) == []


def test_get_participants_room_list(bm):
    sid1 = bm.connect('1a', '/')
    sid2 = bm.connect('2a', '/')
    sid3 = bm.connect('3a', '/')
    bm.enter_room(sid1, '/', 'a')
    bm.enter_room(sid2, '/', 'a')
    bm.enter_room(sid2, '/', 'b')
    bm.enter_room(sid3, '/', 'b')
    assert sorted(bm.get_participants('/', ['a', 'b'])) == \
        [(sid1, '1a'), (sid2, '2a'), (sid3, '3a')]


def test_get_participants_snapshot_allows_changes(bm):
    for eio_sid in ('a', 'b', 'c'):
        bm.connect(eio_sid, '/')
    for sid, _ in bm.get_participants('/', None):
        bm.disconnect(sid, '/')
    assert bm.rooms == {}


def test_leave_invalid_room(bm):
    sid = bm.connect('123', '/foo')
    bm.leave_room(sid, '/foo', 'baz')
    bm.leave_room(sid, '/bar', 'baz')
    assert bm.is_connected(sid, '/foo')


def test_no_room(bm):
    assert bm.get_rooms('123', '/foo') == []


def test_close_room(bm):
    sid = bm.connect('123', '/foo')
    bm.connect('456', '/foo')
    bm.connect('789', '/foo')
    bm.enter_room(sid, '/foo', 'bar')
    bm.enter_room(sid, '/foo', 'bar')  # idempotent
    assert dict(bm.rooms['/foo']['bar']) == {sid: '123'}
    bm.close_room('bar', '/foo')
    assert 'bar' not in bm.rooms['/foo']
    assert bm.is_connected(sid, '/foo')


def test_close_invalid_room(bm):
    bm.close_room('bar', '/foo')
    bm.connect('123', '/foo')
    bm.close_room('bar', '/foo')


def test_rooms(bm):
    sid = bm.connect('123', '/foo')
    bm.enter_room(sid, '/foo', 'bar')
    r = bm.get_rooms(sid, '/foo')
    assert len(r) == 2 and sid in r and 'bar' in r


def test_enter_room_unknown_sid(bm):
    with pytest.raises(ValueError):
        bm.enter_room('nope', '/', 'room')


def test_emit_to_sid(bm):
    sid = bm.connect('123', '/foo')
    bm.connect('456', '/foo')
    bm.emit('my event', {'foo': 'bar'}, namespace='/foo', room=sid)
    assert sent(bm) == [('123', '2/foo,["my event",{"foo":"bar"}]')]
    bm.server._emit_internal.assert_not_called()


def test_emit_to_room(bm):
    sid1 = bm.connect('123', '/foo')
    bm.enter_room(sid1, '/foo', 'bar')
    sid2 = bm.connect('456', '/foo')
    bm.enter_room(sid2, '/foo', 'bar')
    bm.connect('789', '/foo')
    bm.emit('my event', {'foo': 'bar'}, namespace='/foo', room='bar')
    assert sorted(sent(bm)) == [('123', '2/foo,["my event",{"foo":"bar"}]'),
                                ('456', '2/foo,["my event",{"foo":"bar"}]')]


def test_emit_to_rooms(bm):
    sid1 = bm.connect('123', '/foo')
    bm.enter_room(sid1, '/foo', 'bar')
    sid2 = bm.connect('456', '/foo')
    bm.enter_room(sid2, '/foo', 'bar')
    bm.enter_room(sid2, '/foo', 'baz')
    sid3 = bm.connect('789', '/foo')
    bm.enter_room(sid3, '/foo', 'baz')
    bm.emit('my event', {'foo': 'bar'}, namespace='/foo', room=['bar', 'baz'])
    assert sorted(e for e, _ in sent(bm)) == ['123', '456', '789']  # each once


def test_emit_to_all(bm):
    for eio_sid in ('123', '456', '789'):
        bm.connect(eio_sid, '/foo')
    bm.connect('abc', '/bar')
    bm.emit('my event', {'foo': 'bar'}, namespace='/foo')
    assert sorted(e for e, _ in sent(bm)) == ['123', '456', '789']


def test_emit_to_all_skip_one(bm):
    bm.connect('123', '/foo')
    sid2 = bm.connect('456', '/foo')
    bm.connect('789', '/foo')
    bm.emit('my event', {'foo': 'bar'}, namespace='/foo', skip_sid=sid2)
    assert sorted(e for e, _ in sent(bm)) == ['123', '789']


def test_emit_to_all_skip_two(bm):
    sid1 = bm.connect('123', '/foo')
    bm.connect('456', '/foo')
    sid3 = bm.connect('789', '/foo')
    bm.emit('my event', {'foo': 'bar'}, namespace='/foo', skip_sid=[sid1, sid3])
    assert [e for e, _ in sent(bm)] == ['456']


def test_emit_to_argument_alias(bm):
    sid = bm.connect('123', '/')
    bm.connect('456', '/')
    bm.emit('ev', None, '/', to=sid)
    assert sent(bm) == [('123', '2["ev"]')]


def test_emit_with_callback(bm):
    sid = bm.connect('123', '/foo')
    bm._generate_ack_id = mock.MagicMock(return_value=11)
    bm.emit('my event', {'foo': 'bar'}, namespace='/foo', callback='cb')
    bm._generate_ack_id.assert_called_once_with(sid, 'cb')
    bm.server._emit_internal.assert_called_once_with('123', 'my event', {'foo': 'bar'},
                                                     '/foo', 11)
    bm.server._send_eio_packet.assert_not_called()


def test_emit_with_callback_one_id_per_recipient(bm):
    sid1 = bm.connect('123', '/')
    sid2 = bm.connect('456', '/')
    bm.emit('ev', 'x', '/', callback='cb')
    calls = sorted(c.args for c in bm.server._emit_internal.call_args_list)
    assert calls == [('123', 'ev', 'x', '/', 1), ('456', 'ev', 'x', '/', 1)]
    assert bm.callbacks[sid1][1] == 'cb' and bm.callbacks[sid2][1] == 'cb'


def test_emit_to_invalid_room(bm):
    bm.emit('my event', {'foo': 'bar'}, namespace='/', room='123')
    bm.connect('123', '/')
    bm.emit('my event', {'foo': 'bar'}, namespace='/', room='nope')
    bm.server._send_eio_packet.assert_not_called()


def test_emit_to_invalid_namespace(bm):
    bm.connect('123', '/')
    bm.emit('my event', {'foo': 'bar'}, namespace='/foo')
    bm.server._send_eio_packet.assert_not_called()


def test_emit_ignores_extra_kwargs(bm):
    bm.connect('123', '/')
    bm.emit('ev', 1, '/', ignore_queue=True)
    assert sent(bm) == [('123', '2["ev",1]')]


def test_emit_binary_encoded_once(bm):
    for eio_sid in ('123', '456'):
        bm.connect(eio_sid, '/')
    with mock.patch.object(packet.Packet, 'encode', autospec=True,
                           side_effect=packet.Packet.encode) as encode:
        bm.emit('ev', (b'\x01', {'b': b'\x02'}), '/')
    assert encode.call_count == 1
    header = '52-["ev",{"_placeholder":true,"num":0},{"b":{"_placeholder":true,"num":1}}]'
    out = sent(bm)
    assert out == [('123', header), ('123', b'\x01'), ('123', b'\x02'),
                   ('456', header), ('456', b'\x01'), ('456', b'\x02')]
    binary_flags = [c.args[1].binary for c in bm.server._send_eio_packet.call_args_list]
    assert binary_flags == [False, True, True, False, True, True]


def test_emit_text_encoded_once_without_packet_object(bm):
    for eio_sid in ('123', '456'):
        bm.connect(eio_sid, '/foo')
    with mock.patch.object(packet.Packet, '__init__', autospec=True,
                           side_effect=packet.Packet.__init__) as init:
        bm.emit('ev', {'a': [1, 'x']}, '/foo')
    # encoded in one C call when the speedups are built, else by one Packet
    assert init.call_count == (0 if packet.SPEEDUPS else 1)
    calls = bm.server._send_eio_packet.call_args_list
    assert [c.args[1].data for c in calls] == ['2/foo,["ev",{"a":[1,"x"]}]'] * 2
    assert calls[0].args[1] is calls[1].args[1]


def test_emit_binary_falls_back_to_packet(bm):
    bm.connect('123', '/')
    bm.emit('ev', b'\x01', '/')
    assert sent(bm) == [('123', '51-["ev",{"_placeholder":true,"num":0}]'),
                        ('123', b'\x01')]


def test_emit_uses_server_packet_class(bm):
    from socketio import msgpack_packet
    bm.server.packet_class = msgpack_packet.MsgPackPacket
    bm.connect('123', '/')
    bm.emit('ev', {'a': 1}, '/')
    pkt = bm.server._send_eio_packet.call_args.args[1]
    decoded = msgpack_packet.MsgPackPacket(encoded_packet=pkt.data)
    assert decoded.data == ['ev', {'a': 1}]


# -- Room and ClientMap: the cached Engine.IO sids follow every change -----------

ROOM_CHANGES = [
    ('setitem', lambda r: r.__setitem__('c', 'ec')),
    ('replace', lambda r: r.__setitem__('a', 'ea2')),
    ('delitem', lambda r: r.__delitem__('a')),
    ('pop', lambda r: r.pop('a')),
    ('pop missing', lambda r: r.pop('zz', None)),
    ('popitem', lambda r: r.popitem()),
    ('clear', lambda r: r.clear()),
    ('update', lambda r: r.update({'c': 'ec'}, d='ed')),
    ('ior', lambda r: r.__ior__({'c': 'ec'})),
    ('setdefault', lambda r: r.setdefault('c', 'ec')),
    ('setdefault existing', lambda r: r.setdefault('a', 'other')),
]


@pytest.mark.parametrize('cls', [base_manager.Room, base_manager.ClientMap])
@pytest.mark.parametrize('name,change', ROOM_CHANGES, ids=[c[0] for c in ROOM_CHANGES])
def test_room_cache_follows_changes(cls, name, change):
    room = cls({'a': 'ea', 'b': 'eb'})
    first = room.eio_sids()
    assert first == ['ea', 'eb'] and room.eio_sids() is first  # kept
    change(room)
    assert room.eio_sids() == list(dict(room).values())
    if isinstance(room, base_manager.ClientMap):
        assert room.inverse == {eio_sid: sid for sid, eio_sid in room.items()}


def test_room_copy_and_equality():
    room = base_manager.Room(a='ea')
    copy = room.copy()
    assert type(copy) is base_manager.Room and copy == {'a': 'ea'} and copy is not room
    clients = base_manager.ClientMap(a='ea')
    assert type(clients.copy()) is base_manager.ClientMap
    assert clients.copy().inverse == {'ea': 'a'}


def test_rooms_are_room_objects_and_broadcasts_follow_membership(bm):
    sid1 = bm.connect('e1', '/')
    sid2 = bm.connect('e2', '/')
    bm.enter_room(sid1, '/', 'r')
    assert type(bm.rooms['/']['r']) is base_manager.Room
    bm.emit('ev', 1, '/', room='r')
    bm.enter_room(sid2, '/', 'r')
    bm.emit('ev', 2, '/', room='r')
    bm.leave_room(sid1, '/', 'r')
    bm.emit('ev', 3, '/', room='r')
    assert sent(bm) == [('e1', '2["ev",1]'), ('e1', '2["ev",2]'), ('e2', '2["ev",2]'),
                        ('e2', '2["ev",3]')]
