"""Message-queue manager on RabbitMQ for asyncio servers (``pip install aio_pika``)."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, AsyncIterator, Optional

from . import pubsub_messages as messages
from .async_primitives import close_quietly
from .async_pubsub_manager import AsyncPubSubManager
from .pubsub_base import LAZY, Backoff, optional_import

#: The ``aio_pika`` package, imported on first use (None when not installed).
aio_pika: Any = LAZY


def _aio_pika() -> Any:
    global aio_pika
    if aio_pika is LAZY:
        aio_pika = optional_import('aio_pika')
    return aio_pika

#: Seconds allowed for connecting to the broker.
CONNECT_TIMEOUT = 5


class AsyncAioPikaManager(AsyncPubSubManager):
    """Client manager that uses aio_pika (RabbitMQ) for asyncio servers.

    Usage: ``socketio.AsyncServer(client_manager=socketio.AsyncAioPikaManager(url))``.
    The channel names a fanout exchange; each server reads a queue of its own
    (kept by the broker for 5 minutes after its reader goes away, so a
    reconnecting server does not lose messages). The listener reconnects with
    a backoff (0.1 s doubling up to 0.5 s); a publish is retried once on a
    new connection, then kept until the broker is back (see
    :class:`~socketio.AsyncPubSubManager`). Nothing connects at construction.

    :param url: an AMQP URL, e.g. ``'amqp://guest:guest@localhost:5672//'``.
    :param channel: the exchange name shared by all the servers.
    :param write_only: only publish (for external emitters).
    :param logger: a logger for the manager.
    :param json: a JSON module for the messages.
    :param options: ``secret``, ``max_buffered_messages`` and
        ``signature_window``, as in :class:`~socketio.AsyncPubSubManager`.
    """

    name = 'asyncaiopika'
    broker_name = 'rabbitmq'

    def __init__(self, url: str = 'amqp://guest:guest@localhost:5672//',
                 channel: str = 'socketio', write_only: bool = False,
                 logger: Optional[logging.Logger] = None, json: Any = None,
                 **options: Any) -> None:
        if _aio_pika() is None:
            raise RuntimeError('aio_pika package is not installed (Run "pip install aio_pika" '
                               'in your virtualenv).')
        self.url = url
        self.listener_connection: Any = None
        self.listener_channel: Any = None
        self.listener_queue: Any = None
        self.publisher_connection: Any = None
        self.publisher_exchange: Any = None
        self._publisher_lock: Optional[asyncio.Lock] = None
        super().__init__(channel=channel, write_only=write_only, logger=logger, json=json,
                         **options)
        self.queue_name = 'socketio.' + self.channel + '.' + self.host_id

    async def _connection(self) -> Any:
        return await aio_pika.connect(self.url, timeout=CONNECT_TIMEOUT)

    async def _channel(self, connection: Any) -> Any:
        return await connection.channel()

    async def _exchange(self, channel: Any) -> Any:
        return await channel.declare_exchange(self.channel, aio_pika.ExchangeType.FANOUT)

    async def _queue(self, channel: Any, exchange: Any) -> Any:
        queue = await channel.declare_queue(self.queue_name, durable=False,
                                            arguments={'x-expires': 300000})
        await queue.bind(exchange)
        return queue

    async def _publish(self, data: messages.Message) -> Any:
        body = messages.encode(data, self.json).encode('utf-8')
        for retry in (True, False):
            try:
                exchange = await self._publisher()
                return await exchange.publish(
                    aio_pika.Message(body=body, content_type='application/json',
                                     delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                    routing_key='*')
            except Exception:
                await self._close_publisher()  # the next attempt connects again
                if not retry:
                    raise
        return None

    async def _broker_ready(self) -> bool:
        try:
            await self._publisher()
        except Exception:
            await self._close_publisher()
            raise
        return True

    async def _publisher(self) -> Any:
        """Return the publishing exchange, connecting first if needed."""
        if self._publisher_lock is None:
            self._publisher_lock = asyncio.Lock()
        async with self._publisher_lock:
            if self.publisher_exchange is None:
                self.publisher_connection = await self._connection()
                channel = await self._channel(self.publisher_connection)
                self.publisher_exchange = await self._exchange(channel)
            return self.publisher_exchange

    async def _close_publisher(self) -> None:
        connection, self.publisher_connection = self.publisher_connection, None
        self.publisher_exchange = None
        await close_quietly(connection)

    async def _listen(self) -> AsyncIterator[Any]:
        backoff = Backoff()
        while True:
            try:
                self.listener_connection = await self._connection()
                self.listener_channel = await self._channel(self.listener_connection)
                await self.listener_channel.set_qos(prefetch_count=100)
                exchange = await self._exchange(self.listener_channel)
                self.listener_queue = await self._queue(self.listener_channel, exchange)
                backoff.recovered(self._get_logger(), self.broker_name)
                async with self.listener_queue.iterator() as queue_iter:
                    async for message in queue_iter:
                        async with message.process():
                            body = message.body
                        yield body
                error = 'connection closed'
            except Exception as exc:
                error = str(exc)
            connection, self.listener_connection = self.listener_connection, None
            await close_quietly(connection)
            await self._sleep(backoff.failed(self._get_logger(), self.broker_name, error))


__all__ = ['AsyncAioPikaManager']
