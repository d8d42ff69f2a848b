"""The JSON wire format of the message-queue managers (socketio.pubsub_messages)."""
import json
import pickle

import pytest

from socketio import pubsub_messages as m


def roundtrip(message):
    return m.decode(m.encode(message, json), json)


class TestArguments:
    @pytest.mark.parametrize('data, args', [
        (None, [None]), ('a', ['a']), ([1, 2], [[1, 2]]), ((1, 2), [1, 2]), ((), []),
        ({'k': 'v'}, [{'k': 'v'}]), ((None,), [None]), (0, [0]), (False, [False]),
    ])
    def test_emit_data_is_the_argument_list(self, data, args):
        message = m.emit_message('ev', data, '/', None, None, None, 'h')
        assert message['data'] == args
        assert message['binary'] is False

    @pytest.mark.parametrize('data', [
        None, 'a', [1, 2], (1, 2), {'k': 'v'}, (None,), 0, ('x', [1], {'a': None}),
        b'\x00\xff', (b'a', 'b', {'c': [b'd']}), [b'x', b'y'], bytearray(b'ba'),
    ])
    def test_data_survives_the_wire(self, data):
        message = roundtrip(m.emit_message('ev', data, '/', None, None, None, 'h'))
        back = m.emit_data(message)
        expected = bytes(data) if isinstance(data, bytearray) else data
        if expected == (None,):
            expected = None  # as in python-socketio 5.15.1+: the same message as None
        assert back == expected
        assert type(back) is type(expected)

    @pytest.mark.parametrize('message, data', [
        # 5.0.3 to 5.14.0: no 'binary' field, the value itself
        ({'data': 'bar'}, 'bar'), ({'data': ['x', 'y']}, ['x', 'y']), ({'data': None}, None),
        # 5.14.3 and 5.15.0: the value itself, bytes as placeholders
        ({'data': 'bar', 'binary': False}, 'bar'), ({'data': None, 'binary': False}, None),
        ({'data': [{'_placeholder': True, 'num': 0}, 'Ymlu'], 'binary': True}, b'bin'),
        ({'data': [{'k': {'_placeholder': True, 'num': 0}}, 'dg=='], 'binary': True},
         {'k': b'v'}),
        # 5.15.1 and later: the list of arguments
        ({'data': ['bar'], 'binary': False}, 'bar'), ({'data': [None], 'binary': False}, None),
        ({'data': ['a', 'b'], 'binary': False}, ('a', 'b')),
        ({'data': [[{'_placeholder': True, 'num': 0}], 'Ymlu'], 'binary': True}, b'bin'),
        ({'data': [[{'_placeholder': True, 'num': 0}, 2], 'MQ=='], 'binary': True},
         (b'1', 2)),
    ])
    def test_every_python_socketio_form_is_read(self, message, data):
        message = dict(message, method='emit', event='ev')
        assert m.emit_data(roundtrip(message)) == data

    def test_binary_arguments_travel_as_base64_attachments(self):
        message = m.emit_message('ev', (b'\x01\x02', {'k': b'\xff'}), '/', None, None, None, 'h')
        assert message['binary'] is True
        assert message['data'] == [
            [{'_placeholder': True, 'num': 0}, {'k': {'_placeholder': True, 'num': 1}}],
            'AQI=', '/w==']
        json.dumps(message)  # JSON ready

    def test_callback_args_with_and_without_bytes(self):
        plain = m.callback_message('h', 'sid', '/', 3, ('a', 1))
        assert plain == {'method': 'callback', 'host_id': 'h', 'sid': 'sid',
                         'namespace': '/', 'id': 3, 'args': ('a', 1)}
        binary = roundtrip(m.callback_message('h', 'sid', '/', 3, (b'x', 'y')))
        assert binary['binary'] is True
        assert m.callback_args(binary) == [b'x', 'y']
        assert m.callback_args(roundtrip(plain)) == ['a', 1]

    @pytest.mark.parametrize('data, binary', [
        ('not a list', False), ([], True), (['not a list'], True),
        ([[{'_placeholder': True, 'num': 0}], '!!!'], True),
        ([[{'_placeholder': True, 'num': 1}], 'AA=='], True),
    ])
    def test_malformed_arguments_raise_value_error(self, data, binary):
        with pytest.raises(ValueError):
            m.unpack_args(data, binary)

    def test_old_style_emit_data_is_used_as_is(self):
        assert m.emit_data({'event': 'e', 'data': [1, 2]}) == [1, 2]


