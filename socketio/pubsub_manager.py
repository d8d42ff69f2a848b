"""Client manager base for several server processes sharing a message queue."""
from __future__ import annotations

from .manager import Manager
from .pubsub_base import Backoff, PubSubBase
from .trampoline import run


class PubSubManager(PubSubBase, Manager):
    """Manage a client list attached to a pub/sub backend.

    Servers sharing a channel see each other's clients: emits, disconnects,
    room changes and acknowledgements travel as JSON messages. Subclasses
    implement ``_publish(message)`` and ``_listen()``, a generator of raw
    messages (dicts, or JSON as str or bytes). Use ``write_only=True`` to emit
    from a process that is not a server.

    :param channel: the channel name on which the servers communicate.
    :param write_only: only publish, never listen.
    :param logger: a logger for the manager.
    :param json: a JSON module (the server's is used once attached).
    """

    name = 'pubsub'
    _run = staticmethod(run)

    def _thread(self) -> None:
        """The listener: handle every message of ``_listen()`` until it ends.

        If ``_listen()`` fails it is restarted after a backoff delay.
        """
        backoff = Backoff()
        while True:
            try:
                for raw in self._listen():
                    backoff.reset()
                    run(self._dispatch_flow(raw))
                return
            except Exception:
                delay = backoff.next()
                self._get_logger().exception('pubsub listener failed; restarting in %s secs',
                                             delay)
                self._sleep(delay)


__all__ = ['PubSubManager']
