"""Tornado integration for :class:`~socketio.AsyncServer`."""
from __future__ import annotations

from typing import Any

try:
    from engineio.async_drivers.tornado import get_tornado_handler as get_engineio_handler
except ImportError:  # tornado is not installed
    get_engineio_handler = None


def get_tornado_handler(socketio_server: Any) -> Any:
    """Return a Tornado request handler class serving ``socketio_server``.

    The class is Engine.IO's handler class for ``socketio_server.eio``, but
    for its long-polling POSTs, which go through the server's
    ``handle_request`` so that bursts of more than 16 packets are accepted
    (see :mod:`socketio.framework_polling`).
    """
    if get_engineio_handler is None:
        raise RuntimeError('Tornado is not installed (pip install tornado)')
    engineio_handler = get_engineio_handler(socketio_server.eio)

    class SocketIOHandler(engineio_handler):  # type: ignore[misc, valid-type]
        async def post(self, *args: Any, **kwargs: Any) -> None:
            await socketio_server.handle_request(self)

    return SocketIOHandler
