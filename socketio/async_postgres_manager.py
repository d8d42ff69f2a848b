"""Message-queue manager on PostgreSQL LISTEN/NOTIFY for asyncio servers
(``pip install psycopg[binary]``; ``psycopg.AsyncConnection`` is used)."""
# The source of socketio/postgres_manager.py (scripts/unasync.py).  # async-only
from __future__ import annotations

from typing import Any, AsyncIterator, Optional

from . import pubsub_messages as messages
from .async_primitives import close_quietly
from .async_pubsub_manager import AsyncPubSubManager
from .postgres_base import (  # noqa: F401
    DEFAULT_POSTGRES_OPTIONS,
    LARGE_MESSAGE_TTL,
    MISSING_POSTGRES,
    NOTIFY_LIMIT,
    TABLE,
    PostgresBase,
    _psycopg,
    check_postgres_url,
    reference,
)
from .pubsub_base import Backoff


class AsyncPostgresManager(PostgresBase, AsyncPubSubManager):
    """PostgreSQL based client manager for asyncio servers.

    Usage: ``socketio.AsyncServer(client_manager=socketio.AsyncPostgresManager(url))``.
    Messages are ``NOTIFY`` payloads on a PostgreSQL channel named after the
    channel (like Redis pub/sub, a server misses what is published while it
    is disconnected). A message longer than ``notify_limit`` bytes (7000) is
    stored in ``table`` for ``large_message_ttl`` seconds (60) and the
    ``NOTIFY`` carries its row id; the listeners read the row, in order with
    the other messages. Connections are in autocommit mode. Nothing connects
    at construction: the listener connects when the server starts and
    reconnects with a backoff when the database goes away; a publish raises
    when it cannot be sent.

    :param url: ``postgresql://[user[:password]@]host[:port]/database`` (or
        ``postgres://``), with libpq's query parameters if needed.
    :param channel: the channel name shared by all the servers (at most 63
        bytes).
    :param write_only: only publish (for external emitters).
    :param logger: a logger for the manager.
    :param json: a JSON module for the messages.
    :param postgres_options: keyword arguments for ``psycopg.AsyncConnection.connect()``.
    :param table: the table of the large messages (created on first use).
    :param options: the other arguments of
        :class:`~socketio.async_pubsub_manager.AsyncPubSubManager`.
    """

    name = 'aiopostgres'
    broker_name = 'postgres'
    _postgres_module = staticmethod(_psycopg)

    async def _connect(self) -> Any:
        """A new autocommit connection to the database."""
        return await self._required_module().AsyncConnection.connect(
            self.postgres_url, **self._connect_options())

    async def _publisher(self) -> Any:
        """The publishing connection, made on first use."""
        if self.publisher is None:
            connection = await self._connect()
            if self.publisher is None:
                self.publisher = connection
            else:  # another publish connected meanwhile: use its connection
                await close_quietly(connection)
        return self.publisher

    async def _broker_ready(self) -> bool:
        """Whether the database can be reached (the publishing connection is
        made)."""
        await self._publisher()
        return True

    async def _publish(self, data: messages.Message) -> Any:
        payload = messages.encode(data, self.json)
        connection = None
        try:
            connection = await self._publisher()
            if self._is_large(payload):
                await self._publish_large(connection, payload)
            else:
                await connection.execute('SELECT pg_notify(%s, %s)', (self.channel, payload))
        except Exception:
            self._table_ready = False
            if connection is not None and connection is self.publisher:
                self.publisher = None
            await close_quietly(connection)
            raise
        return None

    async def _publish_large(self, connection: Any, payload: str) -> None:
        """Store a message too long for a ``NOTIFY`` and notify its row id."""
        module = self._required_module()
        if not self._table_ready:
            try:
                await connection.execute(self._create_table_sql(module))
            except (module.errors.UniqueViolation, module.errors.DuplicateTable):
                pass  # another process created it at the same moment
            self._table_ready = True
        await connection.execute(self._store_sql(module), self._store_params(payload))

    async def _fetch(self, ref: int) -> Optional[str]:
        """The JSON text of the large message stored in row ``ref``."""
        module = self._required_module()
        if self.fetcher is None:
            self.fetcher = await self._connect()
        try:
            cursor = await self.fetcher.execute(self._fetch_sql(module), (ref, self.channel))
            row = await cursor.fetchone()
        except module.errors.UndefinedTable:  # no large message was ever stored
            row = None
        if row is None:
            self._get_logger().warning(
                'Large pubsub message %s not found (messages are kept %s secs); skipped',
                ref, self.large_message_ttl)
            return None
        return row[0]

    async def _listen(self) -> AsyncIterator[Any]:
        backoff = Backoff()
        while True:
            try:
                self.listener = await self._connect()
                await self.listener.execute(self._listen_sql(self._required_module()))
                backoff.recovered(self._get_logger(), self.broker_name)
                async for notify in self.listener.notifies():
                    ref = reference(notify.payload)
                    if ref is None:
                        yield notify.payload
                        continue
                    body = await self._fetch(ref)
                    if body is not None:
                        yield body
                error = 'notifications ended'
            except Exception as exc:
                error = ' '.join(str(exc).split()) or type(exc).__name__
            listener, self.listener = self.listener, None
            fetcher, self.fetcher = self.fetcher, None
            await close_quietly(listener)
            await close_quietly(fetcher)
            await self._sleep(backoff.failed(self._get_logger(), self.broker_name, error))


__all__ = ['AsyncPostgresManager']
