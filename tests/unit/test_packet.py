import json
import os

import engineio
import pytest

from socketio import packet
from socketio.packet import Packet

PLACEHOLDER0 = '{"_placeholder":true,"num":0}'


def roundtrip(encoded):
    return Packet(encoded_packet=encoded).encode()


HEADER_PARSERS = [pytest.param((packet._py_parse_header, None), id='py-header')]
if packet._c_parse_header is not None:
    HEADER_PARSERS.append(pytest.param((packet._c_parse_header, None), id='c-header'))
if packet._c_decode is not None:
    HEADER_PARSERS.append(pytest.param((packet._c_parse_header, packet._c_decode),
                                       id='c-decode'))


@pytest.fixture(params=HEADER_PARSERS)
def header_parser(request, monkeypatch):
    """Run a decoding test with each decoder: the Python code with either
    header parser, and the whole decode in C (when built)."""
    parse_header, c_decode = request.param
    monkeypatch.setattr(packet, '_parse_header', parse_header)
    monkeypatch.setattr(packet, '_c_decode', c_decode)
    return parse_header


# --- constants ---------------------------------------------------------

def test_constants():
    assert (packet.CONNECT, packet.DISCONNECT, packet.EVENT, packet.ACK,
            packet.CONNECT_ERROR, packet.BINARY_EVENT,
            packet.BINARY_ACK) == tuple(range(7))
    assert packet.packet_names == [
        'CONNECT', 'DISCONNECT', 'EVENT', 'ACK', 'CONNECT_ERROR',
        'BINARY_EVENT', 'BINARY_ACK']
    assert Packet.json is engineio.json
    assert Packet.uses_binary_events is True
    assert Packet.max_attachments == 1000
    assert Packet.max_depth == 128


# --- encoding ----------------------------------------------------------

def test_default_packet():
    pkt = Packet()
    assert pkt.packet_type == packet.EVENT
    assert pkt.data is None
    assert pkt.namespace is None
    assert pkt.id is None
    assert pkt.attachment_count == 0
    assert pkt.attachments == []
    assert pkt.encode() == '2'


@pytest.mark.parametrize('kwargs,expected', [
    ({'data': ['foo']}, '2["foo"]'),
    ({'packet_type': packet.ACK, 'data': ['foo']}, '3["foo"]'),
    ({'namespace': '/bar', 'data': ['foo']}, '2/bar,["foo"]'),
    ({'namespace': '/bar'}, '2/bar,'),
    ({'namespace': '/b-a-r', 'data': ['foo']}, '2/b-a-r,["foo"]'),
    ({'data': ['f-o-o']}, '2["f-o-o"]'),
    ({'id': 123, 'data': ['foo']}, '2123["foo"]'),
    ({'id': 123}, '2123'),
    ({'namespace': '/bar', 'id': 123, 'data': ['foo']},
     '2/bar,123["foo"]'),
    ({'namespace': '/', 'data': ['foo']}, '2["foo"]'),
    ({'packet_type': packet.CONNECT, 'data': {'sid': 'x'}},
     '0{"sid":"x"}'),
    ({'packet_type': packet.CONNECT, 'namespace': '/chat',
      'data': {'sid': 'x'}}, '0/chat,{"sid":"x"}'),
    ({'packet_type': packet.CONNECT, 'namespace': '/chat'}, '0/chat,'),
    ({'packet_type': packet.DISCONNECT}, '1'),
    ({'packet_type': packet.DISCONNECT, 'namespace': '/chat'}, '1/chat,'),
    ({'packet_type': packet.CONNECT_ERROR, 'data': 'fail_reason'},
     '4"fail_reason"'),
    ({'packet_type': packet.CONNECT_ERROR, 'namespace': '/foo',
      'data': ('fail_reason', 1)}, '4/foo,["fail_reason",1]'),
    ({'packet_type': packet.CONNECT_ERROR,
      'data': {'message': 'Connection rejected by server'}},
     '4{"message":"Connection rejected by server"}'),
    ({'packet_type': packet.ACK, 'namespace': '/x', 'id': 5, 'data': []},
     '3/x,5[]'),
    ({'data': 'foo'}, '2"foo"'),
    ({'data': {'foo': 'bar'}}, '2{"foo":"bar"}'),
    ({'data': ['é', 1.5, None, True]}, '2["\\u00e9",1.5,null,true]'),
])
def test_encode(kwargs, expected):
    assert Packet(**kwargs).encode() == expected


