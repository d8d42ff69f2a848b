"""The asyncio Socket.IO client."""
# The source of socketio/client.py (scripts/unasync.py).  # async-only
from __future__ import annotations

import asyncio  # noqa: F401  # async-only (tests patch ``asyncio.wait_for``)
import inspect  # async-only
import logging
import random  # noqa: F401  (tests patch ``socketio.client.random.random``)
from typing import Any, Callable, Optional

import engineio

from . import base_client, exceptions, packet  # noqa: F401
from .acks import with_timeout
from .async_endpoint import AsyncEndpoint
from .async_primitives import drain_queue, join_task, wait_event, wait_shielded
from .base_client import (  # noqa: F401
    BaseClient,
    default_logger,
    reconnect_delay,
    reconnecting_clients,
    signal_handler,
)
from .payload import ack_args, event_name, forget_callback, to_args


class AsyncClient(BaseClient, AsyncEndpoint):
    """A Socket.IO client for asyncio.

    :param reconnection: reconnect automatically when the connection drops.
    :param reconnection_attempts: give up after this many attempts (0: never).
    :param reconnection_delay: first delay between attempts, in seconds; it
        doubles after each failed attempt...
    :param reconnection_delay_max: ...up to this many seconds.
    :param randomization_factor: jitter added to each delay, in seconds.
    :param logger: ``True``/``False`` or a :class:`logging.Logger`.
    :param serializer: ``'default'`` (JSON), ``'msgpack'`` or a packet class.
    :param json: a module with ``dumps``/``loads`` replacing :mod:`json`.
    :param handle_sigint: let Ctrl-C abort reconnection loops.
    :param max_pending_callbacks: callbacks kept per namespace while they
        wait for an acknowledgement (0: no limit); one more drops the oldest.
    :param kwargs: Engine.IO client options (``request_timeout``,
        ``http_session``, ``ssl_verify``, ``websocket_extra_options``,
        ``engineio_logger``).

    Event handlers and acknowledgement callbacks may be coroutine functions
    or plain functions.
    """

    def _engineio_client_class(self) -> Any:
        return engineio.AsyncClient

    # -- connecting ---------------------------------------------------------
    async def connect(self, url: Any, headers: Any = {}, auth: Any = None,  # noqa: B006
                      transports: Any = None, namespaces: Any = None,
                      socketio_path: str = 'socket.io', wait: bool = True,
                      wait_timeout: float = 1, retry: bool = False) -> None:
        """Connect to a Socket.IO server.

        ``url``, ``headers`` and ``auth`` may be callables (or coroutine functions),
        evaluated on every (re)connection. ``namespaces``
        defaults to those with handlers. With ``wait`` the call returns once
        every namespace answered, and raises
        :class:`~socketio.exceptions.ConnectionError` if one was refused or
        did not answer within ``wait_timeout`` seconds. With ``retry`` a
        failed first connection goes through the reconnection policy.
        """
        if self.connected:
            raise exceptions.ConnectionError('Already connected')
        self.connection_url = url
        self.connection_headers = headers
        self.connection_auth = auth
        self.connection_transports = transports
        self.socketio_path = socketio_path
        self.connection_namespaces = self._namespaces_to_connect(namespaces)
        self.namespaces = {}
        self.failed_namespaces = []
        self._connect_event.clear()
        real_url = await self._get_real_value(url)
        real_headers = await self._get_real_value(headers)
        try:
            await self.eio.connect(real_url, headers=real_headers, transports=transports,
                                   engineio_path=socketio_path)
        except engineio.exceptions.ConnectionError as exc:
            detail, message = self._connection_error(exc)
            for namespace in self.connection_namespaces:
                await self._trigger_event('connect_error', namespace, detail)
            if retry:
                await self._handle_reconnect()
                if self.eio.state == 'connected':
                    return
            raise exceptions.ConnectionError(message) from exc
        self.connected = True
        if not wait:
            return
        requested = set(self.connection_namespaces)
        try:
            while not requested <= set(self.namespaces) | set(self.failed_namespaces):
                if not await wait_event(self._connect_event, wait_timeout):
                    break
                self._connect_event.clear()
        except BaseException:  # cancelled or interrupted: leave nothing half open
            await self._abandon_connection()
            raise
        if set(self.namespaces) != requested:
            failed = list(self.failed_namespaces)  # in the order they failed
            await self._abandon_connection()
            if failed:
                raise exceptions.ConnectionError(
                    'One or more namespaces failed to connect: ' + ', '.join(failed))
            raise exceptions.ConnectionError('Unexpected connection error')

    async def _abandon_connection(self) -> None:
        """Close a connection whose namespaces did not all connect (a
        reconnection loop in progress goes on)."""
        self._keep_reconnecting = True
        try:
            await self.disconnect()
        finally:
            self._keep_reconnecting = False

    async def _get_real_value(self, value: Any) -> Any:
        """``value``, or what it returns when it is a callable."""
        if callable(value):
            value = value()
            if inspect.isawaitable(value):  # async-only
                value = await value
        return value

    async def wait(self) -> None:
        """Wait until the connection ends, following reconnections."""
        while True:
            await wait_shielded(self.eio.wait)
            await self.sleep(1)  # let a reconnection task get started
            if not self._reconnect_task:
                break
            await join_task(self._reconnect_task)
            if self.eio.state != 'connected':
                break

    # -- emitting ---------------------------------------------------------------
    async def emit(self, event: str, data: Any = None, namespace: Optional[str] = None,
                   callback: Optional[Callable[..., Any]] = None,
                   timeout: Optional[float] = None,
                   on_timeout: Optional[Callable[[], Any]] = None) -> None:
        """Emit an event to the server.

        ``data`` may be any JSON value or bytes; a tuple sends several
        arguments. ``callback`` receives the server's acknowledgement. With
        ``timeout`` (seconds) the callback is dropped if no acknowledgement
        came in time, and ``on_timeout()`` is called instead.
        """
        namespace = namespace or '/'
        if namespace not in self.namespaces:
            raise exceptions.BadNamespaceError(namespace + ' is not a connected namespace.')
        if timeout is not None or on_timeout is not None:
            callback = with_timeout(callback, timeout, on_timeout)
        self.logger.info('Emitting event "%s" [%s]', event, namespace)
        ack_id = None if callback is None else self._generate_ack_id(namespace, callback)
        await self._send_packet(self.packet_class(
            packet.EVENT, namespace=namespace, data=[event] + to_args(data), id=ack_id))

    async def send(self, data: Any, namespace: Optional[str] = None,
                   callback: Optional[Callable[..., Any]] = None) -> None:
        """Emit a ``message`` event (see :meth:`emit`)."""
        await self.emit('message', data=data, namespace=namespace, callback=callback)

    async def call(self, event: str, data: Any = None, namespace: Optional[str] = None,
                   timeout: Optional[float] = 60) -> Any:
        """Emit an event and return the server's acknowledgement: None for
        no arguments, the argument, or a tuple of several.

        Raises :class:`socketio.exceptions.TimeoutError` when no answer comes
        within ``timeout`` seconds.
        """
        return await self._emit_and_wait(
            lambda on_ack: self.emit(event, data=data, namespace=namespace, callback=on_ack),
            lambda on_ack: forget_callback(self.callbacks, namespace or '/', on_ack),
            timeout)

    # -- disconnecting ------------------------------------------------------------
    async def disconnect(self) -> None:
        """Disconnect from the server (also stops a reconnection in progress)."""
        if self._reconnecting and not self._keep_reconnecting:
            self._reconnect_abort.set()
        if not self._keep_reconnecting:
            self._session_ended()  # a deliberate disconnect: nothing to recover
        flush = bool(self.namespaces) and self.eio.state == 'connected'
        for namespace in list(self.namespaces):
            await self._send_packet(self.packet_class(packet.DISCONNECT, namespace=namespace))
        if flush:
            # Engine.IO closes a websocket without flushing its send queue:
            # give the DISCONNECT packets a moment to go out first
            await drain_queue(self.eio.queue, 1)
        await self.eio.disconnect()
        if self.connected:  # Engine.IO did not report the end of the connection
            await self._handle_eio_disconnect(self.reason.CLIENT_DISCONNECT)

    async def shutdown(self) -> None:
        """Disconnect, or stop a reconnection loop and wait for it to end."""
        if self.connected:
            await self.disconnect()
        elif self._reconnecting and self._reconnect_task:
            self._reconnect_abort.set()
            await join_task(self._reconnect_task)

    # -- outgoing packets -----------------------------------------------------------
    async def _send_packet(self, pkt: packet.Packet) -> None:
        """Encode a Socket.IO packet and send it to the server."""
        encoded = pkt.encode()
        if isinstance(encoded, list):
            for part in encoded:
                await self.eio.send(part)
        else:
            await self.eio.send(encoded)

    # -- Engine.IO events -------------------------------------------------------------
    async def _handle_eio_connect(self) -> None:
        self.logger.info('Engine.IO connection established')
        self.sid = self.eio.sid
        auth = await self._get_real_value(self.connection_auth)
        for namespace in self.connection_namespaces:
            await self._send_packet(self.packet_class(
                packet.CONNECT, data=self._connect_data(namespace, auth), namespace=namespace))

    async def _on_eio_message(self, data: Any) -> None:
        """Engine.IO's ``message`` handler: bad input is logged, not raised."""
        try:
            await self._handle_eio_message(data)
        except ValueError as exc:
            self._binary_packet = None
            self._server_log.log(self.logger, logging.WARNING, 'server', 'invalid packet',
                                 'Invalid packet from the server: %s', exc)
        except Exception:  # Engine.IO runs this in a task or thread of its own
            self.logger.exception('Error while handling a message from the server')

    async def _handle_eio_message(self, data: Any) -> None:
        """Decode a message from the server and dispatch it; raises
        ``ValueError`` for a packet that is invalid."""
        pkt = self._binary_packet
        if pkt is not None:
            if pkt.add_attachment(data):
                self._binary_packet = None
                await self._handle_binary(pkt)
            return
        pkt = self.packet_class(encoded_packet=data)
        packet_type = pkt.packet_type
        if packet_type == packet.EVENT:
            await self._handle_event(pkt.namespace, pkt.id, pkt.data)
        elif packet_type == packet.ACK:
            await self._handle_ack(pkt.namespace, pkt.id, pkt.data)
        elif packet_type == packet.CONNECT:
            await self._handle_connect(pkt.namespace, pkt.data)
        elif packet_type == packet.DISCONNECT:
            await self._handle_disconnect(pkt.namespace)
        elif packet_type in (packet.BINARY_EVENT, packet.BINARY_ACK):
            if pkt.attachment_count == 0:
                await self._handle_binary(pkt)
            else:
                self._binary_packet = pkt
        elif packet_type == packet.CONNECT_ERROR:
            await self._handle_error(pkt.namespace, pkt.data)
        else:
            raise ValueError('Unknown packet type.')

    async def _handle_binary(self, pkt: packet.Packet) -> None:
        """Dispatch a binary event or acknowledgement whose data is complete."""
        if pkt.packet_type == packet.BINARY_EVENT:
            await self._handle_event(pkt.namespace, pkt.id, pkt.data)
        else:
            await self._handle_ack(pkt.namespace, pkt.id, pkt.data)

    async def _handle_eio_disconnect(self, reason: Optional[str] = None) -> None:
        self.logger.info('Engine.IO connection dropped')
        will_reconnect = bool(self.reconnection) and self.eio.state == 'connected'
        if self.connected:
            for namespace in list(self.namespaces):
                await self._trigger_event('disconnect', namespace,
                                          reason or self.reason.CLIENT_DISCONNECT)
                if not will_reconnect:
                    await self._trigger_event('__disconnect_final', namespace)
            self.namespaces = {}
            self.connected = False
        self.callbacks = {}
        self._acks.forget_all()
        self._binary_packet = None
        self.sid = None
        if will_reconnect and not self._reconnecting:
            self._reconnect_abort.clear()  # here: a disconnect() from now on must count
            self._reconnecting = True
            self._reconnect_task = self.start_background_task(self._handle_reconnect)

    # -- Socket.IO packets from the server ---------------------------------------------
    async def _handle_connect(self, namespace: Optional[str], data: Any) -> None:
        namespace = namespace or '/'
        if namespace in self.namespaces:
            return
        self.logger.info('Namespace {} is connected'.format(namespace))
        sid = data.get('sid') if isinstance(data, dict) else None
        self.namespaces[namespace] = sid or self.sid
        self._session_started(namespace, data)
        try:
            await self._trigger_event('connect', namespace=namespace)
        finally:
            self._connect_event.set()

    async def _handle_disconnect(self, namespace: Optional[str]) -> None:
        if not self.connected:
            return
        namespace = namespace or '/'
        await self._trigger_event('disconnect', namespace, self.reason.SERVER_DISCONNECT)
        await self._trigger_event('__disconnect_final', namespace)
        self.namespaces.pop(namespace, None)
        self._session_ended(namespace)
        if not self.namespaces:
            self.connected = False
            await self.eio.disconnect(abort=True)

    async def _handle_event(self, namespace: Optional[str], id: Optional[int],
                            data: Any) -> None:
        namespace = namespace or '/'
        self.logger.info('Received event "%s" [%s]', event_name(data), namespace)
        if self._pids:
            data = self._take_offset(namespace, id, data)
        try:
            result = await self._trigger_event(data[0], namespace, *data[1:])
            if id is not None:  # acknowledged even without a handler, as the server asked
                if result is self.not_handled:
                    result = None
                await self._send_packet(self.packet_class(
                    packet.ACK, namespace=namespace, id=id, data=to_args(result)))
        except Exception:
            self.logger.exception('"%s" handler error for %s [%s]', data[0],
                                  self.namespaces.get(namespace), namespace)

    async def _handle_ack(self, namespace: Optional[str], id: Optional[int],
                          data: Any) -> Any:
        namespace = namespace or '/'
        self.logger.info('Received ack [%s]', namespace)
        data = ack_args(data)
        callbacks = self.callbacks.get(namespace, {})
        callback = callbacks.pop(id, None) if id is not None else None
        if callback is None:
            self._server_log.log(self.logger, logging.WARNING, 'server', 'unknown callback',
                                 'Unknown callback received, ignoring.')
            return None
        self._acks.answered(namespace, id)
        result = callback(*data)
        if inspect.isawaitable(result):  # async-only
            result = await result
        return result

    async def _handle_error(self, namespace: Optional[str], data: Any) -> None:
        namespace = namespace or '/'
        self.logger.info('Connection to namespace {} was rejected'.format(namespace))
        try:
            await self._trigger_event('connect_error', namespace, *self._error_args(data))
        finally:
            self.namespaces.pop(namespace, None)
            if namespace == '/':
                self.namespaces = {}
                self.connected = False
            self.failed_namespaces.append(namespace)
            self._connect_event.set()

    # -- reconnection ----------------------------------------------------------------------
    async def _handle_reconnect(self) -> None:
        """The reconnection loop, run as a background task after the
        connection dropped (or inline by ``connect(retry=True)``)."""
        if not self._reconnecting:  # else cleared when the task was scheduled
            self._reconnect_abort.clear()
        self._reconnecting = True
        reconnecting_clients.append(self)
        attempt = 0
        success = False
        try:
            while True:
                delay = reconnect_delay(attempt, self.reconnection_delay,
                                        self.reconnection_delay_max, self.randomization_factor)
                self.logger.info('Connection failed, new attempt in {:.02f} seconds'
                                 .format(delay))
                if await wait_event(self._reconnect_abort, delay):
                    self.logger.info('Reconnect task aborted')
                    break
                attempt += 1
                try:
                    await self.connect(self.connection_url, headers=self.connection_headers,
                                       auth=self.connection_auth,
                                       transports=self.connection_transports,
                                       namespaces=self.connection_namespaces,
                                       socketio_path=self.socketio_path or 'socket.io')
                except (exceptions.ConnectionError, ValueError):
                    pass
                else:
                    if self._reconnect_abort.is_set():  # disconnect() during the attempt
                        self.logger.info('Reconnect task aborted')
                        await self.disconnect()
                        break
                    self.logger.info('Reconnection successful')
                    self._reconnect_task = None
                    success = True
                    break
                if self.reconnection_attempts and attempt >= self.reconnection_attempts:
                    self.logger.info('Maximum reconnection attempts reached, giving up')
                    break
        finally:  # also when the task is cancelled
            reconnecting_clients.remove(self)
            self._reconnecting = False
            if not success:
                for namespace in self.connection_namespaces:
                    await self._trigger_event('__disconnect_final', namespace=namespace)


__all__ = ['AsyncClient']
