"""What the PostgreSQL managers of both flavours share without I/O: URLs,
options, the SQL statements and the references to large messages.

Messages travel as ``NOTIFY`` payloads on a channel named after the manager's
channel. PostgreSQL refuses payloads of 8000 bytes or more, so a message
whose JSON is longer than ``notify_limit`` bytes is stored in a table
instead, and the ``NOTIFY`` carries only a reference to its row,
``{"ref": <id>}``; the listeners read the row. Storing the row and notifying
is one statement, so a reference never arrives before its row exists, and
references travel on the channel with the other messages, so the order is
kept. Rows older than ``large_message_ttl`` seconds are deleted by the same
statement each time a large message is stored: the table never holds more
than the large messages of that many seconds before the latest one.
"""
from __future__ import annotations

import json as stdjson
import logging
from typing import Any, Dict, Optional

from .pubsub_base import LAZY, check_monkey_patched, optional_import

logger = logging.getLogger('socketio')

#: URL schemes the PostgreSQL managers accept (libpq reads both).
POSTGRES_SCHEMES = ('postgresql', 'postgres')

#: Connection options applied unless ``postgres_options`` says otherwise: a
#: database that does not answer must never block a publishing server for
#: long, and a listening connection whose peer vanished (no TCP reset) is
#: found dead by TCP keepalives within about a minute.
DEFAULT_POSTGRES_OPTIONS: Dict[str, Any] = {
    'connect_timeout': 5, 'keepalives': 1, 'keepalives_idle': 30, 'keepalives_interval': 10,
    'keepalives_count': 3}

#: Largest JSON text, in bytes, sent in a ``NOTIFY`` itself (PostgreSQL's
#: limit is 8000 bytes); longer messages go through the table.
NOTIFY_LIMIT = 7000

#: Seconds a large message stays in the table (listeners that fall further
#: behind than this lose it, and log so).
LARGE_MESSAGE_TTL = 60

#: The table of the large messages, created on first use.
TABLE = 'socketio_messages'

#: Longest channel name PostgreSQL keeps (longer identifiers are truncated).
MAX_CHANNEL_BYTES = 63

REF_PREFIX = '{"ref": '

MISSING_POSTGRES = ('psycopg package is not installed (Run "pip install psycopg[binary]" in '
                    'your virtualenv).')

#: psycopg 3, imported on first use (None when not installed).
psycopg: Any = LAZY


def _psycopg() -> Any:
    """psycopg 3, or None when it is not installed."""
    global psycopg
    if psycopg is LAZY:
        psycopg = optional_import('psycopg')
    return psycopg


def check_postgres_url(url: str) -> str:
    """Return the scheme of a PostgreSQL URL; ValueError when it is not one."""
    scheme = url.split('://', 1)[0].lower() if '://' in url else ''
    if scheme not in POSTGRES_SCHEMES:
        raise ValueError('Unsupported PostgreSQL URL: ' + url)
    return scheme


def reference(payload: str) -> Optional[int]:
    """The row id a ``NOTIFY`` payload refers to, or None when the payload
    is a message itself."""
    if not payload.startswith(REF_PREFIX):
        return None
    try:
        value = stdjson.loads(payload)
    except ValueError:
        return None
    if not isinstance(value, dict) or len(value) != 1:
        return None
    ref = value.get('ref')
    return ref if isinstance(ref, int) and not isinstance(ref, bool) else None


class PostgresBase:
    """What the standard and asyncio PostgreSQL managers share: the URL,
    the connection options, the client library and the SQL."""

    _postgres_module: Any
    channel: str
    #: JSON texts longer than this many bytes are stored in the table.
    notify_limit = NOTIFY_LIMIT
    #: Seconds a large message is kept in the table.
    large_message_ttl = LARGE_MESSAGE_TTL

    def __init__(self, url: str = 'postgresql://localhost/postgres',
                 channel: str = 'socketio', write_only: bool = False,
                 logger: Optional[logging.Logger] = None, json: Any = None,
                 postgres_options: Optional[Dict[str, Any]] = None,
                 table: str = TABLE, **options: Any) -> None:
        check_postgres_url(url)
        if len(channel.encode('utf-8')) > MAX_CHANNEL_BYTES:
            raise ValueError(f'PostgreSQL channel names have at most {MAX_CHANNEL_BYTES} '
                             'bytes')
        self.postgres_url = url
        self.postgres_options = dict(DEFAULT_POSTGRES_OPTIONS, **(postgres_options or {}))
        self.table = table
        self.publisher: Any = None
        self.listener: Any = None
        self.fetcher: Any = None
        self._table_ready = False
        super().__init__(channel=channel, write_only=write_only,  # type: ignore[call-arg]
                         logger=logger, json=json, **options)

    def _required_module(self) -> Any:
        """psycopg; RuntimeError when it is not installed."""
        module = self._postgres_module()
        if module is None:
            raise RuntimeError(MISSING_POSTGRES)
        return module

    def initialize(self) -> None:
        """Check that psycopg is installed and the async mode is supported, then start listening."""
        self._required_module()
        server = getattr(self, 'server', None)
        if getattr(server, 'async_mode', None) == 'eventlet':
            raise RuntimeError('psycopg does not support eventlet; use the threading or '
                               'gevent mode')
        check_monkey_patched(server, 'PostgreSQL')
        super().initialize()  # type: ignore[misc]

    def _connect_options(self) -> Dict[str, Any]:
        return dict(self.postgres_options, autocommit=True)

    # -- SQL (``module`` is psycopg) ------------------------------------------------
    def _table_sql(self, module: Any) -> Any:
        return module.sql.Identifier(*self.table.split('.'))

    def _listen_sql(self, module: Any) -> Any:
        return module.sql.SQL('LISTEN {}').format(module.sql.Identifier(self.channel))

    def _create_table_sql(self, module: Any) -> Any:
        return module.sql.SQL(
            'CREATE TABLE IF NOT EXISTS {} (id bigserial PRIMARY KEY, channel text NOT NULL, '
            'created timestamptz NOT NULL DEFAULT now(), body text NOT NULL)'
        ).format(self._table_sql(module))

    def _store_sql(self, module: Any) -> Any:
        """Delete the expired rows, store a large message and notify its
        reference, in one statement. Parameters: the TTL in seconds, the
        channel, the JSON text."""
        return module.sql.SQL(
            'WITH expired AS (DELETE FROM {table} WHERE created < now() - %s * '
            "interval '1 second'), "
            'stored AS (INSERT INTO {table} (channel, body) VALUES (%s, %s) RETURNING id, '
            'channel) '
            "SELECT pg_notify(channel, '{{\"ref\": ' || id || '}}') FROM stored"
        ).format(table=self._table_sql(module))

    def _fetch_sql(self, module: Any) -> Any:
        return module.sql.SQL('SELECT body FROM {} WHERE id = %s AND channel = %s').format(
            self._table_sql(module))

    def _store_params(self, payload: str) -> Any:
        return (self.large_message_ttl, self.channel, payload)

    def _is_large(self, payload: str) -> bool:
        return len(payload.encode('utf-8')) > self.notify_limit
