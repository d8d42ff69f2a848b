"""Message-queue manager on ZeroMQ (``pip install pyzmq``), through a forwarder.

ZeroMQ has no broker: a small forwarder process must PULL on one port and
PUBlish every frame it receives on another (``examples/zmq_forwarder.py``).
"""
from __future__ import annotations

import logging
import re
import sys
import threading
from typing import Any, Iterator, Optional

from . import pubsub_messages as messages
from .pubsub_base import LAZY, optional_import
from .pubsub_manager import PubSubManager

#: The ``zmq`` package (pyzmq), imported on first use (None when not installed).
zmq: Any = LAZY


def _zmq() -> Any:
    global zmq
    if zmq is LAZY:
        zmq = optional_import('zmq')
    return zmq

#: Milliseconds a publish may wait for room in the outgoing queue, and a
#: closing socket for its pending messages to leave.
SEND_TIMEOUT_MS, LINGER_MS = 1000, 2000


def _zmq_module() -> Any:
    """pyzmq, or its green flavour when eventlet or gevent patched the sockets."""
    if 'eventlet' in sys.modules:
        from eventlet.patcher import is_monkey_patched
        if is_monkey_patched('socket'):
            import eventlet.green.zmq as green_zmq
            return green_zmq
    if 'gevent' in sys.modules:
        from gevent.monkey import is_module_patched
        if is_module_patched('socket'):
            import zmq.green as green_zmq
            return green_zmq
    return zmq


class ZmqManager(PubSubManager):
    """zmq based client manager (experimental).

    Usage: ``socketio.Server(client_manager=socketio.ZmqManager(url))`` with a
    forwarder running. The URL names the forwarder's PULL port then its PUB
    port: ``'zmq+tcp://hostname:5555+5556'``. Sockets reconnect by themselves;
    a publish waits at most a second for the outgoing queue, once more, then
    the message is kept until the forwarder is back (see
    :class:`~socketio.PubSubManager`).

    :param url: ``'zmq+tcp://host:sink_port+pub_port'``.
    :param channel: the channel name shared by all the servers.
    :param write_only: only publish (for external emitters).
    :param logger: a logger for the manager.
    :param json: a JSON module for the messages.
    :param options: ``secret``, ``max_buffered_messages`` and
        ``signature_window``, as in :class:`~socketio.PubSubManager`.
    """

    name = 'zmq'
    broker_name = 'zmq'

    def __init__(self, url: str = 'zmq+tcp://localhost:5555+5556', channel: str = 'socketio',
                 write_only: bool = False, logger: Optional[logging.Logger] = None,
                 json: Any = None, **options: Any) -> None:
        if _zmq() is None:
            raise RuntimeError('zmq package is not installed (Run "pip install pyzmq" in your '
                               'virtualenv).')
        if not (url.startswith('zmq+tcp://') and re.search(r':\d+\+\d+$', url)):
            raise RuntimeError('unexpected connection string: ' + url)
        super().__init__(channel=channel, write_only=write_only, logger=logger, json=json,
                         **options)
        sink_url, sub_port = url.replace('zmq+', '').split('+')
        sink_port = sink_url.split(':')[-1]
        self.sink_url = sink_url
        self.sub_url = sink_url.replace(sink_port, sub_port)
        module = _zmq_module()
        # the process-wide context, never terminated by the garbage
        # collector: a context of our own would be, and its term() waits
        # forever for a socket of the same garbage cycle
        context = module.Context.instance()
        self.sink = context.socket(zmq.PUSH)
        self.sink.setsockopt(zmq.SNDTIMEO, SEND_TIMEOUT_MS)
        self.sink.setsockopt(zmq.LINGER, LINGER_MS)
        self.sink.connect(self.sink_url)
        self.sub: Any = None
        if not write_only:
            self.sub = context.socket(zmq.SUB)
            self.sub.setsockopt(zmq.SUBSCRIBE, b'')
            self.sub.connect(self.sub_url)
        self._publish_lock = threading.Lock()

    def _publish(self, data: messages.Message) -> Any:
        envelope = {'type': 'message', 'channel': self.channel, 'data': data}
        frame = messages.encode(envelope, self.json).encode('utf-8')
        with self._publish_lock:  # zmq sockets are not thread safe
            for retry in (True, False):
                try:
                    return self.sink.send(frame)
                except zmq.ZMQError:
                    if not retry:
                        raise
        return None

    def zmq_listen(self) -> Iterator[Any]:
        """Yield every frame received from the forwarder, forever."""
        while True:
            frame = self.sub.recv()
            if frame is not None:
                yield frame

    def _listen(self) -> Iterator[Any]:
        for frame in self.zmq_listen():
            try:
                envelope = self.json.loads(frame)
            except Exception:
                envelope = None
            if not isinstance(envelope, dict) or 'data' not in envelope \
                    or envelope.get('type') != 'message':
                self._get_logger().warning('Skipping invalid zmq frame: %.200r', frame)
                continue
            if envelope.get('channel') == self.channel:
                yield envelope['data']


__all__ = ['ZmqManager']
