"""ASGI application wrapping an :class:`~socketio.AsyncServer`."""
from __future__ import annotations

from typing import Any, Optional

import engineio


class ASGIApp(engineio.ASGIApp):
    """ASGI application serving Socket.IO, static files and another ASGI app.

    ``on_startup`` and ``on_shutdown`` are called (or awaited) on the
    lifespan events. With ``socketio_path=None`` every request goes to
    Socket.IO.
    """

    def __init__(self, socketio_server: Any, other_asgi_app: Any = None,
                 static_files: Optional[dict] = None, socketio_path: Optional[str] = 'socket.io',
                 on_startup: Any = None, on_shutdown: Any = None) -> None:
        super().__init__(socketio_server, other_asgi_app, static_files=static_files,
                         engineio_path=socketio_path, on_startup=on_startup,
                         on_shutdown=on_shutdown)
