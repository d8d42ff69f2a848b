"""What the Redis managers of both flavours share without I/O: URLs, the
client object, the subscription's messages.

A Redis Cluster (``redis+cluster://host1:port1,host2:port2``) is reached
through the cluster client of redis-py (valkey-py's when redis-py is not
installed): messages are published with ``SPUBLISH`` and received with
``SSUBSCRIBE`` on the node that owns the channel's slot (Redis 7 and later,
Valkey), or with ``PUBLISH``/``SUBSCRIBE`` on older servers.
"""
from __future__ import annotations

import logging
import sys
from typing import Any, Callable, Dict, List, Optional, Tuple, Type
from urllib.parse import unquote, urlparse

from .pubsub_base import check_monkey_patched

logger = logging.getLogger('socketio')

#: URL schemes the Redis managers accept (Valkey speaks the same protocol).
REDIS_SCHEMES = ('redis', 'rediss', 'unix', 'valkey', 'valkeys', 'redis+sentinel',
                 'valkey+sentinel', 'redis+cluster', 'rediss+cluster', 'valkey+cluster',
                 'valkeys+cluster')

#: Connection options applied unless ``redis_options`` says otherwise: a dead
#: broker must never block a publishing server for long.
DEFAULT_REDIS_OPTIONS: Dict[str, Any] = {'socket_connect_timeout': 5}

#: Seconds a publisher back from an outage waits at most for the channel's
#: listeners to subscribe again (as many as its last publish reached).
LISTENER_WAIT_MAX = 5.0

MISSING_REDIS = 'Redis package is not installed (Run "pip install redis" in your virtualenv).'


def check_redis_url(url: str) -> str:
    """Return the scheme of a Redis URL; ValueError when it is not supported."""
    scheme = url.split('://', 1)[0].lower() if '://' in url else ''
    if scheme not in REDIS_SCHEMES:
        raise ValueError('Unsupported Redis URL scheme: ' + (scheme or url))
    return scheme


def _hosts_and_credentials(netloc: str, default_port: int
                           ) -> Tuple[List[Tuple[str, int]], Dict[str, Any]]:
    """Split ``[[user]:password@]h1:p1,h2:p2`` into ``[(host, port), ...]``
    and the ``username``/``password`` keyword arguments."""
    kwargs: Dict[str, Any] = {}
    if '@' in netloc:
        credentials, netloc = netloc.rsplit('@', 1)
        username, _, password = credentials.partition(':')
        if username:
            kwargs['username'] = unquote(username)
        if password:
            kwargs['password'] = unquote(password)
    hosts = []
    for host_port in netloc.split(','):
        host, _, port = host_port.rpartition(':') if ':' in host_port else (host_port, '', '')
        hosts.append((host or 'localhost', int(port or default_port)))
    return hosts, kwargs


def parse_sentinel_url(url: str) -> Tuple[List[Tuple[str, int]], str, Dict[str, Any]]:
    """Split ``redis+sentinel://[[user]:password@]h1:p1,h2:p2/db/service``.

    Returns ``(sentinels, service_name, connection_kwargs)``.
    """
    parsed = urlparse(url)
    sentinels, kwargs = _hosts_and_credentials(parsed.netloc, 26379)
    parts = [part for part in parsed.path.split('/') if part]
    if parts and parts[0].isdigit():
        kwargs['db'] = int(parts.pop(0))
    service = parts[0] if parts else 'mymaster'
    return sentinels, service, kwargs


#: python-socketio's name of the Sentinel URL parser
parse_redis_sentinel_url = parse_sentinel_url


def is_cluster_url(url: str) -> bool:
    """Tell whether ``url`` names a Redis Cluster."""
    return url.split('://', 1)[0].lower().endswith('+cluster')


def parse_cluster_url(url: str) -> Tuple[List[Tuple[str, int]], Dict[str, Any]]:
    """Split ``redis+cluster://[[user]:password@]h1:p1,h2:p2[/]`` (also
    ``rediss+cluster`` for TLS and the ``valkey`` spellings; the port
    defaults to 6379).

    Returns ``(startup_nodes, connection_kwargs)``.
    """
    scheme, _, rest = url.partition('://')
    nodes, kwargs = _hosts_and_credentials(rest.split('/', 1)[0].split('?', 1)[0], 6379)
    if scheme.lower().startswith(('rediss', 'valkeys')):
        kwargs['ssl'] = True
    return nodes, kwargs


def cluster_client(module: Any, url: str, options: Dict[str, Any]) -> Any:
    """A cluster client of ``module`` (redis-py or valkey-py, standard or
    asyncio) for a ``+cluster`` URL; nothing connects yet with asyncio."""
    nodes, kwargs = parse_cluster_url(url)
    cluster = module.cluster
    cls = cluster.ValkeyCluster if is_valkey_module(module) else cluster.RedisCluster
    return cls(startup_nodes=[cluster.ClusterNode(host, port) for host, port in nodes],
               **dict(DEFAULT_REDIS_OPTIONS, **kwargs, **options))


