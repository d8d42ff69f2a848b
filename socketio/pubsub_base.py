"""What every message-queue manager does, written once as generator flows.

:class:`PubSubBase` is mixed into :class:`~socketio.PubSubManager` (driven by
:func:`~socketio.trampoline.run`) and :class:`~socketio.AsyncPubSubManager`
(driven by :func:`~socketio.trampoline.run_async`). Operations are applied to
this process's clients first and then published; listeners skip the messages
they published themselves, except ``callback`` messages, which only the host
that registered the callback handles. Backends only implement ``_publish``
(send one message dict) and ``_listen`` (produce raw messages).
"""
from __future__ import annotations

import logging
import uuid
from functools import partial
from typing import Any, Callable, Optional

from . import pubsub_messages as messages
from .trampoline import Flow, call

#: Backoff of the listeners: first delay and cap, in seconds.
RETRY_FIRST, RETRY_MAX = 1, 60


#: Marks a client library that is imported on first use (keeps ``import socketio`` fast).
LAZY: Any = type('Lazy', (), {'__repr__': lambda self: '<not imported yet>'})()


def optional_import(name: str) -> Any:
    """Import and return module ``name``, or None when it is not installed."""
    import importlib
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


class Backoff:
    """Reconnection delays: 1 s doubling up to 60 s, reset after a success."""

    def __init__(self, first: float = RETRY_FIRST, maximum: float = RETRY_MAX) -> None:
        self.first, self.maximum = first, maximum
        self.delay = first

    def next(self) -> float:
        """Return the delay to wait now and double the following one."""
        delay = self.delay
        self.delay = min(self.delay * 2, self.maximum)
        return delay

    def reset(self) -> None:
        """Start again from the first delay (after a successful connection)."""
        self.delay = self.first


def check_monkey_patched(server: Any, library: str) -> None:
    """Raise RuntimeError when an eventlet/gevent server runs unpatched sockets."""
    async_mode = getattr(server, 'async_mode', None) or ''
    patched = True
    if async_mode == 'eventlet':
        from eventlet.patcher import is_monkey_patched
        patched = is_monkey_patched('socket')
    elif 'gevent' in async_mode:
        from gevent.monkey import is_module_patched
        patched = is_module_patched('socket')
    if not patched:
        raise RuntimeError(f'{library} requires a monkey patched socket library to work '
                           f'with {async_mode}')


