"""Message-queue manager on NATS for asyncio servers (``pip install nats-py``)."""
# The source of socketio/nats_manager.py (scripts/unasync.py).  # async-only
from __future__ import annotations

from typing import Any, AsyncIterator

from . import pubsub_messages as messages
from .async_primitives import close_quietly
from .async_pubsub_manager import AsyncPubSubManager
from .nats_base import (  # noqa: F401
    DEFAULT_NATS_OPTIONS,
    FLUSH_TIMEOUT,
    MISSING_NATS,
    NatsBase,
    _aionats,
    check_nats_urls,
)
from .pubsub_base import Backoff


class AsyncNatsManager(NatsBase, AsyncPubSubManager):
    """NATS based client manager for asyncio servers.

    Usage: ``socketio.AsyncServer(client_manager=socketio.AsyncNatsManager(url))``.
    The channel is the NATS subject on which every server publishes and to
    which every server subscribes (core NATS: like Redis pub/sub, a server
    misses what is published while it is disconnected). nats-py runs on the
    server's event loop. Nothing connects at construction: the listener
    connects when the server starts and reconnects with a backoff when NATS
    goes away; a publish waits until the NATS server has the message, and
    raises when it cannot be sent.

    :param url: ``nats://host:port`` (or ``tls://``, ``ws://``, ``wss://``),
        or a list of URLs of one NATS cluster.
    :param channel: the subject shared by all the servers.
    :param write_only: only publish (for external emitters).
    :param logger: a logger for the manager.
    :param json: a JSON module for the messages.
    :param nats_options: keyword arguments for nats-py's ``connect()``.
    :param options: the other arguments of
        :class:`~socketio.async_pubsub_manager.AsyncPubSubManager`.
    """

    name = 'aionats'
    broker_name = 'nats'
    _nats_module = staticmethod(_aionats)

    async def _nats_connect(self) -> Any:
        """A new connection to the NATS server."""
        return await self._required_module().connect(**self._nats_connect_options())

    async def _publisher(self) -> Any:
        """The publishing connection, made on first use (and again once
        nats-py has found it closed)."""
        if self.publisher is not None and self.publisher.is_closed:
            self.publisher = None
        if self.publisher is None:
            client = await self._nats_connect()
            if self.publisher is None:
                self.publisher = client
            else:  # another publish connected meanwhile: use its connection
                await close_quietly(client)
        return self.publisher

    async def _broker_ready(self) -> bool:
        """Whether NATS can be reached (the publishing connection is made)."""
        await self._publisher()
        return True

    async def _publish(self, data: messages.Message) -> Any:
        payload = messages.encode(data, self.json).encode('utf-8')
        client = None
        try:
            client = await self._publisher()
            if len(payload) > client.max_payload:  # no retry can send this one
                self._get_logger().error(
                    'Cannot publish to nats: a message of %d bytes is over the server\'s '
                    'limit of %d; dropped', len(payload), client.max_payload)
                return None
            await client.publish(self.channel, payload)
            await client.flush(FLUSH_TIMEOUT)
        except Exception:
            if client is not None and client is self.publisher:
                self.publisher = None
            await close_quietly(client)
            raise
        return None

    async def _listen(self) -> AsyncIterator[Any]:
        backoff = Backoff()
        while True:
            try:
                self.listener = await self._nats_connect()
                subscription = await self.listener.subscribe(self.channel)
                await self.listener.flush(FLUSH_TIMEOUT)  # the subscription is in place
                backoff.recovered(self._get_logger(), self.broker_name)
                while True:
                    message = await subscription.next_msg(timeout=None)
                    yield message.data
            except Exception as exc:
                error = ' '.join(str(exc).split()) or type(exc).__name__
            listener, self.listener = self.listener, None
            await close_quietly(listener)
            await self._sleep(backoff.failed(self._get_logger(), self.broker_name, error))


__all__ = ['AsyncNatsManager']
