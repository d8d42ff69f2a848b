"""Old (5.0.3) name of :mod:`socketio.async_aiopika_manager`, kept for existing imports."""
from .async_aiopika_manager import *  # noqa: F401,F403
from .async_aiopika_manager import AsyncAioPikaManager  # noqa: F401
