"""Old (5.0.3) name of :mod:`socketio.async_server`, kept for existing imports."""
from .async_server import *  # noqa: F401,F403
from .async_server import AsyncServer  # noqa: F401
