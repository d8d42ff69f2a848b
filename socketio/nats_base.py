"""What the NATS managers of both flavours share without I/O: URLs, options,
the client library (nats-py, an asyncio library) and its blocking view for
the standard flavour."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Union

from .pubsub_base import LAZY, optional_import

logger = logging.getLogger('socketio')

#: URL schemes nats-py connects to.
NATS_SCHEMES = ('nats', 'tls', 'ws', 'wss')

#: Client options applied unless ``nats_options`` says otherwise. The
#: managers reconnect themselves (the listener with a backoff; a failed
#: publish raises, so that the base class keeps the message until the broker
#: is back), so the client's own reconnection and its hidden buffer are off,
#: and a connection attempt gives up after two tries of each server (nats-py
#: would otherwise try for minutes). A connection that stops answering is
#: found dead after two unanswered pings, 20 s apart.
DEFAULT_NATS_OPTIONS: Dict[str, Any] = {
    'connect_timeout': 5, 'allow_reconnect': False, 'max_reconnect_attempts': 1,
    'reconnect_time_wait': 0, 'ping_interval': 20, 'max_outstanding_pings': 2}

#: Seconds a publish waits for the server to confirm it got the message.
FLUSH_TIMEOUT = 5

MISSING_NATS = 'nats-py package is not installed (Run "pip install nats-py" in your virtualenv).'

#: nats-py (the ``nats`` package), imported on first use (None when not installed).
nats: Any = LAZY


def _aionats() -> Any:
    """nats-py, or None when it is not installed."""
    global nats
    if nats is LAZY:
        nats = optional_import('nats')
    return nats


def _blocking_nats() -> Any:
    """A blocking view of nats-py whose coroutines run on a private event
    loop thread (see :mod:`socketio.loop_thread`), or None when it is not
    installed."""
    module = _aionats()
    if module is None:
        return None
    from .loop_thread import blocking
    return blocking(module, 'nats')


def check_nats_urls(url: Union[str, List[str]]) -> List[str]:
    """Return the server URLs of ``url`` (one URL or a list of them);
    ValueError when one is not a NATS URL."""
    urls = [url] if isinstance(url, str) else list(url)
    if not urls:
        raise ValueError('No NATS server URL given')
    for one in urls:
        scheme = one.split('://', 1)[0].lower() if '://' in one else ''
        if scheme not in NATS_SCHEMES:
            raise ValueError('Unsupported NATS URL: ' + one)
    return urls


def check_subject(channel: str) -> None:
    """ValueError when ``channel`` cannot be a NATS subject to publish on
    (empty tokens, white space or wildcards)."""
    tokens = channel.split('.')
    if any(not token or token in ('*', '>') or any(c.isspace() for c in token)
           for token in tokens):
        raise ValueError(f'Invalid NATS subject for a channel: {channel!r}')


async def _nats_error(exc: Exception) -> None:
    """nats-py's error callback: the managers log the failures themselves
    (one line each), so nats-py's own report only goes to the debug log."""
    logger.debug('nats: %s', exc)


class NatsBase:
    """What the standard and asyncio NATS managers share: the server URLs,
    the client options and the client library."""

    _nats_module: Any

    def __init__(self, url: Union[str, List[str]] = 'nats://localhost:4222',
                 channel: str = 'socketio', write_only: bool = False,
                 logger: Optional[logging.Logger] = None, json: Any = None,
                 nats_options: Optional[Dict[str, Any]] = None, **options: Any) -> None:
        self.nats_urls = check_nats_urls(url)
        check_subject(channel)
        self.nats_url = self.nats_urls[0]
        self.nats_options = dict(DEFAULT_NATS_OPTIONS, error_cb=_nats_error,
                                 **(nats_options or {}))
        self.publisher: Any = None
        self.listener: Any = None
        super().__init__(channel=channel, write_only=write_only,  # type: ignore[call-arg]
                         logger=logger, json=json, **options)

    def _required_module(self) -> Any:
        """The client library (for the standard flavour, its blocking view);
        RuntimeError when nats-py is not installed."""
        module = self._nats_module()
        if module is None:
            raise RuntimeError(MISSING_NATS)
        return module

    def initialize(self) -> None:
        """Check that nats-py is installed and the async mode is supported, then start listening."""
        self._required_module()
        server = getattr(self, 'server', None)
        if self._nats_module is _blocking_nats and \
                (getattr(server, 'async_mode', None) or '').startswith(('eventlet', 'gevent')):
            raise RuntimeError('NatsManager runs nats-py on an event loop thread and does not '
                               'support eventlet or gevent; use the threading mode')
        super().initialize()  # type: ignore[misc]

    def _nats_connect_options(self) -> Dict[str, Any]:
        return dict(self.nats_options, servers=self.nats_urls)
