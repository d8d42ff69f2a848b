"""The asyncio Socket.IO server (ASGI, aiohttp, Sanic, Tornado)."""
from __future__ import annotations

import asyncio
from typing import Any, Optional

import engineio

from . import async_manager, endpoint, exceptions, packet, server  # noqa: F401
from .base_server import BaseServer
from .trampoline import call_each_async, run_async, wait_event_async

#: the genuine Engine.IO class (tests may patch the module attribute)
_ENGINEIO_ASYNC_SERVER = engineio.AsyncServer


def _dispatch_messages_directly(eio: Any) -> None:
    """Have ``eio`` await its ``message`` handler directly.

    Engine.IO's ``_trigger_event`` looks up the handler, checks whether it
    is a coroutine function and builds a wrapper coroutine for every
    message: about a microsecond per message. The replacement (an instance
    attribute) does the same for the ``message`` handler this server
    registered, when Engine.IO awaits it in place (``run_async`` false):
    await it, log what it raises like Engine.IO does, and swallow a
    cancellation like Engine.IO does. Anything else goes to Engine.IO's own
    method, so a handler replaced later with ``eio.on('message', ...)`` is
    dispatched by Engine.IO as usual.
    """
    if not isinstance(eio, _ENGINEIO_ASYNC_SERVER) or \
            not callable(getattr(eio, '_trigger_event', None)):
        return
    original = eio._trigger_event
    handlers = eio.handlers
    registered = handlers.get('message')

    async def _trigger_event(event: str, *args: Any, **kwargs: Any) -> Any:
        if event == 'message' and not kwargs.get('run_async') and \
                handlers.get('message') is registered:
            try:
                return await registered(*args)
            except asyncio.CancelledError:
                return None
            except Exception:
                eio.logger.exception('message async handler error')
                return None
        return await original(event, *args, **kwargs)

    eio._trigger_event = _trigger_event


class AsyncServer(BaseServer):
    """A Socket.IO server for asyncio applications.

    Takes the same arguments as :class:`~socketio.Server`. Methods that talk
    to clients (``emit``, ``send``, ``call``, ``enter_room``, ``leave_room``,
    ``close_room``, ``get_session``, ``save_session``, ``disconnect``,
    ``sleep``, ``shutdown``) must be awaited; handlers may be coroutines or
    plain functions.
    """

    _run = staticmethod(run_async)
    _call_each = staticmethod(call_each_async)
    _wait_event = staticmethod(wait_event_async)
    _eio_start_background_task = staticmethod(engineio.AsyncServer.start_background_task)

    def __init__(self, client_manager: Any = None, logger: Any = False, json: Any = None,
                 async_handlers: bool = True, namespaces: Any = None, **kwargs: Any) -> None:
        if client_manager is None:
            client_manager = async_manager.AsyncManager()
        super().__init__(client_manager=client_manager, logger=logger, json=json,
                         async_handlers=async_handlers, namespaces=namespaces, **kwargs)
        _dispatch_messages_directly(self.eio)

    def is_asyncio_based(self) -> bool:
        return True

    def _engineio_server_class(self) -> Any:
        return engineio.AsyncServer

    def _start_handler(self, target: Any, *args: Any) -> None:
        # What Engine.IO's start_background_task does, without the checks of
        # asyncio.ensure_future, and with the task held until it ends.
        if self._own_background_tasks():
            endpoint.hold_task(asyncio.get_running_loop().create_task(target(*args)))
        else:
            self.start_background_task(target, *args)

    def attach(self, app: Any, socketio_path: str = 'socket.io') -> None:
        """Attach the server to an aiohttp or Sanic application."""
        self.eio.attach(app, socketio_path)

    async def shutdown(self) -> None:
        """Stop Engine.IO's background service (a coroutine function, so that
        it can be given to ``ASGIApp(on_shutdown=...)``)."""
        await super().shutdown()

    # Engine.IO awaits only coroutine functions, so its entry points are these.
    async def _handle_eio_connect(self, eio_sid: str, environ: Any) -> Any:
        return super()._handle_eio_connect(eio_sid, environ)

    async def _on_eio_message(self, eio_sid: str, data: Any) -> Any:
        try:
            return await self._handle_eio_message(eio_sid, data)
        except ValueError as exc:
            self._invalid_packet(eio_sid, exc)
        return None

    async def _handle_eio_disconnect(self, eio_sid: str, reason: Optional[str] = None) -> Any:
        return await super()._handle_eio_disconnect(eio_sid, reason)


__all__ = ['AsyncServer']
