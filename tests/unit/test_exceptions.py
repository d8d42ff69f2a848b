import builtins

import pytest

from socketio import exceptions


def test_hierarchy():
    assert issubclass(exceptions.SocketIOError, Exception)
    for name in ('ConnectionError', 'TimeoutError', 'BadNamespaceError',
                 'DisconnectedError'):
        cls = getattr(exceptions, name)
        assert issubclass(cls, exceptions.SocketIOError)
    assert issubclass(exceptions.ConnectionRefusedError,
                      exceptions.ConnectionError)
    # they shadow, but do not derive from, the builtins
    assert exceptions.ConnectionError is not builtins.ConnectionError
    assert not issubclass(exceptions.ConnectionError,
                          builtins.ConnectionError)
    assert not issubclass(exceptions.TimeoutError, builtins.TimeoutError)
    assert not issubclass(exceptions.ConnectionRefusedError,
                          builtins.ConnectionRefusedError)


@pytest.mark.parametrize('args,expected', [
    ((), {'message': 'Connection rejected by server'}),
    (('fail_reason',), {'message': 'fail_reason'}),
    ((123,), {'message': '123'}),
    ((['a'],), {'message': "['a']"}),
    (('fail_reason', 1), {'message': 'fail_reason', 'data': 1}),
    (('fail_reason', {'a': 1}), {'message': 'fail_reason', 'data': {'a': 1}}),
    (('fail_reason', 1, 2), {'message': 'fail_reason', 'data': (1, 2)}),
])
def test_connection_refused_error_args(args, expected):
    exc = exceptions.ConnectionRefusedError(*args)
    assert exc.error_args == expected
    assert exc.args == args


def test_raise_and_catch():
    with pytest.raises(exceptions.ConnectionError):
        raise exceptions.ConnectionRefusedError('nope')
    with pytest.raises(exceptions.SocketIOError):
        raise exceptions.TimeoutError()
    with pytest.raises(exceptions.SocketIOError):
        raise exceptions.DisconnectedError()
    assert str(exceptions.BadNamespaceError('/foo')) == '/foo'
