"""Argument and acknowledgement rules shared by servers and clients."""
import pytest

from socketio import payload


@pytest.mark.parametrize('data, args', [
    (None, []), ('a', ['a']), (['a', 'b'], [['a', 'b']]), (('a', 'b'), ['a', 'b']),
    ((), []), ({'k': 1}, [{'k': 1}]), (b'x', [b'x']),
])
def test_to_args(data, args):
    assert payload.to_args(data) == args


@pytest.mark.parametrize('args, value', [
    ((), None), (('a',), 'a'), (('a', 2), ('a', 2)), ([[1, 2]], [1, 2]),
])
def test_ack_value(args, value):
    assert payload.ack_value(args) == value


def test_room_lists():
    assert payload.is_room_list(['a', 'b'])
    assert payload.is_room_list(('a',))
    assert payload.is_room_list({'a'})
    assert not payload.is_room_list('room')
    assert not payload.is_room_list(None)
    assert not payload.is_room_list(123)


def test_register_callback_counts_per_key_from_one():
    callbacks = {}
    ids = [payload.register_callback(callbacks, key, key)
           for key in ('/', '/', '/', '/foo', '/bar', '/', '/bar')]
    assert ids == [1, 2, 3, 1, 1, 4, 2]
    assert callbacks['/'][4] == '/'


def test_event_name_and_ack_args_reject_bad_payloads():
    assert payload.event_name(['ev', 1]) == 'ev'
    assert payload.ack_args(['a', 1]) == ['a', 1]
    for bad in (None, [], [1], {'a': 1}):
        with pytest.raises(ValueError):
            payload.event_name(bad)
