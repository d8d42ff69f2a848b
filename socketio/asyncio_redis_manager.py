"""Old (5.0.3) name of :mod:`socketio.async_redis_manager`, kept for existing imports."""
from .async_redis_manager import *  # noqa: F401,F403
from .async_redis_manager import AsyncRedisManager, _parse_redis_url  # noqa: F401
