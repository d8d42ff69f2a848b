"""Admin UI instrumentation for :class:`~socketio.AsyncServer`.

The implementation is shared with the standard server (see
:mod:`socketio.admin`); on an asyncio server the wrapped methods and
:meth:`InstrumentedAsyncServer.shutdown` return awaitables.
"""
from .admin import InstrumentedServer


class InstrumentedAsyncServer(InstrumentedServer):
    """Connects an :class:`~socketio.AsyncServer` to the Socket.IO Admin UI.

    Same arguments as :class:`socketio.admin.InstrumentedServer`; ``auth``
    may be a coroutine function and ``shutdown()`` must be awaited.
    """


__all__ = ['InstrumentedAsyncServer']