@pytest.mark.parametrize('ptype,header', [(packet.EVENT, '51-'),
                                          (packet.ACK, '61-')])
def test_encode_binary(ptype, header):
    pkt = Packet(ptype, data=b'1234')
    assert pkt.packet_type == ptype + 3
    assert pkt.encode() == [header + PLACEHOLDER0, b'1234']
    assert pkt.data == b'1234'


def test_encode_binary_lazy_detection():
    pkt = Packet(packet.EVENT, data=['foo', b'1234'], namespace='/x', id=7)
    assert pkt.encode() == ['51-/x,7["foo",' + PLACEHOLDER0 + ']',
                            b'1234']
    assert pkt.packet_type == packet.BINARY_EVENT
    assert pkt.data == ['foo', b'1234']


def test_encode_bytearray_sent_as_bytes():
    pkt = Packet(data=['foo', bytearray(b'ab')])
    encoded = pkt.encode()
    assert encoded == ['51-["foo",' + PLACEHOLDER0 + ']', b'ab']
    assert type(encoded[1]) is bytes


def test_encode_many_binary():
    data = {'a': '123', 'b': b'456', 'c': [b'789', 123]}
    pkt = Packet(data=data)
    assert pkt.packet_type == packet.BINARY_EVENT
    encoded = pkt.encode()
    assert len(encoded) == 3
    assert encoded == [
        '52-{"a":"123","b":{"_placeholder":true,"num":0},'
        '"c":[{"_placeholder":true,"num":1},123]}', b'456', b'789']
    assert pkt.data == data


def test_encode_binary_in_tuple():
    pkt = Packet(packet.ACK, data=('x', b'y'))
    assert pkt.encode() == ['61-["x",' + PLACEHOLDER0 + ']', b'y']


def test_encode_binary_forced_without_bytes():
    pkt = Packet(packet.EVENT, data=['foo'], binary=True)
    assert pkt.packet_type == packet.BINARY_EVENT
    assert pkt.encode() == ['50-["foo"]']


def test_encode_binary_false_disables_detection():
    pkt = Packet(packet.EVENT, data=['foo'], binary=False)
    assert pkt.packet_type == packet.EVENT
    with pytest.raises(TypeError):
        Packet(packet.EVENT, data=[b'x'], binary=False).encode()


@pytest.mark.parametrize('ptype', [packet.CONNECT, packet.DISCONNECT,
                                   packet.CONNECT_ERROR])
def test_binary_not_supported(ptype):
    with pytest.raises(ValueError, match='does not support binary'):
        Packet(ptype, data=b'123')
    with pytest.raises(ValueError, match='does not support binary'):
        Packet(ptype, data={'a': [b'123']})


def test_encode_not_serializable():
    with pytest.raises(TypeError):
        Packet(data=['foo', object()]).encode()
    with pytest.raises(TypeError):
        Packet(packet.CONNECT, data={'a': object()}).encode()


def test_encode_circular():
    data = ['foo']
    data.append(data)
    with pytest.raises(ValueError):
        Packet(data=data).encode()


def test_mutating_data_before_encode():
    pkt = Packet(data=['foo'])
    pkt.data.append(b'x')
    assert pkt.encode() == ['51-["foo",' + PLACEHOLDER0 + ']', b'x']


def test_packet_type_setter():
    pkt = Packet(data=['foo', b'x'])
    pkt.packet_type = packet.EVENT
    assert pkt.packet_type == packet.EVENT


class CustomJSON:
    @staticmethod
    def dumps(*args, **kwargs):
        return '*** encoded ***'

    @staticmethod
    def loads(*args, **kwargs):
        return '+++ decoded +++'


class ReprJSON:
    """A json replacement that only accepts dumps(data, separators=...)."""

    @staticmethod
    def dumps(data, separators):
        return json.dumps(data, separators=separators)

    @staticmethod
    def loads(text):
        return json.loads(text)


def test_custom_json(monkeypatch):
    monkeypatch.setattr(Packet, 'json', CustomJSON)
    assert Packet(data={'foo': 'bar'}).encode() == '2*** encoded ***'
    assert Packet(packet.CONNECT, encoded_packet='0{}').data == \
        '+++ decoded +++'


