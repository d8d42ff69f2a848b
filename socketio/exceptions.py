"""Exceptions raised by the Socket.IO client and server.

``ConnectionError``, ``ConnectionRefusedError`` and ``TimeoutError`` shadow
the Python builtins of the same name on purpose; they are unrelated to them.
"""
from __future__ import annotations

from typing import Any, Dict


class SocketIOError(Exception):
    """Base class of every Socket.IO error."""


class ConnectionError(SocketIOError):
    """A connection could not be established or was lost."""


class ConnectionRefusedError(ConnectionError):
    """Raised by a connect handler to reject the connection.

    The arguments become the CONNECT_ERROR payload in ``error_args``:
    ``{'message': str(args[0])}`` (default ``'Connection rejected by
    server'``), plus ``'data'`` holding ``args[1]`` when there are two
    arguments, or the tuple ``args[1:]`` when there are more.
    """

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        error_args: Dict[str, Any]
        if len(args) == 0:
            error_args = {'message': 'Connection rejected by server'}
        else:
            error_args = {'message': str(args[0])}
            if len(args) == 2:
                error_args['data'] = args[1]
            elif len(args) > 2:
                error_args['data'] = args[1:]
        self.error_args = error_args


class TimeoutError(SocketIOError):
    """An operation (such as ``call()``) timed out."""


class BadNamespaceError(SocketIOError):
    """The namespace is not connected or not known."""


class DisconnectedError(SocketIOError):
    """The client is not connected (used by the simple clients)."""