class PubSubBase:
    """Message-queue logic shared by the sync and asyncio pub/sub managers.

    :param channel: the channel (topic, exchange) every process shares.
    :param write_only: only publish; no listener is started (external emitters).
    :param logger: logger for the manager (else the server's, else ``'socketio'``).
    :param json: JSON module for the wire format (the server's is used once attached).
    """

    name = 'pubsub'

    def __init__(self, channel: str = 'socketio', write_only: bool = False,
                 logger: Optional[logging.Logger] = None, json: Any = None) -> None:
        super().__init__()  # type: ignore[call-arg]
        self.channel = channel
        self.write_only = write_only
        self.host_id = uuid.uuid4().hex
        self.logger = logger
        if json is not None:
            self.json = json
        self.thread: Any = None

    @staticmethod
    def _run(flow: Flow) -> Any:  # pragma: no cover - set by each flavour
        raise NotImplementedError

    # -- backend interface ------------------------------------------------------
    def _publish(self, data: messages.Message) -> Any:
        """Send one message dict to every process (implemented by backends)."""
        raise NotImplementedError('This method must be implemented in a subclass.')

    def _listen(self) -> Any:
        """Produce the raw messages of the channel (implemented by backends)."""
        raise NotImplementedError('This method must be implemented in a subclass.')

    def _sleep(self, seconds: float) -> Any:
        """Sleep the way the server's async mode wants."""
        if self.server is not None:
            return self.server.sleep(seconds)
        import time
        return time.sleep(seconds)

    def initialize(self) -> None:
        """Start the listener (unless write-only); called before the first client."""
        super().initialize()  # type: ignore[misc]
        if not self.write_only:
            self.thread = self.server.start_background_task(self._thread)
        self._get_logger().info(self.name + ' backend initialized.')

    # -- public operations --------------------------------------------------------
    def emit(self, event: str, data: Any, namespace: Optional[str] = None, room: Any = None,
             skip_sid: Any = None, callback: Optional[Callable[..., Any]] = None,
             to: Any = None, **kwargs: Any) -> Any:
        """Emit to clients of every process sharing the queue.

        ``ignore_queue=True`` emits to this process's clients only. A
        ``callback`` needs a server and a single client as ``room``.
        """
        room = room if to is None else to
        if kwargs.get('ignore_queue'):
            return super().emit(event, data, namespace=namespace,  # type: ignore[misc]
                                room=room, skip_sid=skip_sid, callback=callback)
        return self._run(self._publish_emit_flow(event, data, namespace or '/', room,
                                                 skip_sid, callback))

    def _publish_emit_flow(self, event: str, data: Any, namespace: str, room: Any,
                           skip_sid: Any, callback: Any) -> Flow:
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
        yield call(self._handle_emit, message)
        yield call(self._publish, message)

    def can_disconnect(self, sid: str, namespace: str) -> Any:
        """True for a client of this process; otherwise ask its owner to do it."""
        return self._run(self._can_disconnect_flow(sid, namespace))

    def _can_disconnect_flow(self, sid: str, namespace: str) -> Flow:
        if self.is_connected(sid, namespace):
            return True
        yield call(self._publish, messages.sid_message('disconnect', sid, namespace,
                                                       self.host_id))
        return None

    def disconnect(self, sid: str, namespace: Optional[str] = None, **kwargs: Any) -> Any:
        """Disconnect a client wherever it is (``ignore_queue=True``: forget it here)."""
        return self._run(self._publish_disconnect_flow(sid, namespace,
                                                       kwargs.get('ignore_queue')))

    def _publish_disconnect_flow(self, sid: str, namespace: Optional[str],
                                 ignore_queue: Any) -> Flow:
        if ignore_queue:
            yield call(super().disconnect, sid, namespace or '/')  # type: ignore[misc]
            return
        message = messages.sid_message('disconnect', sid, namespace, self.host_id)
        yield call(self._handle_disconnect, message)
        yield call(self._publish, message)

    def enter_room(self, sid: str, namespace: str, room: Any,
                   eio_sid: Optional[str] = None) -> Any:
        """Put a client of any process in a room."""
        return self._run(self._room_flow('enter_room', sid, namespace, room, eio_sid))

    def leave_room(self, sid: str, namespace: str, room: Any) -> Any:
        """Take a client of any process out of a room."""
        return self._run(self._room_flow('leave_room', sid, namespace, room, None))

    def _room_flow(self, method: str, sid: str, namespace: str, room: Any,
                   eio_sid: Optional[str]) -> Flow:
        if eio_sid is not None or self.eio_sid_from_sid(sid, namespace) is not None:
            if method == 'enter_room':
                yield call(super().enter_room, sid, namespace, room,  # type: ignore[misc]
                           eio_sid=eio_sid)
            else:
                yield call(super().leave_room, sid, namespace, room)  # type: ignore[misc]
            return
        yield call(self._publish, messages.sid_message(method, sid, namespace, self.host_id,
                                                       room=room))

    def close_room(self, room: Any, namespace: Optional[str] = None) -> Any:
        """Remove every client of every process from a room."""
        return self._run(self._publish_close_room_flow(room, namespace))

    def _publish_close_room_flow(self, room: Any, namespace: Optional[str]) -> Flow:
        message = messages.close_room_message(room, namespace, self.host_id)
        yield call(self._handle_close_room, message)
        yield call(self._publish, message)

    # -- handling messages -------------------------------------------------------------
    def _handle_emit(self, message: messages.Message) -> Any:
        return self._run(self._handle_emit_flow(message))

    def _handle_emit_flow(self, message: messages.Message) -> Flow:
        remote_callback = message.get('callback')
        callback = None
        if remote_callback is not None and len(remote_callback) == 3:
            callback = partial(self._return_callback, message.get('host_id'),
                               *remote_callback)
        data = messages.emit_data(message)
        yield call(super().emit, message['event'], data,  # type: ignore[misc]
                   namespace=message.get('namespace'), room=message.get('room'),
                   skip_sid=message.get('skip_sid'), callback=callback)

    def _return_callback(self, host_id: str, sid: Any, namespace: str, callback_id: int,
                         *args: Any) -> Any:
        return self._run(self._return_callback_flow(host_id, sid, namespace, callback_id,
                                                    args))

    def _return_callback_flow(self, host_id: str, sid: Any, namespace: str,
                              callback_id: int, args: Any) -> Flow:
        if host_id == self.host_id:  # the emit came from this process
            yield call(self.trigger_callback, sid, callback_id, args)
        else:
            yield call(self._publish, messages.callback_message(host_id, sid, namespace,
                                                                callback_id, args))

    def _handle_callback(self, message: messages.Message) -> Any:
        return self._run(self._handle_callback_flow(message))

    def _handle_callback_flow(self, message: messages.Message) -> Flow:
        if message.get('host_id') != self.host_id:
            return
        try:
            sid, callback_id = message['sid'], message['id']
            args = messages.callback_args(message)
        except KeyError:
            return
        yield call(self.trigger_callback, sid, callback_id, args)

    def _handle_disconnect(self, message: messages.Message) -> Any:
        return self._run(self._handle_disconnect_flow(message))

    def _handle_disconnect_flow(self, message: messages.Message) -> Flow:
        if self.server is not None:
            yield call(self.server.disconnect, sid=message.get('sid'),
                       namespace=message.get('namespace'), ignore_queue=True)

    def _handle_enter_room(self, message: messages.Message) -> Any:
        return self._run(self._handle_room_flow(message, 'enter_room'))

    def _handle_leave_room(self, message: messages.Message) -> Any:
        return self._run(self._handle_room_flow(message, 'leave_room'))

    def _handle_room_flow(self, message: messages.Message, method: str) -> Flow:
        sid, namespace = message.get('sid'), message.get('namespace') or '/'
        if self.eio_sid_from_sid(sid, namespace) is None:
            return  # another process owns this client
        if method == 'enter_room':
            yield call(super().enter_room, sid, namespace,  # type: ignore[misc]
                       message.get('room'))
        else:
            yield call(super().leave_room, sid, namespace,  # type: ignore[misc]
                       message.get('room'))

    def _handle_close_room(self, message: messages.Message) -> Any:
        return self._run(self._handle_close_room_flow(message))

    def _handle_close_room_flow(self, message: messages.Message) -> Flow:
        yield call(super().close_room, room=message.get('room'),  # type: ignore[misc]
                   namespace=message.get('namespace'))

    # -- the listener ----------------------------------------------------------------------
    def _dispatch_flow(self, raw: Any) -> Flow:
        """Decode one raw message and hand it to its ``_handle_*`` method.

        Invalid messages and handler errors are logged; nothing is raised.
        """
        logger = self._get_logger()
        try:
            message = messages.decode(raw, self.json)
        except ValueError as exc:
            logger.warning('Skipping invalid pubsub message (%s): %.200r', exc, raw)
            return
        method = message['method']
        if method != 'callback' and message.get('host_id') == self.host_id:
            return  # published by this process, already applied locally
        logger.info('pubsub message: {}'.format(method))
        try:
            yield call(getattr(self, '_handle_' + method), message)
        except Exception:
            logger.exception('Error handling pubsub message %r', method)