def test_custom_json_binary(monkeypatch):
    monkeypatch.setattr(Packet, 'json', ReprJSON)
    pkt = Packet(data=['foo', {'x': b'1'}, b'2'])
    assert pkt.encode() == [
        '52-["foo",{"x":{"_placeholder":true,"num":0}},'
        '{"_placeholder":true,"num":1}]', b'1', b'2']
    pkt = Packet(encoded_packet='3/x,5["a"]')
    assert (pkt.packet_type, pkt.namespace, pkt.id, pkt.data) == \
        (packet.ACK, '/x', 5, ['a'])


def test_json_looked_up_at_call_time(monkeypatch):
    pkt = Packet(data=['foo'])
    monkeypatch.setattr(Packet, 'json', CustomJSON)
    assert pkt.encode() == '2*** encoded ***'


# --- decoding ----------------------------------------------------------

@pytest.mark.usefixtures('header_parser')
def test_decode_default_packet():
    pkt = Packet(encoded_packet='2')
    assert pkt.packet_type == packet.EVENT
    assert pkt.data is None
    assert pkt.namespace is None
    assert pkt.id is None
    assert pkt.attachment_count == 0
    assert pkt.encode() == '2'


def test_decode_disconnect_str_and_int():
    assert Packet(encoded_packet='1').packet_type == packet.DISCONNECT
    assert Packet(encoded_packet=1).packet_type == packet.DISCONNECT


@pytest.mark.usefixtures('header_parser')
@pytest.mark.parametrize('encoded,ptype,ns,id,data', [
    ('2["foo"]', 2, None, None, ['foo']),
    ('3["foo"]', 3, None, None, ['foo']),
    ('2/bar,["foo"]', 2, '/bar', None, ['foo']),
    ('2/bar', 2, '/bar', None, None),
    ('2/bar,', 2, '/bar', None, None),
    ('2/b-a-r,["foo"]', 2, '/b-a-r', None, ['foo']),
    ('2["f-o-o"]', 2, None, None, ['f-o-o']),
    ('2123["foo"]', 2, None, 123, ['foo']),
    ('2123', 2, None, 123, None),
    ('2/bar,123["foo"]', 2, '/bar', 123, ['foo']),
    ('2/bar?a=b,["foo"]', 2, '/bar', None, ['foo']),
    ('2/chat?x=1', 2, '/chat', None, None),
    ('0', 0, None, None, None),
    ('0{"sid":"123"}', 0, None, None, {'sid': '123'}),
    ('0/foo,{"sid":"123"}', 0, '/foo', None, {'sid': '123'}),
    ('0/foo', 0, '/foo', None, None),
    ('1/foo', 1, '/foo', None, None),
    ('1/foo,', 1, '/foo', None, None),
    ('3/foo,["bar"]', 3, '/foo', None, ['bar']),
    ('31000["foo"]', 3, None, 1000, ['foo']),
    ('3/x,5[]', 3, '/x', 5, []),
    ('4', 4, None, None, None),
    ('4"foo"', 4, None, None, 'foo'),
    ('4["foo"]', 4, None, None, ['foo']),
    ('4/foo', 4, '/foo', None, None),
    ('4/foo,["foo","bar"]', 4, '/foo', None, ['foo', 'bar']),
    ('4{"message":"x","data":1}', 4, None, None,
     {'message': 'x', 'data': 1}),
    ('9', 9, None, None, None),
    ('2 ["foo"] ', 2, None, None, ['foo']),
])
def test_decode(encoded, ptype, ns, id, data):
    pkt = Packet(encoded_packet=encoded)
    assert pkt.packet_type == ptype
    assert pkt.namespace == ns
    assert pkt.id == id
    assert pkt.data == data
    assert pkt.attachment_count == 0


@pytest.mark.usefixtures('header_parser')
@pytest.mark.parametrize('encoded', [
    '2', '2["foo"]', '3["foo"]', '2/bar,["foo"]', '2/bar,',
    '2/b-a-r,["foo"]', '2["f-o-o"]', '2123["foo"]', '2123',
    '2/bar,123["foo"]', '0/chat,{"sid":"x"}', '1/chat,', '4"fail_reason"',
    '4/foo,["fail_reason",1]', '3/x,5[]',
])
def test_decode_encode_roundtrip(encoded):
    assert roundtrip(encoded) == encoded


