"""Client manager base for several asyncio server processes sharing a
message queue."""
# The source of socketio/pubsub_manager.py (scripts/unasync.py).  # async-only
from __future__ import annotations

import collections
import inspect  # async-only
import logging
import time
import uuid
from functools import partial
from typing import Any, Callable, Deque, List, Optional, Tuple, Union

from . import pubsub_messages as messages
from .async_manager import AsyncManager
from .async_primitives import sleep, spawn, wait_event
from .cluster_base import (
    HEARTBEAT_INTERVAL,
    HELLO_INTERVAL,
    HELLO_MAX,
    CallResults,
    ClusterList,
    ClusterSocket,
    PeerTable,
    Request,
    Requests,
    check_timeout,
    describe,
    local_sids,
    room_names,
)
from .log_limits import RepeatedLog
from .payload import ack_value, forget_callback, is_room_list, to_args
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

    The processes of a channel also answer each other's cluster requests
    (:meth:`call_all`, :meth:`fetch_sockets`, :meth:`server_side_emit`, ...):
    each listening process publishes a heartbeat every
    ``heartbeat_interval`` seconds, so that a request knows which processes
    to wait for (one not heard of for 2.5 of its intervals is forgotten).

    :param channel: the channel name on which the servers communicate.
    :param write_only: only publish, never listen.
    :param logger: a logger for the manager.
    :param json: a JSON module (the server's is used once attached).
    :param secret: a shared secret (str or bytes) signing every message.
    :param max_buffered_messages: messages kept during a broker outage.
    :param signature_window: seconds a signed message stays acceptable.
    :param heartbeat_interval: seconds between two heartbeats.
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
                 signature_window: float = messages.SIGNATURE_WINDOW,
                 heartbeat_interval: float = HEARTBEAT_INTERVAL) -> None:
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
        self.heartbeat_interval = heartbeat_interval
        self._peers = PeerTable()
        self._requests = Requests()
        self._listening: Any = None  # set once this process hears its own greetings
        self._echoes = 0
        # (deadline, [(sid, callback)]) of the calls of other processes
        self._expiring: List[Tuple[float, List[Tuple[str, Any]]]] = []

    def initialize(self) -> None:
        """Start the listener (unless write-only); called before the first
        client connects."""
        super().initialize()
        if not self.write_only:
            self._listening = self.server.eio.create_event()
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
        if self._recovery is not None and callback is None:
            message['offset'] = self._recovery.new_offset()  # the same in every process
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
    async def _send(self, message: messages.Message, keep: bool = True) -> None:
        """Publish ``message`` (signed when there is a secret); while the
        broker cannot be reached, keep it to send it later, in order (or,
        with ``keep=False``, drop it: heartbeats)."""
        if self.secret is not None:
            message = messages.sign(message, self.secret, self.json)
        if not self._sending:  # no outage: straight to the broker
            try:
                await self._publish(message)
                return
            except Exception as exc:
                if not keep:
                    self._get_logger().debug('%s not published: %s', message['method'], exc)
                    return
                error: Any = exc
        else:
            if not keep:
                return
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
        recovery = {'offset': message['offset']} if 'offset' in message else {}
        await super().emit(message['event'], data, namespace=message.get('namespace'),
                           room=message.get('room'), skip_sid=message.get('skip_sid'),
                           callback=callback, **recovery)

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

    # -- the cluster: asking the other processes --------------------------------------
    async def call_all(self, event: str, data: Any, namespace: str, room: Any = None,
                       skip_sid: Any = None, timeout: float = 60,
                       **kwargs: Any) -> CallResults:
        """Emit to the clients of ``room`` (everyone when None) in every
        process, each with an acknowledgement id of its own, and return the
        answers that arrived within ``timeout`` seconds, by sid
        (``ignore_queue=True``: this process's clients only)."""
        if kwargs.get('ignore_queue'):
            return await super().call_all(event, data, namespace, room=room,
                                          skip_sid=skip_sid, timeout=timeout)
        timeout = check_timeout(timeout)
        request, deadline = await self._open_request('call', timeout)
        callbacks: List[Tuple[str, Any]] = []
        try:
            await self._send(messages.request_message(
                'call', self.host_id, request.id, namespace, room=_json_room(room),
                skip_sid=_json_room(skip_sid), timeout=timeout,
                **messages.event_fields(event, to_args(data))))
            callbacks = await self._call_local(request, event, data, namespace, room,
                                               skip_sid)
            await self._collect(request, _left(deadline), callbacks)
        finally:
            self._requests.close(request)
        return request.call_results()

    async def fetch_sockets(self, namespace: str, room: Any = None, skip_sid: Any = None,
                            timeout: float = 5, **kwargs: Any) -> ClusterList:
        """The connected clients of ``room`` (everyone when None) in every
        process that answers within ``timeout`` seconds."""
        if kwargs.get('ignore_queue'):
            return await super().fetch_sockets(namespace, room=room, skip_sid=skip_sid,
                                               timeout=timeout)
        timeout = check_timeout(timeout)
        request, deadline = await self._open_request('fetch_sockets', timeout)
        try:
            await self._send(messages.request_message(
                'fetch_sockets', self.host_id, request.id, namespace, room=_json_room(room),
                skip_sid=_json_room(skip_sid)))
            sockets = list(await super().fetch_sockets(namespace, room=room,
                                                       skip_sid=skip_sid, timeout=timeout))
            await self._collect(request, _left(deadline), [])
        finally:
            self._requests.close(request)
        answers = request.list_results()
        for group in answers:
            sockets.extend(group)
        return ClusterList(sockets, answers.missing_hosts)

    async def sockets_join(self, rooms: Any, namespace: str, room: Any = None,
                           skip_sid: Any = None, **kwargs: Any) -> None:
        """Put the clients of ``room`` (everyone when None) of every process
        in ``rooms``."""
        await self._act('sockets_join', namespace, room, skip_sid, kwargs,
                        rooms=room_names(rooms))

    async def sockets_leave(self, rooms: Any, namespace: str, room: Any = None,
                            skip_sid: Any = None, **kwargs: Any) -> None:
        """Take the clients of ``room`` (everyone when None) of every process
        out of ``rooms``."""
        await self._act('sockets_leave', namespace, room, skip_sid, kwargs,
                        rooms=room_names(rooms))

    async def disconnect_sockets(self, namespace: str, room: Any = None, skip_sid: Any = None,
                                 close: bool = False, **kwargs: Any) -> None:
        """Disconnect the clients of ``room`` (everyone when None) of every
        process from ``namespace`` (``close=True``: close their connections)."""
        await self._act('disconnect_sockets', namespace, room, skip_sid, kwargs,
                        close=bool(close))

    async def server_side_emit(self, event: str, data: Any, namespace: str,
                               timeout: Optional[float] = None,
                               **kwargs: Any) -> Optional[ClusterList]:
        """Send an event to the handlers registered with ``on_server_event``
        in the other processes. With a ``timeout``, wait for their answers
        and return them (one per process that has a handler)."""
        fields = messages.event_fields(event, to_args(data))
        if timeout is None:
            await self._send(messages.request_message(
                'server_event', self.host_id, uuid.uuid4().hex, namespace, ack=False,
                **fields))
            return None
        timeout = check_timeout(timeout)
        request, deadline = await self._open_request('server_event', timeout)
        try:
            await self._send(messages.request_message(
                'server_event', self.host_id, request.id, namespace, ack=True, **fields))
            await self._collect(request, _left(deadline), [])
        finally:
            self._requests.close(request)
        return request.list_results()

    async def _act(self, kind: str, namespace: str, room: Any, skip_sid: Any,
                   kwargs: Any, **fields: Any) -> None:
        """Apply an action to this process's clients, then publish it for the
        other processes (which do not answer)."""
        message = messages.request_message(kind, self.host_id, uuid.uuid4().hex, namespace,
                                           room=_json_room(room),
                                           skip_sid=_json_room(skip_sid), **fields)
        if self.server is not None:
            await getattr(self, '_answer_' + kind)(message)
        if not kwargs.get('ignore_queue'):
            await self._send(message)

    async def _open_request(self, kind: str, timeout: float) -> Tuple[Request, float]:
        """Register a request to the processes alive now, once this process
        listens (waiting for that counts in ``timeout``)."""
        if self.server is None or self.write_only:
            raise RuntimeError('Cluster requests need a manager that listens, attached '
                               'to a server.')
        deadline = time.monotonic() + timeout
        listening = self._listening
        if listening is not None and not listening.is_set():
            await wait_event(listening, timeout)
        request = self._requests.open(kind, self._peers.alive(),
                                      self.server.eio.create_event())
        return request, deadline

    # -- the cluster: answering the other processes -------------------------------------
    async def _handle_heartbeat(self, message: Any) -> None:
        if not isinstance(message['host_id'], str):
            raise ValueError('host_id is not a string')
        self._peers.seen(message['host_id'], message.get('interval'))
        if message.get('hello'):  # a new process: tell it we are here
            await self._send(messages.heartbeat_message(self.host_id, self.heartbeat_interval),
                             keep=False)

    def _heard_myself(self) -> None:
        """This process's own greeting came back: it receives the channel.
        The second one means the others' answers to the first have arrived."""
        self._echoes += 1
        if self._echoes >= 2 and self._listening is not None:
            self._listening.set()

    async def _heartbeats(self) -> None:
        """Greet the other processes until this one hears itself, then tell
        them every ``heartbeat_interval`` seconds that it is alive; forget the
        callbacks of the calls of other processes that timed out."""
        started = time.monotonic()
        while True:
            hello = self._echoes < 2 and time.monotonic() - started < HELLO_MAX
            await self._send(messages.heartbeat_message(self.host_id, self.heartbeat_interval,
                                                        hello=hello), keep=False)
            self._forget_expired()
            await self._sleep(HELLO_INTERVAL if hello else self.heartbeat_interval)

    def _forget_expired(self, now: Optional[float] = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            expired = [callbacks for deadline, callbacks in self._expiring if deadline <= now]
            self._expiring = [item for item in self._expiring if item[0] > now]
        for callbacks in expired:
            for sid, callback in callbacks:
                forget_callback(self.callbacks, sid, callback)

    async def _handle_request(self, message: Any) -> None:
        kind = message.get('type')
        if kind not in messages.REQUEST_TYPES:
            self._get_logger().debug('Skipping cluster request of type %r', kind)
            return
        await getattr(self, '_answer_' + kind)(message)

    async def _respond(self, request: Any, **fields: Any) -> None:
        await self._send(messages.response_message(self.host_id, request['host_id'],
                                                   request['id'], **fields))

    async def _answer_fetch_sockets(self, message: Any) -> None:
        namespace = message.get('namespace') or '/'
        sids = local_sids(self, namespace, message.get('room'), message.get('skip_sid'))
        await self._respond(message, namespace=namespace,
                            sockets=[describe(self, sid, namespace).to_json() for sid in sids])

    async def _answer_sockets_join(self, message: Any) -> None:
        self._join_local(message.get('rooms'), message.get('namespace') or '/',
                         message.get('room'), message.get('skip_sid'), True)

    async def _answer_sockets_leave(self, message: Any) -> None:
        self._join_local(message.get('rooms'), message.get('namespace') or '/',
                         message.get('room'), message.get('skip_sid'), False)

    async def _answer_disconnect_sockets(self, message: Any) -> None:
        await super().disconnect_sockets(message.get('namespace') or '/',
                                         room=message.get('room'),
                                         skip_sid=message.get('skip_sid'),
                                         close=bool(message.get('close')))

    async def _answer_call(self, message: Any) -> None:
        """Emit the event of another process's call to this process's
        clients; announce them, then send each answer as it comes."""
        namespace = message.get('namespace') or '/'
        event, args = _event(message)
        timeout = check_timeout(message.get('timeout'))
        sids = local_sids(self, namespace, message.get('room'), message.get('skip_sid'))
        await self._respond(message, sids=sids)
        callbacks = []
        for sid in sids:
            eio_sid = self.eio_sid_from_sid(sid, namespace)
            callback = partial(self._send_answer, message['host_id'], message['id'], sid)
            ack_id = None if eio_sid is None else \
                self._register_ack(sid, namespace, callback)
            if ack_id is None:  # gone meanwhile
                continue
            callbacks.append((sid, callback))
            await self.server._emit_internal(eio_sid, event, tuple(args), namespace, ack_id)
        if callbacks:
            with self._lock:
                self._expiring.append((time.monotonic() + timeout, callbacks))

    async def _send_answer(self, to: str, request_id: str, sid: str, *args: Any) -> None:
        await self._send(messages.response_message(self.host_id, to, request_id, sid=sid,
                                                   **messages.args_fields(args)))

    async def _answer_server_event(self, message: Any) -> None:
        """Run the handler of a server-side event in a task of its own (it
        may ask the cluster in turn), answering when asked to."""
        event, args = _event(message)
        handlers = getattr(self.server, 'server_handlers', None) or {}
        handler = handlers.get(message.get('namespace') or '/', {}).get(event)
        if handler is None:
            if message.get('ack'):
                await self._respond(message, handled=False)
            return
        self.server.start_background_task(self._run_server_handler, message, handler, args)

    async def _run_server_handler(self, message: Any, handler: Callable[..., Any],
                                  args: List[Any]) -> None:
        try:
            result = handler(*args)
            if inspect.isawaitable(result):  # async-only
                result = await result
        except Exception:
            self._get_logger().exception('server event "%s" handler error',
                                         message.get('event'))
            if message.get('ack'):
                await self._respond(message, handled=False)
            return
        if message.get('ack'):
            await self._respond(message, **messages.args_fields(to_args(result)))

    async def _handle_response(self, message: Any) -> None:
        if message['to'] != self.host_id:
            return
        host_id = message['host_id']
        self._peers.touch(host_id)
        request = self._requests.get(message['id'])
        if request is None:
            return  # too late
        if request.kind == 'call':
            if 'sids' in message:
                sids = message['sids']
                request.announce(host_id, sids if isinstance(sids, list) else [])
            elif isinstance(message.get('sid'), str):
                request.answer(message['sid'], ack_value(messages.response_args(message)))
        elif request.kind == 'fetch_sockets':
            sockets = message.get('sockets')
            namespace = message.get('namespace') or '/'
            request.report(host_id, [ClusterSocket.from_json(item, namespace, host_id)
                                     for item in (sockets if isinstance(sockets, list)
                                                  else [])])
        elif message.get('handled') is False:
            request.report(host_id, has_value=False)
        else:
            request.report(host_id, ack_value(messages.response_args(message)))

    # -- the listener ----------------------------------------------------------------------
    async def _thread(self) -> None:
        """The listener: handle every message ``_listen()`` produces.

        If ``_listen()`` fails it is started again after a backoff delay.
        """
        if self.server is not None and not self.write_only:
            self.server.start_background_task(self._heartbeats)
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
        except messages.UnknownMethod as exc:  # a newer peer's: not for us
            logger.debug('Skipping pubsub message: %s', exc)
            return
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
            if method == 'heartbeat':
                self._heard_myself()
            return  # published by this process, already applied here
        if method != 'heartbeat':  # every few seconds from each process: not logged
            logger.info('pubsub message: {}'.format(method))
        try:
            await getattr(self, '_handle_' + method)(message)
        except Exception:
            logger.exception('Error handling pubsub message %r', method)

    async def _sleep(self, seconds: float) -> None:
        """Sleep between two attempts to reach the broker."""
        await sleep(seconds)


def _event(message: Any) -> Tuple[str, List[Any]]:
    """The event name and arguments of a request; ValueError when malformed."""
    event = message.get('event')
    if not isinstance(event, str):
        raise ValueError('event name is not a string')
    return event, messages.request_args(message)


def _json_room(room: Any) -> Any:
    """A room, sid or list of them, as JSON can carry it."""
    return list(room) if room is not None and is_room_list(room) else room


def _left(deadline: float) -> float:
    """Seconds until ``deadline`` (a ``time.monotonic()`` value), at least 1 ms."""
    return max(deadline - time.monotonic(), 0.001)


__all__ = ['AsyncPubSubManager']
