"""Message-queue manager on Apache Kafka (``pip install kafka-python``)."""
from __future__ import annotations

import logging
from typing import Any, Dict, Iterator, List, Optional, Union

from . import pubsub_messages as messages
from .pubsub_base import LAZY, Backoff, optional_import
from .pubsub_manager import PubSubManager

#: The ``kafka`` package (kafka-python), imported on first use (None when not installed).
kafka: Any = LAZY


def _kafka() -> Any:
    global kafka
    if kafka is LAZY:
        kafka = optional_import('kafka')
    return kafka

logger = logging.getLogger('socketio')

#: Client options applied unless ``kafka_options`` says otherwise. A fixed
#: ``api_version`` avoids a blocking broker probe when a client is created,
#: and ``max_block_ms`` bounds a publish while the broker is unreachable.
DEFAULT_KAFKA_OPTIONS: Dict[str, Any] = {'api_version': (2, 5, 0)}
PRODUCER_OPTIONS: Dict[str, Any] = {'max_block_ms': 5000, 'request_timeout_ms': 5000}

#: Seconds a publish waits for the broker to acknowledge the message.
FLUSH_TIMEOUT = 5


class KafkaManager(PubSubManager):
    """Kafka based client manager.

    Usage: ``socketio.Server(client_manager=socketio.KafkaManager(url))``.
    The channel is the topic. Every message is sent with the channel as its
    key, so all of them land in one partition and keep their order even when
    the topic has several partitions; each server reads every partition
    without a consumer group. Nothing connects at construction.

    :param url: ``'kafka://host:port'`` or a list of such URLs (``kafka://``
        alone means ``localhost:9092``).
    :param channel: the topic shared by all the servers.
    :param write_only: only publish (for external emitters).
    :param logger: a logger for the manager.
    :param json: a JSON module for the messages.
    :param kafka_options: extra keyword arguments for the kafka-python
        producer and consumer.
    :param options: ``secret``, ``max_buffered_messages`` and
        ``signature_window``, as in :class:`~socketio.PubSubManager`.
    """

    name = 'kafka'
    broker_name = 'kafka'

    def __init__(self, url: Union[str, List[str]] = 'kafka://localhost:9092',
                 channel: str = 'socketio', write_only: bool = False,
                 logger: Optional[logging.Logger] = None, json: Any = None,
                 kafka_options: Optional[Dict[str, Any]] = None, **options: Any) -> None:
        if _kafka() is None:
            raise RuntimeError('kafka-python package is not installed (Run "pip install '
                               'kafka-python" in your virtualenv).')
        super().__init__(channel=channel, write_only=write_only, logger=logger, json=json,
                         **options)
        urls = [url] if isinstance(url, str) else list(url)
        self.kafka_urls = [u[8:] if u != 'kafka://' else 'localhost:9092' for u in urls]
        self.kafka_url = self.kafka_urls[0]
        self.kafka_options = dict(DEFAULT_KAFKA_OPTIONS, **(kafka_options or {}))
        self.producer: Any = None
        self.consumer: Any = None

    def _kafka_producer(self) -> Any:
        if self.producer is None:
            options = dict(PRODUCER_OPTIONS, **self.kafka_options)
            self.producer = kafka.KafkaProducer(bootstrap_servers=self.kafka_urls, **options)
        return self.producer

    def _kafka_consumer(self) -> Any:
        if self.consumer is None:
            self.consumer = kafka.KafkaConsumer(self.channel, group_id=None,
                                                bootstrap_servers=self.kafka_urls,
                                                **self.kafka_options)
        return self.consumer

    def _publish(self, data: messages.Message) -> Any:
        value = messages.encode(data, self.json).encode('utf-8')
        key = self.channel.encode('utf-8')
        for retry in (True, False):
            try:
                producer = self._kafka_producer()
                future = producer.send(self.channel, value=value, key=key)
                producer.flush(timeout=FLUSH_TIMEOUT)
                future.get(timeout=FLUSH_TIMEOUT)  # raises what the send ran into
                return future
            except Exception:
                # a producer that failed may stay failed (after a broker
                # restart it can keep an unusable producer id): a new one
                self._close_producer()
                if not retry:
                    raise
        return None

    def _close_producer(self) -> None:
        producer, self.producer = self.producer, None
        if producer is not None:
            try:
                producer.close(timeout=0)
            except Exception:  # already broken
                pass

    def _kafka_listen(self) -> Iterator[Any]:
        """Yield the records of the channel's topic, reconnecting with a backoff."""
        backoff = Backoff()
        while True:
            try:
                for record in self._kafka_consumer():
                    backoff.recovered(self._get_logger(), self.broker_name)
                    yield record
                error = 'consumer stopped'
            except Exception as exc:
                error = str(exc)
                self._close_consumer()
            self._sleep(backoff.failed(self._get_logger(), self.broker_name, error))

    def _close_consumer(self) -> None:
        consumer, self.consumer = self.consumer, None
        if consumer is not None:
            try:
                consumer.close()
            except Exception:  # already broken
                pass

    def _listen(self) -> Iterator[Any]:
        for record in self._kafka_listen():
            if record.topic == self.channel:
                yield record.value


__all__ = ['KafkaManager']