@pytest.mark.usefixtures('header_parser')
@pytest.mark.parametrize('encoded,expected', [
    ('2/bar', '2/bar,'), ('1/foo', '1/foo,'), ('0/foo', '0/foo,'),
    ('4/foo', '4/foo,'), ('2/bar?a=b,["foo"]', '2/bar,["foo"]'),
])
def test_decode_legacy_forms(encoded, expected):
    assert roundtrip(encoded) == expected


@pytest.mark.parametrize('ptype', [packet.BINARY_EVENT, packet.BINARY_ACK])
def test_decode_binary_top_level_placeholder(ptype):
    pkt = Packet(encoded_packet=f'{ptype}1-' + PLACEHOLDER0)
    assert pkt.packet_type == ptype
    assert pkt.attachment_count == 1
    assert pkt.add_attachment(b'1234') is True
    assert pkt.data == b'1234'
    assert pkt.packet_type == ptype


def test_decode_binary_placeholder_key_order():
    pkt = Packet(encoded_packet='51-["x",{"num":0,"_placeholder":true}]')
    assert pkt.add_attachment(b'1234')
    assert pkt.data == ['x', b'1234']


def test_decode_many_binary():
    pkt = Packet(encoded_packet=(
        '52-{"a":"123","b":{"_placeholder":true,"num":0},'
        '"c":[{"_placeholder":true,"num":1},123]}'))
    assert pkt.packet_type == packet.BINARY_EVENT
    assert pkt.attachment_count == 2
    assert pkt.add_attachment(b'456') is False
    assert pkt.add_attachment(b'789') is True
    assert pkt.data == {'a': '123', 'b': b'456', 'c': [b'789', 123]}
    assert pkt.attachments == [b'456', b'789']
    with pytest.raises(ValueError, match='Unexpected binary attachment'):
        pkt.add_attachment(b'123')


@pytest.mark.usefixtures('header_parser')
def test_decode_binary_ack_with_namespace_and_id():
    pkt = Packet(encoded_packet=(
        '62-/foo,{"1":{"_placeholder":true,"num":1},'
        '"2":{"_placeholder":true,"num":0}}'))
    assert pkt.packet_type == packet.BINARY_ACK
    assert pkt.namespace == '/foo'
    assert pkt.add_attachment(b'bar') is False
    assert pkt.add_attachment(b'foo') is True
    assert pkt.data == {'1': b'foo', '2': b'bar'}
    pkt = Packet(encoded_packet='61-321["my message","a",' + PLACEHOLDER0 +
                 ']')
    assert pkt.id == 321
    assert pkt.add_attachment(b'foo')
    assert pkt.data == ['my message', 'a', b'foo']


def test_add_attachment_without_binary():
    with pytest.raises(ValueError, match='Unexpected binary attachment'):
        Packet(encoded_packet='2["foo"]').add_attachment(b'x')


def test_decode_bytes_input():
    pkt = Packet(encoded_packet=b'2/x,["foo"]')
    assert (pkt.namespace, pkt.data) == ('/x', ['foo'])


def test_decode_unicode():
    pkt = Packet(encoded_packet='2["h\u00e9", "\U0001f600"]')
    assert pkt.data == ['h\u00e9', '\U0001f600']


# --- malformed input ---------------------------------------------------

@pytest.mark.usefixtures('header_parser')
@pytest.mark.parametrize('encoded', [
    'x', '-', ' 2', 'a["foo"]', '\u0663["foo"]',  # bad type digit
    '5-1-["a"]', '5-["a"]',  # binary with a broken count
    '5' + '9' * 12 + '-["a"]', '51001-["a"]',  # too many attachments
    '21-["foo"]', '31-[]', '01-{}',  # count on a non-binary type
    '2' + '1' * 101 + '["foo"]', '2/x,' + '1' * 101,  # id too long
    '2/foo["bar"]', '2/foo{"a":1}', '2/x"y",["a"]',  # namespace junk
    '2/foo,abc', '2abc', '2[', '2["foo"', '2["foo"]]', '2["a"] x',
    '2{"a":', '0{"a" 1}', '4"unterminated', '2[NaN', '2/x,1-["a"]',
    '2 ', '2/x, ',
    '2' + '[' * 129 + ']' * 129,  # too deep
    '2["a",' + '{"a":' * 200 + '1' + '}' * 200 + ']',
    '2' + '[' * 100000,  # unbalanced and deep
    '2' + '[' * 5000 + ']' * 5000,
])
def test_decode_malformed(encoded):
    with pytest.raises(ValueError):
        Packet(encoded_packet=encoded)


