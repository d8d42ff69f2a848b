"""Old (5.0.3) name of :mod:`socketio.async_client`, kept for existing imports."""
from .async_client import *  # noqa: F401,F403
from .async_client import AsyncClient  # noqa: F401
