"""Old (5.0.3) name of :mod:`socketio.async_pubsub_manager`, kept for existing imports."""
from .async_pubsub_manager import *  # noqa: F401,F403
from .async_pubsub_manager import AsyncPubSubManager  # noqa: F401
