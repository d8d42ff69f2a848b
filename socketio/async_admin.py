"""Reporting to the Socket.IO Admin UI (https://admin.socket.io) from an
:class:`~socketio.AsyncServer`.

``server.instrument(auth=...)`` returns an :class:`InstrumentedAsyncServer`,
which opens an admin namespace (``/admin`` by default) that the Admin UI
connects to, and reports to it what happens on the server: sockets
connecting and leaving, rooms, events received and sent, and periodic
``server_stats``. It observes the server through a few of its methods,
replaced on the instance (``_trigger_event``, ``shutdown``, the manager's
``emit``, ``basic_enter_room`` and ``basic_leave_room``), the Engine.IO
``connect``/``disconnect`` handlers and each Engine.IO socket's ``send``
and ``receive``.
"""
# The source of socketio/admin.py (scripts/unasync.py).  # async-only
from __future__ import annotations

import inspect  # async-only
import time
from typing import Any, Optional

from . import exceptions
from .async_primitives import join_task, wait_event
from .base_admin import EVENT_TYPES, BaseInstrumentedServer, EventBuffer, isotime  # noqa: F401
from .payload import to_args


class InstrumentedAsyncServer(BaseInstrumentedServer):
    """Connects an :class:`~socketio.AsyncServer` to the Socket.IO Admin UI.

    :param server: the server to report on.
    :param auth: required. ``False`` disables authentication; a dict must
        equal the admin client's ``auth``; a list of dicts must contain it; a
        callable (or coroutine function) gets it and returns True to accept.
    :param mode: ``'development'`` reports every socket and event,
        ``'production'`` only aggregate statistics.
    :param read_only: refuse the UI's operations (emit, join, leave,
        disconnect).
    :param server_id: the name of this server in the UI; by default the
        message-queue host id, else the host name.
    :param namespace: the namespace the UI connects to.
    :param server_stats_interval: seconds between ``server_stats`` reports.
    """

    def instrument(self) -> None:
        """Install the admin namespace handlers and the server hooks."""
        server, manager, ns = self.server, self.server.manager, self.admin_namespace
        server.on('connect', self._admin_connect, namespace=ns)
        if not self.read_only:
            server.on('emit', self._admin_emit, namespace=ns)
            server.on('join', self._admin_join, namespace=ns)
            server.on('leave', self._admin_leave, namespace=ns)
            server.on('_disconnect', self._admin_disconnect, namespace=ns)
        self._patch(server, '_trigger_event', self._trigger_event)
        self._patch(server, 'shutdown', self._server_shutdown)
        self._patch(manager, 'emit', self._manager_emit)
        self._patch(manager, 'basic_enter_room', self._basic_enter_room)
        self._patch(manager, 'basic_leave_room', self._basic_leave_room)
        server.eio.on('connect', self._eio_connect)
        server.eio.on('disconnect', self._eio_disconnect)

    async def _broadcast(self, event: str, *data: Any) -> None:
        """Emit to every admin client."""
        await self.server.emit(event, data, namespace=self.admin_namespace)

    # -- the admin namespace ---------------------------------------------------------
    async def _admin_connect(self, sid: str, environ: Any, client_auth: Any = None) -> None:
        if self.auth is not False:
            if isinstance(self.auth, dict):
                authenticated = client_auth == self.auth
            elif isinstance(self.auth, list):
                authenticated = client_auth in self.auth
            else:
                authenticated = self.auth(client_auth)
                if inspect.isawaitable(authenticated):  # async-only
                    authenticated = await authenticated
            if not authenticated:
                raise exceptions.ConnectionRefusedError('authentication failed')
        self.server.start_background_task(self._greet, sid)

    async def _greet(self, sid: str) -> None:
        server, ns = self.server, self.admin_namespace
        await server.sleep(0.1)  # let the CONNECT reply go out first
        await server.emit('config', {'supportedFeatures': self.supported_features()},
                          to=sid, namespace=ns)
        if self.development:
            await server.emit('all_sockets', self.all_sockets(), to=sid, namespace=ns)

    async def _admin_emit(self, sid: str, namespace: str, room_filter: Any, event: str,
                          *data: Any) -> None:
        payload = data[0] if len(data) == 1 else (tuple(data) if data else None)
        await self.server.emit(event, payload, to=room_filter, namespace=namespace)

    async def _admin_join(self, sid: str, namespace: str, room: Any,
                          room_filter: Any = None) -> None:
        for target, _ in list(self.server.manager.get_participants(namespace, room_filter)):
            await self.server.enter_room(target, room, namespace=namespace)

    async def _admin_leave(self, sid: str, namespace: str, room: Any,
                           room_filter: Any = None) -> None:
        for target, _ in list(self.server.manager.get_participants(namespace, room_filter)):
            await self.server.leave_room(target, room, namespace=namespace)

    async def _admin_disconnect(self, sid: str, namespace: str, close: bool,
                                room_filter: Any = None) -> None:
        closed = set()
        for target, eio_sid in list(self.server.manager.get_participants(namespace,
                                                                         room_filter)):
            if not close:
                await self.server.disconnect(target, namespace=namespace)
            elif eio_sid not in closed:
                closed.add(eio_sid)
                # without waiting for its packet queue, as disconnect_sockets does
                await self.server._close_connection(eio_sid)

    # -- hooks on the server ------------------------------------------------------------
    async def _trigger_event(self, event: str, namespace: str, *args: Any) -> Any:
        original = self._originals[(self.server, '_trigger_event')]
        if event == 'connect':
            result = await original(event, namespace, *args)
            if result is not False and self.development:
                try:
                    info = self.serialize_socket(args[0], namespace)
                except Exception:  # reporting must never break a connection
                    self.server.logger.exception('admin: cannot describe %s', args[0])
                else:
                    await self._broadcast('socket_connected', info, isotime())
            return result
        if event == 'disconnect':
            try:
                return await original(event, namespace, *args)
            finally:
                if self.development:
                    reason = args[1] if len(args) > 1 else \
                        self.server.reason.CLIENT_DISCONNECT
                    self._broadcast_later('socket_disconnected', namespace, args[0],
                                          reason, isotime())
        if self.development and namespace != self.admin_namespace and args:
            await self._broadcast('event_received', namespace, args[0],
                                  [event, *args[1:]], isotime())
        return await original(event, namespace, *args)

    async def _manager_emit(self, event: str, data: Any, namespace: str, room: Any = None,
                            skip_sid: Any = None, callback: Any = None,
                            **kwargs: Any) -> Any:
        original = self._originals[(self.server.manager, 'emit')]
        if kwargs.get('to') is not None:
            room = kwargs.pop('to')
        result = await original(event, data, namespace, room=room, skip_sid=skip_sid,
                                callback=callback, **kwargs)
        if self.development and namespace != self.admin_namespace:
            skip = skip_sid if isinstance(skip_sid, list) else [skip_sid]
            message = [event, *to_args(data)]
            for sid, _ in list(self.server.manager.get_participants(namespace, room)):
                if sid not in skip:
                    await self._broadcast('event_sent', namespace, sid, message, isotime())
        return result

    def _basic_enter_room(self, sid: str, namespace: str, room: Any,
                          eio_sid: Optional[str] = None) -> Any:
        original = self._originals[(self.server.manager, 'basic_enter_room')]
        result = original(sid, namespace, room, eio_sid=eio_sid)
        if room and self.development:
            self._broadcast_later('room_joined', namespace, room, sid, isotime())
        return result

    def _basic_leave_room(self, sid: str, namespace: str, room: Any) -> Any:
        original = self._originals[(self.server.manager, 'basic_leave_room')]
        result = original(sid, namespace, room)
        if room and self.development:
            self._broadcast_later('room_left', namespace, room, sid, isotime())
        return result

    async def _server_shutdown(self) -> Any:
        await self.shutdown()
        return await self._originals[(self.server, 'shutdown')]()

    async def shutdown(self) -> None:
        """Stop the statistics task."""
        self._stopped = True
        task, self.stats_task = self.stats_task, None
        if task is not None:
            self.stop_stats_event.set()
            await join_task(task)

    # -- hooks on Engine.IO ---------------------------------------------------------------
    async def _eio_connect(self, eio_sid: str, environ: Any) -> Any:
        result = await self.server._handle_eio_connect(eio_sid, environ)
        if result is False:
            return result
        self.event_buffer.push('rawConnection')
        self._issued[eio_sid] = time.time()
        eio_socket = self.server.eio.sockets.get(eio_sid)
        if eio_socket is not None:
            self._watch_socket(eio_socket)
            if not eio_socket.upgraded and \
                    'transport=websocket' not in (environ or {}).get('QUERY_STRING', ''):
                self._polling.add(eio_sid)
        if self.stats_task is None and not self._stopped:
            self.stop_stats_event = self.server.eio.create_event()
            self.stats_task = self.server.start_background_task(self._stats)
        return result

    async def _eio_disconnect(self, eio_sid: str, *reason: Any) -> Any:
        try:
            return await self.server._handle_eio_disconnect(eio_sid, *reason)
        finally:
            self.event_buffer.push('rawDisconnection')
            self._issued.pop(eio_sid, None)
            self._polling.discard(eio_sid)

    # -- statistics ------------------------------------------------------------------------
    async def _stats(self) -> None:
        """The statistics task: a ``server_stats`` report every interval."""
        server = self.server
        started = time.time()
        namespaces = sorted(ns for ns in set(server.handlers) | set(server.namespace_handlers)
                            if ns != '*')
        while not await wait_event(self.stop_stats_event, self.server_stats_interval):
            if self.development:
                await self._report_upgrades()
            await self._broadcast('server_stats', self.server_stats(started, namespaces))

    async def _report_upgrades(self) -> None:
        """Tell the UI about the clients that moved from polling to websocket."""
        for eio_sid in list(self._polling):
            eio_socket = self.server.eio.sockets.get(eio_sid)
            if eio_socket is not None and not eio_socket.upgraded:
                continue
            self._polling.discard(eio_sid)
            if eio_socket is None:
                continue
            for namespace, sid in self._connected_sids(eio_sid):
                await self._broadcast('socket_updated',
                                      {'id': sid, 'nsp': namespace, 'transport': 'websocket'})


__all__ = ['InstrumentedAsyncServer', 'EVENT_TYPES']
