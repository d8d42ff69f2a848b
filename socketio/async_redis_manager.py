"""Message-queue manager on Redis pub/sub for asyncio servers (``pip install
redis``; ``redis.asyncio`` is used)."""
# The source of socketio/redis_manager.py (scripts/unasync.py).  # async-only
from __future__ import annotations

import time
from typing import Any, AsyncIterator, Dict, Optional, Tuple  # noqa: F401
from urllib.parse import urlparse  # async-only

from . import pubsub_messages as messages
from .async_pubsub_manager import AsyncPubSubManager
from .pubsub_base import LAZY, Backoff, optional_import
from .redis_base import (  # noqa: F401
    DEFAULT_REDIS_OPTIONS,
    LISTENER_WAIT_MAX,
    MISSING_REDIS,
    REDIS_SCHEMES,
    RedisBase,
    check_redis_url,
    client_error,
    logger,
    parse_redis_sentinel_url,
    parse_sentinel_url,
    redis_client,
    unknown_command,
)

#: The asyncio client of the ``redis`` package, imported on first use (None
#: when not installed).
aioredis: Any = LAZY
#: The asyncio client of the ``valkey`` package, for ``valkey://`` URLs
#: (imported on first use; None when not installed).
aiovalkey: Any = LAZY


def _aioredis() -> Any:
    global aioredis
    if aioredis is LAZY:
        aioredis = optional_import('redis.asyncio')
    return aioredis


def _aiovalkey() -> Any:
    global aiovalkey
    if aiovalkey is LAZY:
        aiovalkey = optional_import('valkey.asyncio')
    return aiovalkey


def _parse_redis_url(url: str) -> Tuple[str, int, Optional[str], int, bool]:  # async-only
    """Split a ``redis://`` or ``rediss://`` URL into ``(host, port, password,
    db, ssl)`` (the 5.0.3 helper)."""
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
    Nothing connects at construction: the listener connects when the server
    starts and reconnects with a backoff (0.1 s doubling up to 0.5 s) when
    Redis goes away; a publish that fails is retried once on a new
    connection, then kept until Redis is back (see the base class).

    :param url: ``redis://``, ``rediss://``, ``unix://``, ``valkey://``,
        ``valkeys://`` (with valkey-py when it is installed, else redis-py),
        ``redis+sentinel://`` or ``valkey+sentinel://`` URL, or a Redis
        Cluster as ``redis+cluster://host1:port1,host2:port2`` (also
        ``rediss+cluster``, ``valkey+cluster``, ``valkeys+cluster``): sharded
        pub/sub on the node that owns the channel, subscribed again when
        the channel moves or the node fails.
    :param channel: the channel name shared by all the servers.
    :param write_only: only publish (for external emitters).
    :param logger: a logger for the manager.
    :param json: a JSON module for the messages.
    :param redis_options: keyword arguments for ``Redis.from_url()`` (for a
        cluster, for the cluster client and the node clients).
    :param options: ``secret``, ``max_buffered_messages`` and
        ``signature_window``, as in :class:`~socketio.AsyncPubSubManager`.
    """

    name = 'aioredis'
    broker_name = 'redis'
    _redis_module = staticmethod(_aioredis)
    _valkey_module = staticmethod(_aiovalkey)

    async def _publish(self, data: messages.Message) -> Any:
        module = self._required_module()
        payload = messages.encode(data, self.json)
        for retry in (True, False):
            try:
                if self.redis is None:
                    self._redis_connect()
                receivers = await self._publish_payload(module, payload)
                if isinstance(receivers, int) and not self._sending:
                    # not while an outage is being recovered: a publish that
                    # was under way when it began may land before the
                    # listeners are back, and count too few
                    self._listeners_seen = receivers
                return receivers
            except client_error(module):
                await self._reset_client()  # the next attempt connects again
                if not retry:
                    raise
        return None

    async def _publish_payload(self, module: Any, payload: str) -> Any:
        """PUBLISH, or SPUBLISH on a Redis Cluster that has it."""
        if not self._sharded:
            return await self.redis.publish(self.channel, payload)
        try:
            return await self.redis.spublish(self.channel, payload)
        except client_error(module) as exc:
            if not unknown_command(exc):
                raise
            self._sharded = False  # before Redis 7: PUBLISH reaches every node
            return await self.redis.publish(self.channel, payload)

    async def _broker_ready(self) -> bool:
        if self.redis is None:
            self._redis_connect()
        try:
            return bool(await self.redis.ping())
        except Exception:
            await self._reset_client()
            raise

    async def _reset_client(self) -> None:
        """Forget the client (the next use connects again); a cluster
        client, which holds a connection to each node, is closed."""
        client, self.redis = self.redis, None
        if client is not None and self.cluster:
            try:
                await client.aclose()
            except Exception:  # the connections are gone anyway
                pass

    async def _cluster_pubsub(self) -> Any:
        """A pub/sub object on the cluster node that owns the channel's
        slot, as a fresh look at the cluster's layout tells."""
        cluster = redis_client(self._required_module(), self.redis_url, self.redis_options)
        try:
            await cluster.initialize()  # async-only
            return self._node_pubsub(cluster)
        finally:
            await cluster.aclose()

    async def _wait_for_listeners(self) -> None:
        """Wait until the channel has as many subscribers as the last publish
        before the outage reached (or LISTENER_WAIT_MAX seconds)."""
        deadline = time.monotonic() + LISTENER_WAIT_MAX
        while time.monotonic() < deadline:
            if self._sharded:  # asked of the node that owns the channel's slot
                target = {'target_nodes': self.redis.get_node_from_key(self.channel)} \
                    if self.cluster else {}
                counts = await self.redis.pubsub_shardnumsub(self.channel, **target)
            else:
                counts = await self.redis.pubsub_numsub(self.channel)
            if counts and counts[0][1] >= self._listeners_seen:
                return
            await self._sleep(0.05)

    async def _redis_listen_with_retries(self) -> AsyncIterator[Dict[str, Any]]:
        """Yield the items of the subscription, reconnecting with a backoff."""
        backoff = Backoff()
        while True:
            pubsub = None
            try:
                if self.cluster:  # subscribe on the node that owns the channel's slot
                    self.pubsub = await self._cluster_pubsub()
                else:
                    self._redis_connect()
                pubsub = self.pubsub
                if self._sharded:
                    await pubsub.ssubscribe(self.channel)
                else:
                    await pubsub.subscribe(self.channel)
                backoff.recovered(self._get_logger(), self.broker_name)
                async for item in pubsub.listen():
                    yield item
                error = 'subscription ended'  # e.g. the channel's slot moved
            except Exception as exc:
                error = str(exc)
                if self._sharded and unknown_command(exc):
                    self._sharded = False  # before Redis 7: SUBSCRIBE on any node
            if pubsub is not None:
                try:
                    await pubsub.aclose() if hasattr(pubsub, 'aclose') else await pubsub.reset()
                except Exception:  # the connection is gone anyway
                    pass
            await self._sleep(backoff.failed(self._get_logger(), self.broker_name, error))

    async def _listen(self) -> AsyncIterator[Any]:
        async for item in self._redis_listen_with_retries():
            if self._is_channel_message(item):
                yield item['data']


__all__ = ['AsyncRedisManager']
