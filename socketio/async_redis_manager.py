"""Message-queue manager on Redis pub/sub for asyncio servers (``redis.asyncio``)."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, AsyncIterator, Dict, Optional, Tuple
from urllib.parse import urlparse

from . import pubsub_messages as messages
from .async_pubsub_manager import AsyncPubSubManager
from .pubsub_base import LAZY, Backoff, optional_import
from .redis_manager import MISSING_REDIS, check_redis_url, redis_client

#: ``redis.asyncio``, imported on first use (None when not installed).
aioredis: Any = LAZY


def _aioredis() -> Any:
    global aioredis
    if aioredis is LAZY:
        aioredis = optional_import('redis.asyncio')
    return aioredis

logger = logging.getLogger('socketio')


def _parse_redis_url(url: str) -> Tuple[str, int, Optional[str], int, bool]:
    """Split a ``redis://`` or ``rediss://`` URL into ``(host, port, password, db, ssl)``."""
    parsed = urlparse(url)
    if parsed.scheme not in ('redis', 'rediss'):
        raise ValueError('Invalid redis url')
    ssl = parsed.scheme == 'rediss'
    host = parsed.hostname or 'localhost'
    port = parsed.port or 6379
    password = parsed.password
    db = int(parsed.path[1:]) if parsed.path and parsed.path != '/' else 0
    return host, port, password, db, ssl


class AsyncRedisManager(AsyncPubSubManager):
    """Redis based client manager for asyncio servers.

    Usage: ``socketio.AsyncServer(client_manager=socketio.AsyncRedisManager(url))``.
    Same URLs, reconnection and publishing rules as :class:`~socketio.RedisManager`.

    :param url: ``redis://``, ``rediss://``, ``unix://``, ``valkey://``,
        ``valkeys://`` or ``redis+sentinel://`` URL.
    :param channel: the channel name shared by all the servers.
    :param write_only: only publish (for external emitters).
    :param logger: a logger for the manager.
    :param json: a JSON module for the messages.
    :param redis_options: keyword arguments for ``Redis.from_url()``.
    """

    name = 'aioredis'

    def __init__(self, url: str = 'redis://localhost:6379/0', channel: str = 'socketio',
                 write_only: bool = False, logger: Optional[logging.Logger] = None,
                 json: Any = None, redis_options: Optional[Dict[str, Any]] = None) -> None:
        check_redis_url(url)
        self.redis_url = url
        self.redis_options = redis_options or {}
        self.redis: Any = None
        self.pubsub: Any = None
        super().__init__(channel=channel, write_only=write_only, logger=logger, json=json)

    def initialize(self) -> None:
        if _aioredis() is None:
            raise RuntimeError(MISSING_REDIS)
        super().initialize()

    def _redis_connect(self) -> None:
        """(Re)create the Redis client and its pub/sub object (no I/O yet)."""
        if _aioredis() is None:
            raise RuntimeError(MISSING_REDIS)
        self.redis = redis_client(aioredis, self.redis_url, self.redis_options)
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)

    async def _publish(self, data: messages.Message) -> Any:
        if _aioredis() is None:
            raise RuntimeError(MISSING_REDIS)
        payload = messages.encode(data, self.json)
        for retry in (True, False):
            try:
                if self.redis is None:
                    self._redis_connect()
                return await self.redis.publish(self.channel, payload)
            except (aioredis.RedisError, OSError) as exc:
                logger.error('Cannot publish to redis... ' + ('retrying' if retry else 'giving up'),
                             extra={'redis_exception': str(exc)})
        return None

    async def _redis_listen_with_retries(self) -> AsyncIterator[Dict[str, Any]]:
        """Yield the items of the subscription, reconnecting with a backoff."""
        backoff = Backoff()
        while True:
            pubsub = None
            try:
                self._redis_connect()
                pubsub = self.pubsub
                await pubsub.subscribe(self.channel)
                backoff.reset()
                async for item in pubsub.listen():
                    yield item
                error = 'subscription ended'
            except Exception as exc:
                error = str(exc)
            if pubsub is not None:
                try:
                    await pubsub.aclose() if hasattr(pubsub, 'aclose') else await pubsub.reset()
                except Exception:  # the connection is gone anyway
                    pass
            delay = backoff.next()
            logger.error('Cannot receive from redis... retrying in {} secs'.format(delay),
                         extra={'redis_exception': error})
            await asyncio.sleep(delay)

    async def _listen(self) -> AsyncIterator[Any]:
        channels = (self.channel, self.channel.encode('utf-8'))
        async for item in self._redis_listen_with_retries():
            if item.get('type') == 'message' and item.get('channel') in channels:
                yield item['data']


__all__ = ['AsyncRedisManager', '_parse_redis_url']
