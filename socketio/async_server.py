"""The asyncio Socket.IO server."""
# The source of socketio/server.py (scripts/unasync.py).  # async-only
from __future__ import annotations

import logging
from typing import Any, Callable, Optional

import engineio

from . import async_manager, base_server, exceptions, packet  # noqa: F401
from .acks import with_timeout
from .async_endpoint import AsyncEndpoint
from .async_recovery import AsyncServerRecovery
from .base_server import BaseServer, default_logger  # noqa: F401
from .cluster_base import CallResults, ClusterList
from .framework_polling import route_attached  # async-only
from .long_polling import handle_asgi
from .payload import ack_args, event_name, forget_callback, to_args


class AsyncServer(BaseServer, AsyncServerRecovery, AsyncEndpoint):
    """A Socket.IO server for asyncio applications.

    :param client_manager: the client manager; by default an in-memory
        :class:`~socketio.AsyncManager`. Pass a message-queue manager to
        share clients between processes.
    :param logger: ``True``/``False`` to enable or silence logging, or a
        :class:`logging.Logger`.
    :param serializer: ``'default'`` (JSON), ``'msgpack'`` or a packet class.
    :param json: a module with ``dumps``/``loads`` replacing :mod:`json`.
    :param async_handlers: run each event handler in a background task.
    :param always_connect: accept every connection before the ``connect``
        handler runs (a refusal then disconnects the client).
    :param namespaces: namespaces accepted without handlers, or ``'*'``.
    :param connection_state_recovery: a dict of options (or True) to let
        clients recover their session after a temporary disconnection; see
        :doc:`recovery`.
    :param max_pending_callbacks: callbacks kept per client while they wait
        for an acknowledgement (default 1,000; 0: no limit).
    :param max_payload_packets: packets accepted in one long-polling request
        (default: one per 10 bytes of ``max_http_buffer_size``).
    :param kwargs: Engine.IO options (``async_mode``, ``ping_interval``,
        ``ping_timeout``, ``max_http_buffer_size``, ``cors_allowed_origins``,
        ``engineio_logger``, ...).

    Event handlers may be coroutine functions or plain functions.
    """

    def __init__(self, client_manager: Any = None, logger: Any = False,  # async-only
                 json: Any = None, async_handlers: bool = True,
                 namespaces: Any = None, **kwargs: Any) -> None:
        super().__init__(client_manager=client_manager, logger=logger, json=json,
                         async_handlers=async_handlers, namespaces=namespaces, **kwargs)

    def _engineio_server_class(self) -> Any:
        return engineio.AsyncServer

    def _default_manager(self) -> Any:
        return async_manager.AsyncManager()

    def attach(self, app: Any, socketio_path: str = 'socket.io') -> None:  # async-only
        """Attach the server to an aiohttp or Sanic application.

        Engine.IO adds its routes for ``/<socketio_path>/``; a middleware
        then sends their long-polling POSTs through :meth:`handle_request`,
        so that bursts of more than 16 packets are accepted (see
        :mod:`socketio.framework_polling`).
        """
        self.eio.attach(app, socketio_path)
        route_attached(self, app)

    # -- emitting ------------------------------------------------------------
    async def emit(self, event: str, data: Any = None, to: Any = None, room: Any = None,
                   skip_sid: Any = None, namespace: Optional[str] = None,
                   callback: Optional[Callable[..., Any]] = None,
                   ignore_queue: bool = False, timeout: Optional[float] = None,
                   on_timeout: Optional[Callable[[], Any]] = None) -> None:
        """Emit an event to one client, a room, several rooms or everyone.

        ``to`` (or its alias ``room``) is a sid, a room name or a list of
        them; None broadcasts to the namespace. ``skip_sid`` leaves out one
        sid or a list of sids. ``data`` may be any JSON value or bytes; a
        tuple sends several arguments. ``callback`` is called with the
        client's acknowledgement. With ``timeout`` (seconds) the callback is
        dropped if no acknowledgement came in time, and ``on_timeout()`` is
        called instead. ``ignore_queue=True`` emits to this process's clients
        only, without the message queue.
        """
        namespace = namespace or '/'
        room = to or room
        if timeout is not None or on_timeout is not None:
            callback = with_timeout(callback, timeout, on_timeout)
        self.logger.info('emitting event "%s" to %s [%s]', event, room or 'all', namespace)
        await self.manager.emit(event, data, namespace, room=room, skip_sid=skip_sid,
                                callback=callback, ignore_queue=ignore_queue)

    async def send(self, data: Any, to: Any = None, room: Any = None, skip_sid: Any = None,
                   namespace: Optional[str] = None,
                   callback: Optional[Callable[..., Any]] = None,
                   ignore_queue: bool = False) -> None:
        """Emit a ``message`` event (see :meth:`emit`)."""
        await self.emit('message', data=data, to=to, room=room, skip_sid=skip_sid,
                        namespace=namespace, callback=callback, ignore_queue=ignore_queue)

    async def call(self, event: str, data: Any = None, to: Any = None, sid: Any = None,
                   namespace: Optional[str] = None, timeout: Optional[float] = 60,
                   ignore_queue: bool = False) -> Any:
        """Emit an event to one client and return its acknowledgement: None
        for no arguments, the argument, or a tuple of several.

        Raises :class:`socketio.exceptions.TimeoutError` when no answer comes
        within ``timeout`` seconds.
        """
        if to is None and sid is None:
            raise ValueError('Cannot use call() to broadcast.')
        if not self.async_handlers:
            raise RuntimeError('Cannot use call() when async_handlers is False.')
        return await self._emit_and_wait(
            lambda on_ack: self.emit(event, data=data, room=to or sid, namespace=namespace,
                                     callback=on_ack, ignore_queue=ignore_queue),
            lambda on_ack: forget_callback(self.manager.callbacks, to or sid, on_ack),
            timeout)

    # -- rooms ------------------------------------------------------------------
    async def enter_room(self, sid: str, room: Any, namespace: Optional[str] = None) -> None:
        """Put a client in a room."""
        namespace = namespace or '/'
        self.logger.info('%s is entering room %s [%s]', sid, room, namespace)
        await self.manager.enter_room(sid, namespace, room)

    async def leave_room(self, sid: str, room: Any, namespace: Optional[str] = None) -> None:
        """Take a client out of a room."""
        namespace = namespace or '/'
        self.logger.info('%s is leaving room %s [%s]', sid, room, namespace)
        await self.manager.leave_room(sid, namespace, room)

    async def close_room(self, room: Any, namespace: Optional[str] = None) -> None:
        """Remove every client from a room."""
        namespace = namespace or '/'
        self.logger.info('room %s is closing [%s]', room, namespace)
        await self.manager.close_room(room, namespace)

    # -- sessions ------------------------------------------------------------------
    async def get_session(self, sid: str, namespace: Optional[str] = None) -> Any:
        """Return the user session of a client: a dict, changed in place."""
        namespace = namespace or '/'
        eio_sid = self.manager.eio_sid_from_sid(sid, namespace)
        eio_session = await self.eio.get_session(eio_sid)
        return eio_session.setdefault(namespace, {})

    async def save_session(self, sid: str, session: Any,
                           namespace: Optional[str] = None) -> None:
        """Replace the user session of a client."""
        namespace = namespace or '/'
        eio_sid = self.manager.eio_sid_from_sid(sid, namespace)
        eio_session = await self.eio.get_session(eio_sid)
        eio_session[namespace] = session

    def session(self, sid: str, namespace: Optional[str] = None) -> AsyncSessionContext:
        """Give access to a client's user session in an ``async with`` block;
        it is saved when the block ends."""
        return AsyncSessionContext(self, sid, namespace)

    # -- disconnecting -----------------------------------------------------------
    async def disconnect(self, sid: str, namespace: Optional[str] = None,
                         ignore_queue: bool = False) -> None:
        """Disconnect a client from a namespace (its connection stays open).

        With a message queue, a client of another process is disconnected by
        that process, unless ``ignore_queue`` is true.
        """
        namespace = namespace or '/'
        if not ignore_queue and not await self.manager.can_disconnect(sid, namespace):
            return
        eio_sid = self.manager._claim_disconnect(sid, namespace)
        if eio_sid is None:
            return  # not connected, or another thread disconnects it
        self.logger.info('Disconnecting %s [%s]', sid, namespace)
        self._drop_binary_packet(eio_sid, namespace)
        await self._send_packet(eio_sid, self.packet_class(packet.DISCONNECT,
                                                           namespace=namespace))
        await self._finish_disconnect(sid, namespace, self.reason.SERVER_DISCONNECT)

    async def _finish_disconnect(self, sid: str, namespace: str, reason: str) -> None:
        """Run the disconnect handler of a leaving client, then forget it."""
        try:
            await self._trigger_event('disconnect', namespace, sid, reason)
        except Exception:
            self.logger.exception('disconnect handler error for %s [%s]', sid, namespace)
        await self.manager.disconnect(sid, namespace, ignore_queue=True)

    async def shutdown(self) -> None:
        """Close every client connection, then stop Engine.IO's background
        service; call before the web server stops.

        Each Engine.IO session is closed by the server (clients receive a
        CLOSE packet), so ``disconnect`` handlers run with
        ``reason.SERVER_DISCONNECT`` for every namespace of every client.
        """
        self.logger.info('Socket.IO is shutting down')
        if self._recovery is not None:  # the clients may come back to another process
            self._recovery.shutting_down = True
        for eio_sid in list(self.eio.sockets):
            await self._close_connection(eio_sid)
        await self.eio.shutdown()

    async def _close_connection(self, eio_sid: str) -> None:
        """Close a client's Engine.IO connection (the server disconnects it).

        Like ``eio.disconnect(eio_sid)``, but without waiting for its packet
        queue to drain, which never happens when the client's connection is
        already gone (a message-queue listener or a shutdown would wait
        forever); the closed socket is left to Engine.IO until it has sent
        the CLOSE packet (a polling client only gets it with its next GET).
        """
        eio_socket = self.eio.sockets.get(eio_sid)
        if eio_socket is not None:
            await eio_socket.close(wait=False, reason=self.reason.SERVER_DISCONNECT)

    async def handle_request(self, *args: Any, **kwargs: Any) -> Any:
        """Handle an HTTP request through Engine.IO (for an ASGI, aiohttp,
        Sanic or Tornado integration). A long-polling POST of more packets
        than Engine.IO decodes at once goes through it in several parts (see
        :mod:`socketio.long_polling`)."""
        if self._recovery is not None and not self.manager_initialized:
            self._join_cluster()  # log the events of the cluster from now on
        return await handle_asgi(self.eio, self.max_payload_packets, *args, **kwargs)

    # -- outgoing packets ------------------------------------------------------------
    async def _emit_internal(self, eio_sid: str, event: str, data: Any,
                             namespace: Optional[str] = None,
                             id: Optional[int] = None) -> None:
        """Send one event to one client (an acknowledgement id goes with it)."""
        await self._send_packet(eio_sid, self.packet_class(
            packet.EVENT, namespace=namespace, data=[event] + to_args(data), id=id))

    async def _send_packet(self, eio_sid: str, pkt: packet.Packet) -> None:
        """Encode a Socket.IO packet and send it to one client."""
        encoded = pkt.encode()
        if type(encoded) is list:
            for part in encoded:
                await self.eio.send(eio_sid, part)
        else:
            await self.eio.send(eio_sid, encoded)

    @base_server.SendsThroughEngineIO
    async def _send_eio_packet(self, eio_sid: str, eio_pkt: Any) -> None:
        """Send one Engine.IO packet (an encoded event, or one of its
        attachments) to one client: what every emit without a callback uses,
        once per recipient. (Looked up on a server, this is
        ``eio.send_packet`` itself; see ``SendsThroughEngineIO``.)"""
        await self.eio.send_packet(eio_sid, eio_pkt)

    # -- Engine.IO events -------------------------------------------------------------
    async def _handle_eio_connect(self, eio_sid: str, environ: Any) -> None:
        if not self.manager_initialized:
            self.manager_initialized = True
            self.manager.initialize()
        self.environ[eio_sid] = environ

    async def _on_eio_message(self, eio_sid: str, data: Any) -> None:
        """Engine.IO's ``message`` handler: bad input is logged, not raised."""
        try:
            await self._handle_eio_message(eio_sid, data)
        except ValueError as exc:
            self._invalid_packet(eio_sid, exc)

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        """Decode a message from a client and dispatch it; raises
        ``ValueError`` for a packet that is invalid."""
        pkt = self._binary_packet.get(eio_sid)
        if pkt is not None:
            if self._add_attachment(eio_sid, pkt, data):
                await self._handle_binary(eio_sid, pkt)
            return
        pkt = self.packet_class(encoded_packet=data)
        packet_type = pkt.packet_type
        if packet_type == packet.EVENT:
            await self._handle_event(eio_sid, pkt.namespace, pkt.id, pkt.data)
        elif packet_type == packet.ACK:
            await self._handle_ack(eio_sid, pkt.namespace, pkt.id, pkt.data)
        elif packet_type == packet.CONNECT:
            await self._handle_connect(eio_sid, pkt.namespace, pkt.data)
        elif packet_type == packet.DISCONNECT:
            await self._handle_disconnect(eio_sid, pkt.namespace,
                                          self.reason.CLIENT_DISCONNECT)
        elif packet_type in (packet.BINARY_EVENT, packet.BINARY_ACK):
            if self._start_binary_packet(eio_sid, pkt):
                await self._handle_binary(eio_sid, pkt)
        elif packet_type == packet.CONNECT_ERROR:
            raise ValueError('Unexpected CONNECT_ERROR packet.')
        else:
            raise ValueError('Unknown packet type.')

    async def _handle_binary(self, eio_sid: str, pkt: packet.Packet) -> None:
        """Dispatch a binary event or acknowledgement whose data is complete."""
        if pkt.packet_type == packet.BINARY_EVENT:
            await self._handle_event(eio_sid, pkt.namespace, pkt.id, pkt.data)
        else:
            await self._handle_ack(eio_sid, pkt.namespace, pkt.id, pkt.data)

    async def _handle_eio_disconnect(self, eio_sid: str, reason: Optional[str] = None) -> None:
        kept = await self._capture_sessions(eio_sid, reason) if self._recovery else None
        for namespace in list(self.manager.get_namespaces()):
            await self._handle_disconnect(eio_sid, namespace, reason)
        self.environ.pop(eio_sid, None)
        self._binary_packet.pop(eio_sid, None)
        self._log_limits.forget(self.logger, eio_sid)
        if kept:  # connection state recovery: recoverable once the client left
            await self._keep_sessions(kept)

    # -- Socket.IO packets from clients -----------------------------------------------
    async def _handle_connect(self, eio_sid: str, namespace: Optional[str],
                              data: Any = None) -> None:
        """A client asks to join ``namespace``: admit it (pre-connected) while
        the connect handler decides, then accept it or refuse it."""
        namespace = namespace or '/'
        sid = session = None
        if self._namespace_allowed(namespace):
            if self._recovery is not None:  # connection state recovery: pid and offset
                data, session = await self._take_session(namespace, data)
            sid, session = await self._pre_connect(eio_sid, namespace, session)
            if sid is None:
                self._client_warning(eio_sid, 'connected twice',
                                     '%s is already connected to namespace %s', eio_sid,
                                     namespace)
        else:
            self._client_warning(eio_sid, 'unknown namespace',
                                 '%s tried to connect to unknown namespace %s', eio_sid,
                                 namespace)
        if sid is None:
            await self._send_packet(eio_sid, self.packet_class(
                packet.CONNECT_ERROR, data='Unable to connect', namespace=namespace))
            return
        accept_first = self._accept_first(session)
        if accept_first:
            await self._accept(eio_sid, sid, namespace, session)
        fail_reason = None
        try:
            success = await self._trigger_connect(namespace, sid, self.environ.get(eio_sid),
                                                  data)
        except Exception as exc:
            fail_reason = self._refusal(exc)
            if fail_reason is None:
                self._log_limits.log(self.logger, logging.ERROR, eio_sid,
                                     'connect handler error',
                                     'connect handler error for %s [%s]', sid, namespace,
                                     exc_info=True)
            success = False
        if success is False:
            fail_reason = fail_reason or exceptions.ConnectionRefusedError().error_args
            if accept_first:
                self.manager.pre_disconnect(sid, namespace)
                await self._send_packet(eio_sid, self.packet_class(
                    packet.DISCONNECT, data=fail_reason, namespace=namespace))
            else:
                await self._send_packet(eio_sid, self.packet_class(
                    packet.CONNECT_ERROR, data=fail_reason, namespace=namespace))
            await self.manager.disconnect(sid, namespace, ignore_queue=True)
        elif not accept_first:
            await self._accept(eio_sid, sid, namespace, session)

    async def _trigger_connect(self, namespace: str, sid: str, environ: Any,
                               auth: Any) -> Any:
        """Run the connect handler: ``(sid, environ, auth)`` when the client
        sent auth; else ``(sid, environ, None)``, then ``(sid, environ)`` for
        a handler that takes no auth (``TypeError``; if that fails too, the
        first error is raised)."""
        if auth:
            return await self._trigger_event('connect', namespace, sid, environ, auth)
        try:
            return await self._trigger_event('connect', namespace, sid, environ, None)
        except TypeError as exc:
            try:
                return await self._trigger_event('connect', namespace, sid, environ)
            except TypeError:
                raise exc from None

    async def _handle_disconnect(self, eio_sid: str, namespace: Optional[str],
                                 reason: Optional[str] = None) -> None:
        namespace = namespace or '/'
        sid = self.manager.sid_from_eio_sid(eio_sid, namespace)
        self._drop_binary_packet(eio_sid, namespace)
        if self.manager._claim_disconnect(sid, namespace) is None:
            # gone while its connect handler ran: connect() will forget it (no
            # disconnect handler), unless it was accepted meanwhile; or another
            # thread disconnects it (its DISCONNECT packet and the end of its
            # connection at once)
            if self.manager._leave_pre_connected(sid, namespace) or \
                    self.manager._claim_disconnect(sid, namespace) is None:
                return
        await self._finish_disconnect(sid, namespace, reason or self.reason.CLIENT_DISCONNECT)

    async def _handle_event(self, eio_sid: str, namespace: Optional[str], id: Optional[int],
                            data: Any) -> None:
        namespace = namespace or '/'
        sid = self.manager.sid_from_eio_sid(eio_sid, namespace)
        self.logger.info('received event "%s" from %s [%s]', event_name(data), sid, namespace)
        if not self.manager.is_connected(sid, namespace):
            self._client_warning(eio_sid, 'not connected', '%s is not connected to namespace %s',
                                 sid or eio_sid, namespace)
            return
        if self.async_handlers:
            self._start_handler(self._handle_event_internal, self, sid, eio_sid, data,
                                namespace, id)
        else:
            await self._handle_event_internal(self, sid, eio_sid, data, namespace, id)

    async def _handle_event_internal(self, server: Any, sid: str, eio_sid: str, data: Any,
                                     namespace: str, id: Optional[int]) -> None:
        """Run an event's handler and send its acknowledgement if one was
        asked for. With ``async_handlers`` (a background task) an error is
        logged with the event, sid and namespace; else it propagates."""
        try:
            result = await server._trigger_event(data[0], namespace, sid, *data[1:])
            if id is not None and result is not server.not_handled:
                await server._send_packet(eio_sid, server.packet_class(
                    packet.ACK, to_args(result), namespace, id))
        except Exception:
            if not server.async_handlers:
                raise
            server._log_limits.log(server.logger, logging.ERROR, eio_sid,
                                   f'"{str(data[0])[:100]}" handler error',
                                   '"%s" handler error for %s [%s]', data[0], sid, namespace,
                                   exc_info=True)

    async def _handle_ack(self, eio_sid: str, namespace: Optional[str], id: Optional[int],
                          data: Any) -> None:
        namespace = namespace or '/'
        sid = self.manager.sid_from_eio_sid(eio_sid, namespace)
        self.logger.info('received ack from %s [%s]', sid, namespace)
        data = ack_args(data)
        if sid is None:
            self._client_warning(eio_sid, 'not connected', '%s is not connected to namespace %s',
                                 eio_sid, namespace)
            return
        await self.manager.trigger_callback(sid, id, data)

    # -- the cluster (docs/cluster.rst) ----------------------------------------------
    async def call_all(self, event: str, data: Any = None, to: Any = None,
                       namespace: Optional[str] = None, skip_sid: Any = None,
                       timeout: float = 60, room: Any = None,
                       ignore_queue: bool = False) -> CallResults:
        """Emit an event to a room, a list of rooms or sids, or everyone
        (``to`` None) of every server process, each client with an
        acknowledgement id of its own, and return the answers that arrived
        within ``timeout`` seconds: ``{sid: answer}``, each answer shaped as
        :meth:`call` returns it. The result's ``missing_sids`` and
        ``missing_hosts`` tell who did not answer in time.
        """
        if not self.async_handlers:
            raise RuntimeError('Cannot use call_all() when async_handlers is False.')
        self._join_cluster()
        return await self.manager.call_all(event, data, namespace or '/',
                                           room=room if to is None else to,
                                           skip_sid=skip_sid, timeout=timeout,
                                           ignore_queue=ignore_queue)

    async def fetch_sockets(self, namespace: Optional[str] = None, room: Any = None,
                            timeout: float = 5, to: Any = None, skip_sid: Any = None,
                            ignore_queue: bool = False) -> ClusterList:
        """Return the connected clients of a room, a list of rooms or the
        whole namespace (``room`` None) in every server process that answers
        within ``timeout`` seconds, as :class:`~socketio.ClusterSocket` objects.
        The list's ``missing_hosts`` names the processes that did not answer.
        """
        self._join_cluster()
        return await self.manager.fetch_sockets(namespace or '/',
                                                room=room if to is None else to,
                                                skip_sid=skip_sid, timeout=timeout,
                                                ignore_queue=ignore_queue)

    async def sockets_join(self, rooms: Any, namespace: Optional[str] = None,
                           room: Any = None, to: Any = None, skip_sid: Any = None,
                           ignore_queue: bool = False) -> None:
        """Put the clients of a room, a list of rooms or the whole namespace
        (``room`` None) of every server process in ``rooms`` (one or a list)."""
        await self.manager.sockets_join(rooms, namespace or '/',
                                        room=room if to is None else to,
                                        skip_sid=skip_sid, ignore_queue=ignore_queue)

    async def sockets_leave(self, rooms: Any, namespace: Optional[str] = None,
                            room: Any = None, to: Any = None, skip_sid: Any = None,
                            ignore_queue: bool = False) -> None:
        """Take the clients of a room, a list of rooms or the whole namespace
        (``room`` None) of every server process out of ``rooms``."""
        await self.manager.sockets_leave(rooms, namespace or '/',
                                         room=room if to is None else to,
                                         skip_sid=skip_sid, ignore_queue=ignore_queue)

    async def disconnect_sockets(self, namespace: Optional[str] = None, room: Any = None,
                                 close: bool = False, to: Any = None, skip_sid: Any = None,
                                 ignore_queue: bool = False) -> None:
        """Disconnect the clients of a room, a list of rooms or the whole
        namespace (``room`` None) of every server process from the namespace;
        with ``close=True`` close their connections (all their namespaces)."""
        await self.manager.disconnect_sockets(namespace or '/',
                                              room=room if to is None else to,
                                              skip_sid=skip_sid, close=close,
                                              ignore_queue=ignore_queue)

    async def server_side_emit(self, event: str, data: Any = None,
                               namespace: Optional[str] = None,
                               timeout: Optional[float] = None) -> Optional[ClusterList]:
        """Send an event to the other server processes, whose handlers are
        registered with :meth:`on_server_event` (``data`` as in :meth:`emit`).
        With a ``timeout`` wait for their answers and return them, one per
        process that has a handler (``missing_hosts``: those that did not
        answer in time); else return None at once.
        """
        if timeout is not None:
            self._join_cluster()
        return await self.manager.server_side_emit(event, data, namespace or '/',
                                                   timeout=timeout)


class AsyncSessionContext(base_server.BaseSessionContext):
    """The user session of a client in an ``async with`` block, saved when
    the block ends (also when it raises)."""

    async def __aenter__(self) -> Any:
        self.session = await self.server.get_session(self.sid, namespace=self.namespace)
        return self.session

    async def __aexit__(self, *args: Any) -> None:
        await self.server.save_session(self.sid, self.session, namespace=self.namespace)


__all__ = ['AsyncServer']
