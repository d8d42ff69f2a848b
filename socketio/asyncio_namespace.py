"""Old (5.0.3) name of :mod:`socketio.async_namespace`, kept for existing imports."""
from .async_namespace import *  # noqa: F401,F403
from .async_namespace import AsyncClientNamespace, AsyncNamespace  # noqa: F401
