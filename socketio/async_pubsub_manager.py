"""Client manager base for several asyncio server processes sharing a
message queue."""
# The source of socketio/pubsub_manager.py (scripts/unasync.py).  # async-only
from __future__ import annotations

import collections
import logging
import uuid
from functools import partial
from typing import Any, Callable, Deque, Optional, Union

from . import pubsub_messages as messages
from .async_manager import AsyncManager
from .async_primitives import sleep, spawn
from .log_limits import RepeatedLog
from .pubsub_base import LISTENER_GRACE, MAX_BUFFERED_MESSAGES, Backoff


class AsyncPubSubManager(AsyncManager):
    """Manage a client list attached to a pub/sub backend, for asyncio servers.

    Servers sharing a channel see each other's clients: emits, disconnects,
    room changes and acknowledgements travel as JSON messages (see
    :mod:`socketio.pubsub_messages`). An operation is applied to this
    process's clients first and then published; a listener skips the
    messages its own process published, except ``callback`` messages, which
    only the process that registered the callback handles.

    Subclasses implement ``_publish(message)``, which sends one message dict
    and raises when it cannot, and ``_listen()``, which produces the raw
    messages (dicts, or JSON as str or bytes) of the channel as an async
    generator. Use ``write_only=True`` to emit from a process that is not a
    server.

    While the broker cannot be reached, messages are kept, up to
    ``max_buffered_messages``, and sent in order once it is back (the next
    ones are dropped and counted in ``dropped_messages``); an outage is
    logged once, when it starts, and once when it ends.

    With a ``secret`` (the same for every process of the channel, write-only
    emitters included) each message carries an HMAC-SHA256 signature and a
    timestamp; messages without a valid signature, or older than
    ``signature_window`` seconds, are dropped and counted in
    ``rejected_messages``.

    :param channel: the channel name on which the servers communicate.
    :param write_only: only publish, never listen.
    :param logger: a logger for the manager.
    :param json: a JSON module (the server's is used once attached).
    :param secret: a shared secret (str or bytes) signing every message.
    :param max_buffered_messages: messages kept during a broker outage.
    :param signature_window: seconds a signed message stays acceptable.
    """

    name = 'asyncpubsub'
    #: what the logs call the broker
    broker_name = 'the message queue'
    #: seconds given to the other processes' listeners to subscribe again
    #: after an outage, before the kept messages are sent
    listener_grace = LISTENER_GRACE

    def __init__(self, channel: str = 'socketio', write_only: bool = False,
                 logger: Optional[logging.Logger] = None, json: Any = None, *,
                 secret: Union[str, bytes, None] = None,
                 max_buffered_messages: int = MAX_BUFFERED_MESSAGES,
                 signature_window: float = messages.SIGNATURE_WINDOW) -> None:
        super().__init__()
        self.channel = channel
        self.write_only = write_only
        self.host_id = uuid.uuid4().hex
        self.logger = logger
        if json is not None:
            self.json = json
        self.thread: Any = None
        self.secret = secret
        self.signature_window = signature_window
        self.max_buffered_messages = max_buffered_messages
        #: messages dropped because the buffer was full during an outage
        self.dropped_messages = 0
        #: messages from the channel refused for a missing or bad signature
        self.rejected_messages = 0
        self._backlog: Deque[messages.Message] = collections.deque()
        self._sending = False  # a task sends the backlog (the broker was away)
        self._outage_dropped = 0
        self._repeated = RepeatedLog()

    def initialize(self) -> None:
        """Start the listener (unless write-only); called before the first
        client connects."""
        super().initialize()
        if not self.write_only:
            self.thread = self.server.start_background_task(self._thread)
        self._get_logger().info(self.name + ' backend initialized.')

    # -- what each backend implements ------------------------------------------
    async def _publish(self, data: messages.Message) -> Any:
        """Send one message dict to every process."""
        raise NotImplementedError('This method must be implemented in a subclass.')

    def _listen(self) -> Any:
        """Produce the raw messages of the channel: an async generator."""
        raise NotImplementedError('This method must be implemented in a subclass.')

    async def _broker_ready(self) -> bool:
        """Whether the broker can be reached again after an outage, checked
        without publishing anything (backends that can, do)."""
        return True

    async def _wait_for_listeners(self) -> None:
        """The broker is back: give the listeners of the other processes the
        time to subscribe again before the kept messages are sent, since a
        broker drops what it gets while nobody listens."""
        await self._sleep(self.listener_grace)

    # -- operations ---------------------------------------------------------------
    async def emit(self, event: str, data: Any, namespace: Optional[str] = None,
                   room: Any = None, skip_sid: Any = None,
                   callback: Optional[Callable[..., Any]] = None, to: Any = None,
                   **kwargs: Any) -> None:
        """Emit to the clients of every process sharing the queue.

        ``ignore_queue=True`` emits to this process's clients only. A
        ``callback`` needs a server and a single client as ``room``.
        """
        room = room if to is None else to
        if kwargs.get('ignore_queue'):
            return await super().emit(event, data, namespace=namespace or '/', room=room,
                                      skip_sid=skip_sid, callback=callback)
        namespace = namespace or '/'
        remote_callback = None
        if callback is not None:
            if self.server is None:
                raise RuntimeError('Callbacks can only be issued from the context of a '
                                   'server.')
            if room is None:
                raise ValueError('Cannot use callback without a room set.')
            remote_callback = (room, namespace, self._generate_ack_id(room, callback))
        message = messages.emit_message(event, data, namespace, room, skip_sid,
                                        remote_callback, self.host_id)
        await self._handle_emit(message)
        await self._send(message)

    async def can_disconnect(self, sid: str, namespace: str) -> Any:
        """True for a client of this process; otherwise ask its process to
        disconnect it (and return None)."""
        if self.is_connected(sid, namespace):
            return True
        await self._send(messages.sid_message('disconnect', sid, namespace, self.host_id))
        return None

    async def disconnect(self, sid: str, namespace: Optional[str] = None,
                         **kwargs: Any) -> None:
        """Disconnect a client wherever it is (``ignore_queue=True``: forget
        it in this process only)."""
        if kwargs.get('ignore_queue'):
            return await super().disconnect(sid, namespace or '/')
        message = messages.sid_message('disconnect', sid, namespace, self.host_id)
        await self._handle_disconnect(message)
        await self._send(message)

    async def enter_room(self, sid: str, namespace: str, room: Any,
                         eio_sid: Optional[str] = None) -> None:
        """Put a client of any process in a room."""
        if eio_sid is not None or self.eio_sid_from_sid(sid, namespace) is not None:
            return await super().enter_room(sid, namespace, room, eio_sid=eio_sid)
        await self._send(messages.sid_message('enter_room', sid, namespace, self.host_id,
                                              room=room))

    async def leave_room(self, sid: str, namespace: str, room: Any) -> None:
        """Take a client of any process out of a room."""
        if self.eio_sid_from_sid(sid, namespace) is not None:
            return await super().leave_room(sid, namespace, room)
        await self._send(messages.sid_message('leave_room', sid, namespace, self.host_id,
                                              room=room))

    async def close_room(self, room: Any, namespace: Optional[str] = None) -> None:
        """Remove every client of every process from a room."""
        message = messages.close_room_message(room, namespace, self.host_id)
        await self._handle_close_room(message)
        await self._send(message)

    # -- sending ----------------------------------------------------------------------
    async def _send(self, message: messages.Message) -> None:
        """Publish ``message`` (signed when there is a secret); while the
        broker cannot be reached, keep it to send it later, in order."""
        if self.secret is not None:
            message = messages.sign(message, self.secret, self.json)
        if not self._sending:  # no outage: straight to the broker
            try:
                await self._publish(message)
                return
            except Exception as exc:
                error: Any = exc
        else:
            error = None
        if self._keep(message):  # the first message kept: an outage starts
            if error is not None:
                self._get_logger().error(
                    'Cannot publish to %s... retrying; keeping up to %d messages until it '
                    'is back (%s)', self.broker_name, self.max_buffered_messages, error,
                    extra={self.broker_name + '_exception': str(error)})
            if self.server is not None:
                self.server.start_background_task(self._send_backlog)
            else:
                spawn(self._send_backlog)

    def _keep(self, message: messages.Message) -> bool:
        """Add a message to the backlog, or count it dropped when it is full.

        True when no backlog sender runs yet: the caller must start one.
        """
        with self._lock:
            if len(self._backlog) < self.max_buffered_messages:
                self._backlog.append(message)
                first_drop = False
            else:
                self.dropped_messages += 1
                self._outage_dropped += 1
                first_drop = self._outage_dropped == 1
            start, self._sending = not self._sending, True
        if first_drop:
            self._get_logger().error(
                'Message queue buffer full (%d messages): dropping messages until %s is '
                'back', self.max_buffered_messages, self.broker_name)
        return start

    async def _send_backlog(self) -> None:
        """The broker went away: wait until it is back and the listeners of
        the other processes too, then send what was kept, oldest first."""
        backoff = Backoff()
        sent = 0
        back = False
        while True:
            with self._lock:
                if not self._backlog:
                    self._sending = False
                    dropped, self._outage_dropped = self._outage_dropped, 0
                    break
                message = self._backlog[0]
            try:
                if not back:
                    if not await self._broker_ready():
                        raise ConnectionError('the broker is not ready')
                    await self._wait_for_listeners()
                    back = True
                await self._publish(message)
            except Exception:
                back = False
                await self._sleep(backoff.next())
                continue
            backoff.reset()
            with self._lock:
                self._backlog.popleft()
            sent += 1
        self._get_logger().warning(
            'Publishing to %s again: %d kept messages sent, %d dropped', self.broker_name,
            sent, dropped)

    # -- handling messages ------------------------------------------------------------
    async def _handle_emit(self, message: Any) -> None:
        remote_callback = message.get('callback')
        callback = None
        if remote_callback is not None and len(remote_callback) == 3:
            callback = partial(self._return_callback, message.get('host_id'),
                               *remote_callback)
        data = messages.emit_data(message)
        await super().emit(message['event'], data, namespace=message.get('namespace'),
                           room=message.get('room'), skip_sid=message.get('skip_sid'),
                           callback=callback)

    async def _return_callback(self, host_id: str, sid: Any, namespace: str,
                               callback_id: int, *args: Any) -> None:
        """The acknowledgement of a client to an emit of ``host_id``: run its
        callback here, or send it to the process that emitted."""
        if host_id == self.host_id:
            await self.trigger_callback(sid, callback_id, args)
        else:
            await self._send(messages.callback_message(host_id, sid, namespace,
                                                       callback_id, args))

    async def _handle_callback(self, message: Any) -> None:
        if message.get('host_id') != self.host_id:
            return
        try:
            sid, callback_id = message['sid'], message['id']
            args = messages.callback_args(message)
        except KeyError:
            return
        await self.trigger_callback(sid, callback_id, args)

    async def _handle_disconnect(self, message: Any) -> None:
        if self.server is not None:
            await self.server.disconnect(sid=message.get('sid'),
                                         namespace=message.get('namespace'),
                                         ignore_queue=True)

    async def _handle_enter_room(self, message: Any) -> None:
        sid, namespace = message.get('sid'), message.get('namespace') or '/'
        if self.eio_sid_from_sid(sid, namespace) is not None:  # else not our client
            await super().enter_room(sid, namespace, message.get('room'))

    async def _handle_leave_room(self, message: Any) -> None:
        sid, namespace = message.get('sid'), message.get('namespace') or '/'
        if self.eio_sid_from_sid(sid, namespace) is not None:  # else not our client
            await super().leave_room(sid, namespace, message.get('room'))

    async def _handle_close_room(self, message: Any) -> None:
        await super().close_room(room=message.get('room'), namespace=message.get('namespace'))

    # -- the listener ----------------------------------------------------------------------
    async def _thread(self) -> None:
        """The listener: handle every message ``_listen()`` produces.

        If ``_listen()`` fails it is started again after a backoff delay.
        """
        backoff = Backoff()
        while True:
            listener = self._listen()
            if not hasattr(listener, '__aiter__'):  # async-only: a 5.0.3 style _listen()
                await self._one_by_one(listener)
                return
            try:
                async for raw in listener:
                    backoff.reset()
                    await self._dispatch(raw)
                return
            except Exception:
                delay = backoff.next()
                if backoff.first_failure:
                    self._get_logger().exception('pubsub listener failed; restarting')
                await self._sleep(delay)

    async def _one_by_one(self, pending: Any) -> None:  # async-only
        """Drive a 5.0.3 style ``_listen()``: a coroutine giving one message
        per call; a failure ends the listener (logged)."""
        while True:
            try:
                raw = await pending
            except Exception:
                self._get_logger().exception('pubsub listener stopped')
                return
            await self._dispatch(raw)
            pending = self._listen()

    async def _dispatch(self, raw: Any) -> None:
        """Decode one raw message and hand it to its ``_handle_<method>``.

        Invalid messages and handler errors are logged; nothing is raised.
        """
        logger = self._get_logger()
        try:
            message = messages.decode(raw, self.json)
        except ValueError as exc:
            self._repeated.log(logger, logging.WARNING, self.channel, 'invalid message',
                               'Skipping invalid pubsub message (%s): %.200r', exc, raw)
            return
        if self.secret is not None:
            problem = messages.check_signature(message, self.secret, self.signature_window)
            if problem is not None:
                self.rejected_messages += 1
                self._repeated.log(logger, logging.WARNING, self.channel, problem,
                                   'Rejected a pubsub message on %s: %s', self.channel,
                                   problem)
                return
        method = message['method']
        if method != 'callback' and message.get('host_id') == self.host_id:
            return  # published by this process, already applied here
        logger.info('pubsub message: {}'.format(method))
        try:
            await getattr(self, '_handle_' + method)(message)
        except Exception:
            logger.exception('Error handling pubsub message %r', method)

    async def _sleep(self, seconds: float) -> None:
        """Sleep between two attempts to reach the broker."""
        await sleep(seconds)


__all__ = ['AsyncPubSubManager']
