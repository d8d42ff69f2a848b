"""WSGI application wrapping a :class:`~socketio.Server`."""
from __future__ import annotations

from typing import Any, Optional

import engineio


class WSGIApp(engineio.WSGIApp):
    """WSGI application serving Socket.IO, static files and another WSGI app.

    Requests under ``/<socketio_path>/`` go to the Socket.IO server, then
    ``static_files`` rules are tried, then ``wsgi_app`` (or a 404).
    """

    def __init__(self, socketio_app: Any, wsgi_app: Any = None,
                 static_files: Optional[dict] = None,
                 socketio_path: str = 'socket.io') -> None:
        super().__init__(socketio_app, wsgi_app, static_files=static_files,
                         engineio_path=socketio_path)


class Middleware(WSGIApp):
    """Deprecated name of :class:`WSGIApp` (without static files)."""

    def __init__(self, socketio_app: Any, wsgi_app: Any = None,
                 socketio_path: str = 'socket.io') -> None:
        super().__init__(socketio_app, wsgi_app, socketio_path=socketio_path)