@pytest.mark.usefixtures('header_parser')
@pytest.mark.parametrize('encoded, decoded', [
    # python-socketio decodes these; what an event must look like is for the
    # receiver to check (it logs the packet as invalid)
    ('5', (5, 0, None, None, None)),
    ('5["a"]', (5, 0, None, None, ['a'])),  # no attachment count: none
    ('6[]', (6, 0, None, None, [])),
    ('51["a",{"_placeholder":true,"num":0}]',  # 1 is then the ack id
     (5, 0, None, 1, ['a', {'_placeholder': True, 'num': 0}])),
    ('51-', (5, 1, None, None, None)),
    ('51-/x,', (5, 1, '/x', None, None)),
    ('2"foo"', (2, 0, None, None, 'foo')),
    ('2{"foo":"bar"}', (2, 0, None, None, {'foo': 'bar'})),
    ('2[]', (2, 0, None, None, [])),
    ('2[1]', (2, 0, None, None, [1])),
    ('2[null,"a"]', (2, 0, None, None, [None, 'a'])),
    ('52-"a"', (5, 2, None, None, 'a')),
    ('52-[1]', (5, 2, None, None, [1])),
])
def test_decode_any_json_data(encoded, decoded):
    pkt = Packet(encoded_packet=encoded)
    assert (pkt.packet_type, pkt.attachment_count, pkt.namespace, pkt.id,
            pkt.data) == decoded


@pytest.mark.parametrize('encoded', [
    b'\xff\xfe', bytearray(b'\x80'), [1], {'a': 1}, 1.5])
def test_decode_malformed_types(encoded):
    with pytest.raises(ValueError):
        Packet(encoded_packet=encoded)


@pytest.mark.usefixtures('header_parser')
def test_decode_empty():
    with pytest.raises(ValueError):
        Packet().decode('')


def test_depth_limit_exact():
    ok = '2["a",' + '[' * 127 + ']' * 127 + ']'
    assert Packet(encoded_packet=ok).data[0] == 'a'
    too_deep = '2["a",' + '[' * 128 + ']' * 128 + ']'
    with pytest.raises(ValueError, match='nested too deeply'):
        Packet(encoded_packet=too_deep)


def test_depth_brackets_inside_strings_ignored():
    text = '[' * 500 + '{' * 500
    pkt = Packet(encoded_packet='2' + json.dumps(['a', text, '\\"[[[',
                                                  {'b': ']]]]'}]))
    assert pkt.data == ['a', text, '\\"[[[', {'b': ']]]]'}]
    long_text = 'x' * 5000 + '[' * 300
    pkt = Packet(encoded_packet='2' + json.dumps(['a', long_text]))
    assert pkt.data == ['a', long_text]


def test_depth_many_shallow_containers():
    data = ['ev', [{'id': i, 'tags': ['a', 'b']} for i in range(500)]]
    pkt = Packet(encoded_packet='2' + json.dumps(data))
    assert pkt.data == data


def test_depth_limit_configurable(monkeypatch):
    monkeypatch.setattr(Packet, 'max_depth', 3)
    assert Packet(encoded_packet='2["a",[[1]]]').data == ['a', [[1]]]
    with pytest.raises(ValueError):
        Packet(encoded_packet='2["a",[[[1]]]]')


@pytest.mark.usefixtures('header_parser')
def test_max_attachments_configurable(monkeypatch):
    monkeypatch.setattr(Packet, 'max_attachments', 2)
    assert Packet(encoded_packet='52-["a"]').attachment_count == 2
    with pytest.raises(ValueError, match='Too many attachments'):
        Packet(encoded_packet='53-["a"]')


@pytest.mark.parametrize('payload', [
    '["a",{"_placeholder":true,"num":1}]',
    '["a",{"_placeholder":true,"num":-1}]',
    '["a",{"_placeholder":true,"num":"0"}]',
    '["a",{"_placeholder":true,"num":true}]',
    '["a",{"_placeholder":true}]',
    '["a",{"_placeholder":true,"num":0.0}]',
])
def test_reconstruct_bad_placeholder(payload):
    pkt = Packet(encoded_packet='51-' + payload)
    with pytest.raises(ValueError, match='placeholder'):
        pkt.add_attachment(b'x')