class TestMessages:
    def test_emit_message_fields(self):
        assert m.emit_message('ev', 'x', '/ns', 'room', ['s1'], ('room', '/ns', 1), 'h') == {
            'method': 'emit', 'event': 'ev', 'data': ['x'], 'binary': False,
            'namespace': '/ns', 'room': 'room', 'skip_sid': ['s1'],
            'callback': ('room', '/ns', 1), 'host_id': 'h'}

    def test_sid_and_room_messages(self):
        assert m.sid_message('disconnect', 's', None, 'h') == {
            'method': 'disconnect', 'sid': 's', 'namespace': '/', 'host_id': 'h'}
        assert m.sid_message('enter_room', 's', '/x', 'h', room='r') == {
            'method': 'enter_room', 'sid': 's', 'room': 'r', 'namespace': '/x', 'host_id': 'h'}
        assert m.close_room_message('r', None, 'h') == {
            'method': 'close_room', 'room': 'r', 'namespace': '/', 'host_id': 'h'}

    def test_encode_uses_the_given_json_module(self):
        class Custom:
            @staticmethod
            def dumps(obj):
                return 'custom:' + json.dumps(obj)
        assert m.encode({'method': 'x'}, Custom) == 'custom:{"method": "x"}'


class TestDecode:
    def test_accepts_dicts_str_and_bytes(self):
        message = {'method': 'disconnect', 'sid': 's', 'namespace': '/'}
        assert m.decode(message, json) is message
        assert m.decode(json.dumps(message), json) == message
        assert m.decode(json.dumps(message).encode(), json) == message
        assert m.decode(bytearray(json.dumps(message).encode()), json) == message

    @pytest.mark.parametrize('raw, reason', [
        ('bad json', 'not valid JSON'),
        (b'\xff\xfe', 'not UTF-8'),
        (pickle.dumps({'method': 'close_room', 'room': 'r'}), 'not'),
        ('[1, 2]', 'not a JSON object'),
        (42, 'not a JSON object'),
        ({'no': 'method'}, 'unknown method'),
        ({'method': 'bogus'}, 'unknown method'),
        ({'method': 7}, 'unknown method'),
        ({'method': 'emit', 'event': 'e'}, 'lacks data'),
        ({'method': 'emit', 'data': []}, 'lacks event'),
        ({'method': 'emit', 'event': 1, 'data': []}, 'event name'),
        ({'method': 'emit', 'event': 'e', 'data': [], 'callback': [1, 2]}, 'callback'),
        ({'method': 'emit', 'event': 'e', 'data': [], 'namespace': 3}, 'namespace'),
        ({'method': 'callback', 'host_id': 'h', 'sid': 's', 'id': 1}, 'lacks args'),
        ({'method': 'disconnect'}, 'lacks sid'),
        ({'method': 'enter_room', 'sid': 's'}, 'lacks room'),
        ({'method': 'close_room'}, 'lacks room'),
    ])
    def test_rejects_invalid_messages(self, raw, reason):
        with pytest.raises(ValueError, match=reason):
            m.decode(raw, json)

    def test_pickle_is_never_loaded(self, monkeypatch):
        monkeypatch.setattr(pickle, 'loads', lambda *a: pytest.fail('unpickled'))
        with pytest.raises(ValueError):
            m.decode(pickle.dumps({'method': 'close_room', 'room': 'r'}), json)
