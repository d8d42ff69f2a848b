"""Message-queue manager on Redis pub/sub for asyncio servers (``redis.asyncio``)."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, AsyncIterator, Dict, Optional, Tuple
from urllib.parse import urlparse

from .async_pubsub_manager import AsyncPubSubManager
from .pubsub_base import LAZY, Backoff, optional_import
from .redis_manager import RedisBase

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


class AsyncRedisManager(RedisBase, AsyncPubSubManager):
    """Redis based client manager for asyncio servers.

    Usage: ``socketio.AsyncServer(client_manager=socketio.AsyncRedisManager(url))``.
    Takes the same arguments, and follows the same URL, reconnection and
    publishing rules, as :class:`~socketio.RedisManager`.
    """

    name = 'aioredis'

    _redis_module = staticmethod(_aioredis)

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
        async for item in self._redis_listen_with_retries():
            if self._is_channel_message(item):
                yield item['data']


__all__ = ['AsyncRedisManager', '_parse_redis_url']
