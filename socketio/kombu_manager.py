"""Message-queue manager on kombu: RabbitMQ and every other kombu transport.

``pip install kombu`` (plus ``redis`` for ``redis://`` URLs).
"""
from __future__ import annotations

import logging
import threading
import uuid
from typing import Any, Dict, Iterator, Optional

from . import pubsub_messages as messages
from .pubsub_base import LAZY, Backoff, check_monkey_patched, optional_import
from .pubsub_manager import PubSubManager

#: The ``kombu`` package, imported on first use (None when not installed).
kombu: Any = LAZY


def _kombu() -> Any:
    global kombu
    if kombu is LAZY:
        kombu = optional_import('kombu')
    return kombu


class KombuManager(PubSubManager):
    """Client manager that uses kombu for inter-process messaging.

    Usage: ``socketio.Server(client_manager=socketio.KombuManager(url))``.
    Each server reads a queue of its own bound to a fanout exchange named
    after the channel. Nothing connects at construction; the listener
    reconnects with a backoff (0.1 s doubling up to 0.5 s); a publish is
    retried once on a fresh connection, then kept until the broker is back
    (see :class:`~socketio.PubSubManager`).

    :param url: a kombu URL, e.g. ``'amqp://guest:guest@localhost:5672//'``
        or ``'redis://localhost:6379/'``.
    :param channel: the channel (exchange) name shared by all the servers.
    :param write_only: only publish (for external emitters).
    :param logger: a logger for the manager.
    :param json: a JSON module for the messages.
    :param connection_options: keyword arguments for ``kombu.Connection()``.
    :param exchange_options: keyword arguments for ``kombu.Exchange()``.
    :param queue_options: keyword arguments for ``kombu.Queue()``.
    :param producer_options: keyword arguments for ``kombu.Producer()``.
    :param options: ``secret``, ``max_buffered_messages`` and
        ``signature_window``, as in :class:`~socketio.PubSubManager`.
    """

    name = 'kombu'
    broker_name = 'rabbitmq'

    def __init__(self, url: str = 'amqp://guest:guest@localhost:5672//',
                 channel: str = 'socketio', write_only: bool = False,
                 logger: Optional[logging.Logger] = None, json: Any = None,
                 connection_options: Optional[Dict[str, Any]] = None,
                 exchange_options: Optional[Dict[str, Any]] = None,
                 queue_options: Optional[Dict[str, Any]] = None,
                 producer_options: Optional[Dict[str, Any]] = None, **options: Any) -> None:
        if _kombu() is None:
            raise RuntimeError('Kombu package is not installed (Run "pip install kombu" in '
                               'your virtualenv).')
        super().__init__(channel=channel, write_only=write_only, logger=logger, json=json,
                         **options)
        self.url = url
        self.connection_options = connection_options or {}
        self.exchange_options = exchange_options or {}
        self.queue_options = queue_options or {}
        self.producer_options = producer_options or {}
        self._publish_lock = threading.Lock()
        self.producer = self._producer()  # lazy: no connection is made yet

    def initialize(self) -> None:
        check_monkey_patched(self.server, 'Kombu')
        super().initialize()

    def _connection(self) -> Any:
        options = {'connect_timeout': 5}
        options.update(self.connection_options)
        return kombu.Connection(self.url, **options)

    def _exchange(self) -> Any:
        options = {'type': 'fanout', 'durable': False}
        options.update(self.exchange_options)
        return kombu.Exchange(self.channel, **options)

    def _queue(self) -> Any:
        options = {'durable': False, 'queue_arguments': {'x-expires': 300000}}
        options.update(self.queue_options)
        return kombu.Queue('flask-socketio.' + str(uuid.uuid4()), self._exchange(), **options)

    def _producer(self) -> Any:
        return self._connection().Producer(exchange=self._exchange(), **self.producer_options)

    def _publish(self, data: messages.Message) -> Any:
        body = messages.encode(data, self.json).encode('utf-8')
        # kombu connections are not thread safe: one publisher at a time
        with self._publish_lock:
            connection = self.producer.connection
            try:
                publish = connection.ensure(self.producer, self.producer.publish,
                                            max_retries=1, interval_start=0.1)
                return publish(body, content_type='application/json',
                               content_encoding='binary')
            except Exception:
                self._reset_producer(connection)  # the next publish connects again
                raise

    def _broker_ready(self) -> bool:
        with self._publish_lock:
            connection = self.producer.connection
            try:
                connection.ensure_connection(max_retries=0)  # one attempt, no sleep
            except Exception:
                self._reset_producer(connection)
                raise
        return True

    def _reset_producer(self, connection: Any) -> None:
        try:
            connection.release()
        except Exception:  # already broken
            pass
        self.producer = self._producer()

    def _listen(self) -> Iterator[Any]:
        reader_queue = self._queue()
        backoff = Backoff()
        while True:
            connection = self._connection()
            try:
                connection.ensure_connection(max_retries=0)  # one attempt, no sleep
                with connection.SimpleQueue(reader_queue) as queue:
                    backoff.recovered(self._get_logger(), self.broker_name)
                    while True:
                        message = queue.get(block=True)
                        message.ack()
                        yield message.body
            except Exception as exc:
                error = exc
            finally:
                try:
                    connection.release()
                except Exception:  # already broken
                    pass
            self._sleep(backoff.failed(self._get_logger(), self.broker_name, error))


__all__ = ['KombuManager']