# --- binary helpers ----------------------------------------------------

def test_data_is_binary():
    pkt = Packet()
    for helper in (pkt._data_is_binary, Packet.data_is_binary,
                   Packet._data_is_binary):
        assert helper(b'x')
        assert helper(bytearray(b'x'))
        assert helper(['foo', b'x'])
        assert helper({'a': [1, {'b': b'x'}]})
        assert not helper(['foo'])
        assert not helper([])
        assert not helper({})
        assert not helper({'a': 'b'})
        assert not helper('foo')
        assert not helper({b'key': 1} and {'k': 'v'})


def test_deconstruct_binary():
    data = {'a': '123', 'b': b'456', 'c': [b'789', 123]}
    expected = ({'a': '123', 'b': {'_placeholder': True, 'num': 0},
                 'c': [{'_placeholder': True, 'num': 1}, 123]},
                [b'456', b'789'])
    assert Packet.deconstruct_binary(data) == expected
    assert Packet()._deconstruct_binary(data) == expected
    assert data['b'] == b'456'


def test_reconstruct_binary_class_form():
    data = [{'_placeholder': True, 'num': 1}, {'x': {'_placeholder': True,
                                                     'num': 0}}]
    assert Packet.reconstruct_binary(data, [b'a', b'b']) == \
        [b'b', {'x': b'a'}]
    assert Packet._reconstruct_binary_internal(data, [b'a', b'b']) == \
        [b'b', {'x': b'a'}]
    # also callable on an instance with two arguments
    assert Packet().reconstruct_binary(data, [b'a', b'b']) == \
        [b'b', {'x': b'a'}]


def test_reconstruct_binary_instance_form():
    pkt = Packet(encoded_packet='51-["a",' + PLACEHOLDER0 + ']')
    pkt.attachments = [b'x']
    assert pkt.reconstruct_binary(pkt.attachments) is None
    assert pkt.data == ['a', b'x']


@pytest.mark.usefixtures('header_parser')
def test_binary_roundtrip_through_wire():
    data = ['ev', {'x': [b'1', 'two', b'3']}, b'4']
    encoded = Packet(data=data, namespace='/ns', id=9).encode()
    pkt = Packet(encoded_packet=encoded[0])
    assert pkt.attachment_count == 3
    results = [pkt.add_attachment(a) for a in encoded[1:]]
    assert results == [False, False, True]
    assert (pkt.packet_type, pkt.namespace, pkt.id, pkt.data) == \
        (packet.BINARY_EVENT, '/ns', 9, data)


def test_to_dict():
    assert Packet(packet.EVENT, ['a'], namespace='/x', id=1)._to_dict() == \
        {'type': 2, 'data': ['a'], 'nsp': '/x', 'id': 1}
    assert Packet(packet.CONNECT)._to_dict() == \
        {'type': 0, 'data': None, 'nsp': None}


def test_repr():
    assert 'EVENT' in repr(Packet(data=['a']))


# --- filling in binary attachments (C speedups and pure Python) -------------

FILLERS = [pytest.param(packet._py_fill_in, id='python')]
if packet._c_fill_in is not None:
    FILLERS.append(pytest.param(packet._c_fill_in, id='c'))


def test_speedups_built_under_ci():
    """CI has a compiler: a broken C build must not pass silently."""
    if os.environ.get('CI') != 'true' or os.environ.get('SOCKETIO_NO_SPEEDUPS'):
        pytest.skip('only checked under CI')
    assert packet.SPEEDUPS


@pytest.mark.parametrize('fill_in', FILLERS)
def test_fill_in_shapes(fill_in):
    data = json.loads(
        '["a",{"_placeholder":false,"num":0},'
        '{"_placeholder":true,"num":1,"x":{"_placeholder":true,"num":0}},'
        '[[{"k":{"_placeholder":true,"num":0}}]],{"_placeholder":1,"num":0},'
        '"s",1,null,{"nested":{"deeper":[{"_placeholder":true,"num":1}]}}]')
    result = fill_in(data, [b'0', b'1'])
    assert result is data
    assert data == ['a', {'_placeholder': False, 'num': 0}, b'1',
                    [[{'k': b'0'}]], {'_placeholder': 1, 'num': 0},
                    's', 1, None, {'nested': {'deeper': [b'1']}}]


