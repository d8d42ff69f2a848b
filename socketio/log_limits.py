"""Logging that one peer cannot flood: a finding repeated by one connection
(or one broker) is logged once in full, then only counted.

The next line for the same finding comes when it happens again after
``interval`` seconds, and says how many were not logged meanwhile; when the
connection ends, a last line reports what was left uncounted.
"""
from __future__ import annotations

import logging
import sys
import threading
import time
from typing import Any, Dict, Hashable, List

#: Seconds between two lines about the same finding of the same connection.
INTERVAL = 60.0
#: Connections whose findings are remembered at most (the oldest are forgotten).
MAX_SOURCES = 10_000
#: Kinds of findings remembered per connection; more share one count.
MAX_KINDS = 32
_EXCEPTION_FRAMES = 1 if sys.version_info < (3, 11) else 0


class RepeatedLog:
    """Rate-limited logging of findings, per source (a sid, a broker) and kind."""

    def __init__(self, interval: float = INTERVAL, max_sources: int = MAX_SOURCES) -> None:
        self.interval = interval
        self.max_sources = max_sources
        # source -> kind -> [time of the next full line, findings not logged]
        self._seen: Dict[Hashable, Dict[str, List[Any]]] = {}
        self._lock = threading.Lock()

    def log(self, logger: logging.Logger, level: int, source: Hashable, kind: str,
            message: str, *args: Any, exc_info: bool = False, stacklevel: int = 2) -> None:
        """Log ``message % args`` unless ``source`` reported ``kind`` less than
        ``interval`` seconds ago; then only count it.

        The line goes through the logger's method of that level
        (``warning``, ``error``, or ``exception`` with ``exc_info``), as an
        unlimited line would.
        """
        now = time.monotonic()
        with self._lock:
            kinds = self._seen.get(source)
            if kinds is None:
                if len(self._seen) >= self.max_sources:
                    self._seen.pop(next(iter(self._seen)))  # the oldest source
                kinds = self._seen[source] = {}
            if kind not in kinds and len(kinds) >= MAX_KINDS - 1:
                kind = 'other findings'
            entry = kinds.get(kind)
            if entry is not None and now < entry[0]:
                entry[1] += 1
                return
            skipped = entry[1] if entry is not None else 0
            kinds[kind] = [now + self.interval, 0]
        if skipped:
            message += ' (and %d more like this from %s, not logged)'
            args += (skipped, source)
        # the record names the caller's line, not this one
        if exc_info:
            # before 3.11, Logger.exception adds a frame of its own
            logger.exception(message, *args, stacklevel=stacklevel + _EXCEPTION_FRAMES)
        elif level >= logging.ERROR:
            logger.error(message, *args, stacklevel=stacklevel)
        elif level >= logging.WARNING:
            logger.warning(message, *args, stacklevel=stacklevel)
        else:
            logger.info(message, *args, stacklevel=stacklevel)

    def forget(self, logger: logging.Logger, source: Hashable) -> None:
        """The source is gone: report what was only counted, then forget it."""
        with self._lock:
            kinds = self._seen.pop(source, None)
        for kind, (_, skipped) in (kinds or {}).items():
            if skipped:
                logger.warning('%d more findings of "%s" from %s were not logged',
                               skipped, kind, source)
