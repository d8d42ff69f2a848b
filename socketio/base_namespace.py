"""Class-based namespaces: what the server and client namespace classes of
both flavours share (the methods that do not send or wait).

The rest is in ``async_namespace.py`` (written for asyncio) and
``namespace.py`` (generated from it).
"""
from __future__ import annotations

from typing import Any


class BaseNamespace:
    """Common base of server and client namespace classes."""

    def __init__(self, namespace: str | None = None) -> None:
        self.namespace = namespace or '/'

    def is_asyncio_based(self) -> bool:
        """Tell whether this namespace is for an asyncio server or client."""
        return False


class BaseServerNamespace(BaseNamespace):
    """Server-side namespace: methods that act on this namespace by default."""

    def __init__(self, namespace: str | None = None) -> None:
        super().__init__(namespace=namespace)
        self.server: Any = None

    def _set_server(self, server: Any) -> None:
        self.server = server

    def rooms(self, sid: str, namespace: str | None = None) -> Any:
        """Return the rooms a client is in."""
        return self.server.rooms(sid, namespace=namespace or self.namespace)

    def session(self, sid: str, namespace: str | None = None) -> Any:
        """Context manager giving access to a client's user session."""
        return self.server.session(sid, namespace=namespace or self.namespace)

    def is_recovered(self, sid: str, namespace: str | None = None) -> bool:
        """Tell whether a client recovered its session (see
        :meth:`socketio.Server.is_recovered`)."""
        return self.server.is_recovered(sid, namespace=namespace or self.namespace)


class BaseClientNamespace(BaseNamespace):
    """Client-side namespace: methods that act on this namespace by default."""

    def __init__(self, namespace: str | None = None) -> None:
        super().__init__(namespace=namespace)
        self.client: Any = None

    def _set_client(self, client: Any) -> None:
        self.client = client