@pytest.mark.parametrize('fill_in', FILLERS)
def test_fill_in_top_level_and_scalars(fill_in):
    assert fill_in({'_placeholder': True, 'num': 0}, [b'x']) == b'x'
    assert fill_in({'_placeholder': True, 'num': 1}, (b'x', b'y')) == b'y'
    for value in ('s', 1, 1.5, None, True, b'raw'):
        assert fill_in(value, [b'x']) is value
    # tuples and dict subclasses are not made by the JSON decoder: left alone
    placeholder = {'_placeholder': True, 'num': 0}
    assert fill_in((placeholder,), [b'x']) == (placeholder,)


@pytest.mark.parametrize('fill_in', FILLERS)
@pytest.mark.parametrize('placeholder', [
    {'_placeholder': True, 'num': 1}, {'_placeholder': True, 'num': -1},
    {'_placeholder': True, 'num': '0'}, {'_placeholder': True, 'num': True},
    {'_placeholder': True}, {'_placeholder': True, 'num': 0.0},
    {'_placeholder': True, 'num': 2 ** 70},
])
def test_fill_in_bad_placeholder(fill_in, placeholder):
    with pytest.raises(ValueError, match='Invalid binary placeholder'):
        fill_in(['a', {'k': [placeholder]}], [b'x'])


@pytest.mark.parametrize('fill_in', FILLERS)
def test_fill_in_too_deep(fill_in):
    data = leaf = []
    for _ in range(100000):
        leaf.append([])
        leaf = leaf[0]
    with pytest.raises(RecursionError):
        fill_in(data, [b'x'])


def test_binary_too_deep_packet_is_refused():
    with pytest.raises(ValueError, match='deep'):
        Packet(encoded_packet='51-["a",' + '[' * 200 + ']' * 200 + ']')


def test_binary_subclass_reconstruct_sees_placeholders():
    seen = []

    class Custom(Packet):
        def reconstruct_binary(self, attachments):
            seen.append(list(self.data))
            return super().reconstruct_binary(attachments)

    pkt = Custom(encoded_packet='51-["a",' + PLACEHOLDER0 + ']')
    assert pkt.add_attachment(b'x') is True
    assert seen == [['a', {'_placeholder': True, 'num': 0}]]
    assert pkt.data == ['a', b'x']


def test_binary_data_holds_placeholders_until_complete():
    pkt = Packet(encoded_packet='52-["a",' + PLACEHOLDER0 +
                 ',{"_placeholder":true,"num":1}]')
    assert pkt.data == ['a', {'_placeholder': True, 'num': 0},
                        {'_placeholder': True, 'num': 1}]
    assert pkt.add_attachment(b'x') is False
    assert pkt.add_attachment(b'y') is True
    assert pkt.data == ['a', b'x', b'y']


@pytest.mark.parametrize('namespace', [None, '/', '/chat'])
@pytest.mark.parametrize('data', [['tick'], ['tick', {'n': 1, 'text': 'h\u00e9'}],
                                  ['tick', [1, 2.5, None, True], 'x']])
def test_encode_text_event_matches_packet(namespace, data):
    text = packet.encode_text_event(Packet, data, namespace)
    if packet._c_encode_text is None:  # without the C speedups: the Packet path
        assert text is None
    else:
        assert text == Packet(packet.EVENT, data=data, namespace=namespace).encode()


@pytest.mark.parametrize('data', [['up', b'\x00'], ['up', {'b': bytearray(b'1')}],
                                  ['bad', object()], ['nan', set()]])
def test_encode_text_event_leaves_binary_and_errors_to_packet(data):
    assert packet.encode_text_event(Packet, data, '/') is None


@pytest.mark.skipif(packet._c_encode_text is None, reason='C speedups not built')
def test_encode_text_event_only_for_packet_as_defined(monkeypatch):
    class Sub(Packet):
        pass

    assert packet.encode_text_event(Sub, ['a'], '/') is None
    monkeypatch.setattr(Packet, 'json', json)  # same module: still ours
    assert packet.encode_text_event(Packet, ['a'], '/') == '2["a"]'

    class OtherJSON:
        @staticmethod
        def dumps(*args, **kwargs):
            return json.dumps(*args, **kwargs)

    monkeypatch.setattr(Packet, 'json', OtherJSON)
    assert packet.encode_text_event(Packet, ['a'], '/') is None
