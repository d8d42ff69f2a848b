"""Old (5.0.3) name of :mod:`socketio.async_manager`, kept for existing imports."""
from .async_manager import *  # noqa: F401,F403
from .async_manager import AsyncManager  # noqa: F401
