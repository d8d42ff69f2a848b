"""Tornado integration for :class:`~socketio.AsyncServer`."""
from __future__ import annotations

from typing import Any

try:
    from engineio.async_drivers.tornado import get_tornado_handler as get_engineio_handler
except ImportError:  # tornado is not installed
    get_engineio_handler = None


def get_tornado_handler(socketio_server: Any) -> Any:
    """Return a Tornado request handler class serving ``socketio_server``."""
    if get_engineio_handler is None:
        raise RuntimeError('Tornado is not installed (pip install tornado)')
    return get_engineio_handler(socketio_server.eio)