def node_client(module: Any, url: str, host: str, port: int,
                options: Dict[str, Any]) -> Any:
    """A plain client of one node of the cluster of ``url``."""
    _, kwargs = parse_cluster_url(url)
    cls = module.Valkey if is_valkey_module(module) else module.Redis
    return cls(host=host, port=port, **dict(DEFAULT_REDIS_OPTIONS, **kwargs, **options))


def unknown_command(exc: BaseException) -> bool:
    """Tell whether a server refused a command it does not know (sharded
    pub/sub before Redis 7)."""
    return 'unknown command' in str(exc).lower()


def is_valkey_module(module: Any) -> bool:
    """Tell whether ``module`` is valkey-py (or its asyncio client)."""
    return getattr(module, '__name__', '').split('.')[0] == 'valkey'


def client_error(module: Any) -> Tuple[Type[BaseException], ...]:
    """The base classes of the errors of a redis-py or valkey-py client
    (its cluster client's too), and OSError."""
    valkey = is_valkey_module(module)
    base = module.ValkeyError if valkey else module.RedisError
    exceptions = sys.modules.get(getattr(base, '__module__', ''))
    cluster = getattr(exceptions, 'ValkeyClusterException' if valkey
                      else 'RedisClusterException', None)
    return (base, cluster, OSError) if cluster is not None else (base, OSError)


def redis_client(module: Any, url: str, options: Dict[str, Any]) -> Any:
    """Create a client of ``module`` (redis-py or valkey-py, standard or
    asyncio) for any supported URL."""
    scheme = check_redis_url(url)
    if scheme.endswith('+cluster'):
        return cluster_client(module, url, options)
    options = dict(DEFAULT_REDIS_OPTIONS, **options)
    if scheme.endswith('+sentinel'):
        sentinels, service, kwargs = parse_sentinel_url(url)
        sentinel_kwargs = {k: v for k, v in kwargs.items() if k != 'db'}
        sentinel = module.sentinel.Sentinel(sentinels, sentinel_kwargs=sentinel_kwargs,
                                            **options)
        return sentinel.master_for(service, **kwargs)
    if is_valkey_module(module):
        return module.Valkey.from_url(url, **options)
    if scheme.startswith('valkey'):
        url = 'redis' + url[len('valkey'):]
    return module.Redis.from_url(url, **options)


class RedisBase:
    """What the standard and asyncio Redis managers share: the URL, the
    client library and the client object."""

    _redis_module: Callable[[], Any]
    _valkey_module: Callable[[], Any]

    def __init__(self, url: str = 'redis://localhost:6379/0', channel: str = 'socketio',
                 write_only: bool = False, logger: Optional[logging.Logger] = None,
                 json: Any = None, redis_options: Optional[Dict[str, Any]] = None,
                 **options: Any) -> None:
        if isinstance(json, dict) and redis_options is None:  # 5.0.3 argument order
            json, redis_options = None, json
        check_redis_url(url)
        self.redis_url = url
        self.redis_options = redis_options or {}
        self.redis: Any = None
        self.pubsub: Any = None
        self._listeners_seen = 0  # subscribers the last publish reached
        #: a Redis Cluster URL; then whether it has sharded pub/sub (None:
        #: not known yet)
        self.cluster = is_cluster_url(url)
        self._sharded: Optional[bool] = True if self.cluster else False
        super().__init__(channel=channel, write_only=write_only,  # type: ignore[call-arg]
                         logger=logger, json=json, **options)

    def _required_module(self) -> Any:
        """The client library: valkey-py for a ``valkey`` URL when it is
        installed, else redis-py (for a cluster: redis-py, else valkey-py,
        whose asyncio cluster client has no sharded pub/sub)."""
        if self.cluster:
            module = self._redis_module() or self._valkey_module()
            if module is None:
                raise RuntimeError(MISSING_REDIS)
            return module
        if self.redis_url.startswith('valkey'):
            module = self._valkey_module()
            if module is not None:
                return module
        module = self._redis_module()
        if module is None:
            raise RuntimeError(MISSING_REDIS)
        return module

    def initialize(self) -> None:
        """Check that the Redis client is installed and sockets patched, then listen."""
        self._required_module()
        check_monkey_patched(getattr(self, 'server', None), 'Redis')
        super().initialize()  # type: ignore[misc]

    def _redis_connect(self) -> None:
        """(Re)create the Redis client and its pub/sub object (no I/O yet;
        for a cluster the standard client reads the cluster's layout, and
        the pub/sub object is made by the listener, on the channel's node)."""
        self.redis = redis_client(self._required_module(), self.redis_url, self.redis_options)
        if not self.cluster:
            self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)

    def _node_pubsub(self, cluster: Any) -> Any:
        """A pub/sub object on the node that owns the channel's slot in the
        layout ``cluster`` (a cluster client) knows."""
        node = cluster.get_node_from_key(self.channel)  # type: ignore[attr-defined]
        client = node_client(self._required_module(), self.redis_url, node.host, node.port,
                             self.redis_options)
        return client.pubsub(ignore_subscribe_messages=True)

    def _is_channel_message(self, item: Dict[str, Any]) -> bool:
        return item.get('type') in ('message', 'smessage') and \
            item.get('channel') in (self.channel, self.channel.encode('utf-8'))  # type: ignore
