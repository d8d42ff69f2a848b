import datetime

import msgpack
import pytest

from socketio import packet
from socketio.msgpack_packet import MsgPackPacket


def test_class_attributes():
    assert MsgPackPacket.uses_binary_events is False
    assert issubclass(MsgPackPacket, packet.Packet)


@pytest.mark.parametrize('kwargs,expected', [
    ({'packet_type': packet.EVENT, 'data': ['foo', b'bar'],
      'namespace': '/chat', 'id': 3},
     {'type': 2, 'data': ['foo', b'bar'], 'nsp': '/chat', 'id': 3}),
    ({'packet_type': packet.ACK, 'data': [b'x'], 'namespace': '/'},
     {'type': 3, 'data': [b'x'], 'nsp': '/'}),
    ({'packet_type': packet.CONNECT, 'data': {'token': 'x'}},
     {'type': 0, 'data': {'token': 'x'}, 'nsp': '/'}),
    ({'packet_type': packet.DISCONNECT, 'namespace': '/chat'},
     {'type': 1, 'nsp': '/chat'}),
    ({'packet_type': packet.CONNECT_ERROR,
      'data': {'message': 'Connection rejected by server'}},
     {'type': 4, 'data': {'message': 'Connection rejected by server'},
      'nsp': '/'}),
])
def test_encode(kwargs, expected):
    pkt = MsgPackPacket(**kwargs)
    encoded = pkt.encode()
    assert isinstance(encoded, bytes)
    assert msgpack.loads(encoded) == expected


def test_binary_stays_event():
    pkt = MsgPackPacket(packet.EVENT, data=['foo', b'bar'])
    assert pkt.packet_type == packet.EVENT
    pkt = MsgPackPacket(packet.CONNECT, data={'a': b'x'})
    assert pkt.packet_type == packet.CONNECT


@pytest.mark.parametrize('ptype,data,namespace,id', [
    (packet.EVENT, ['foo', b'bar', {'a': [1, 2.5, None, True]}], '/chat', 7),
    (packet.ACK, [], '/', 1),
    (packet.CONNECT, None, '/x', None),
    (packet.CONNECT, {'sid': 'abc'}, '/', None),
    (packet.DISCONNECT, None, '/', None),
    (packet.CONNECT_ERROR, {'message': 'nope', 'data': [1]}, '/', None),
])
def test_roundtrip(ptype, data, namespace, id):
    encoded = MsgPackPacket(ptype, data=data, namespace=namespace,
                            id=id).encode()
    pkt = MsgPackPacket(encoded_packet=encoded)
    assert (pkt.packet_type, pkt.data, pkt.namespace, pkt.id) == \
        (ptype, data, namespace, id)
    assert pkt.attachment_count == 0


def test_default_namespace_encodes_as_slash():
    pkt = MsgPackPacket(encoded_packet=MsgPackPacket(
        packet.EVENT, ['a']).encode())
    assert pkt.namespace == '/'


def test_decode_js_style_packets():
    # what socket.io-msgpack-parser sends: no data key for CONNECT without
    # auth, nsp always a string, id only when present
    pkt = MsgPackPacket(encoded_packet=msgpack.dumps({'type': 0,
                                                      'nsp': '/'}))
    assert (pkt.packet_type, pkt.data, pkt.namespace, pkt.id) == \
        (packet.CONNECT, None, '/', None)
    pkt = MsgPackPacket(encoded_packet=msgpack.dumps(
        {'type': 2, 'nsp': '/chat?x=1', 'data': ['ev', b'\x00'], 'id': 12}))
    assert (pkt.packet_type, pkt.data, pkt.namespace, pkt.id) == \
        (packet.EVENT, ['ev', b'\x00'], '/chat', 12)


@pytest.mark.parametrize('encoded', [
    b'\xc1', b'\x93\x01\x02\x03', b'\x81', msgpack.dumps(5),
    msgpack.dumps({'data': ['a'], 'nsp': '/'}),
    msgpack.dumps({'type': 'x', 'nsp': '/'}),
    msgpack.dumps({'type': 10, 'nsp': '/'}),
    msgpack.dumps({'type': -1, 'nsp': '/'}),
    msgpack.dumps({'type': True, 'nsp': '/'}),
    msgpack.dumps({'type': 5, 'nsp': '/', 'data': ['a']}),
    msgpack.dumps({'type': 2, 'nsp': 5, 'data': ['a']}),
    msgpack.dumps({'type': 2, 'nsp': '/', 'data': ['a'], 'id': 'x'}),
    msgpack.dumps({'type': 2, 'nsp': '/', 'data': 'a'}),
    msgpack.dumps({'type': 2, 'nsp': '/', 'data': []}),
    msgpack.dumps({'type': 2, 'nsp': '/', 'data': [1]}),
    msgpack.dumps({'type': 2, 'nsp': '/', 'data': ['a']}) + b'\x00',
    b'\x91' * 5000 + b'\xc0',  # deeply nested
    'a text packet',
])
def test_decode_garbage(encoded):
    with pytest.raises(ValueError):
        MsgPackPacket(encoded_packet=encoded)


def test_configure():
    def default(obj):
        if isinstance(obj, datetime.date):
            return msgpack.ExtType(1, obj.isoformat().encode())
        raise TypeError('unsupported')

    def ext_hook(code, data):
        if code == 1:
            return datetime.date.fromisoformat(data.decode())
        return msgpack.ExtType(code, data)

    cls = MsgPackPacket.configure(dumps_default=default, ext_hook=ext_hook)
    assert issubclass(cls, MsgPackPacket)
    assert MsgPackPacket.dumps_default is None
    day = datetime.date(2024, 1, 2)
    encoded = cls(packet.EVENT, ['when', day]).encode()
    assert cls(encoded_packet=encoded).data == ['when', day]
    # the base class keeps msgpack's own ExtType handling
    assert MsgPackPacket(encoded_packet=encoded).data == \
        ['when', msgpack.ExtType(1, b'2024-01-02')]
    with pytest.raises(TypeError):
        MsgPackPacket(packet.EVENT, ['when', day]).encode()


def test_configure_defaults():
    cls = MsgPackPacket.configure()
    encoded = cls(packet.EVENT, ['a', msgpack.ExtType(3, b'z')]).encode()
    assert cls(encoded_packet=encoded).data == ['a', msgpack.ExtType(3, b'z')]


def test_int_quirk():
    assert MsgPackPacket(encoded_packet=1).packet_type == packet.DISCONNECT
