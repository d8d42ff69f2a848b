"""Class-based namespaces for the asyncio server and client.

The proxy methods are inherited: with an asyncio server or client they return
awaitables, so ``await self.emit(...)`` works. ``on_<event>`` methods may be
coroutines or plain functions.
"""
from . import namespace
from .base_namespace import async_trigger_event


class AsyncNamespace(namespace.Namespace):
    """Base class for class-based namespaces of :class:`socketio.AsyncServer`."""

    trigger_event = async_trigger_event  # type: ignore[assignment]

    def is_asyncio_based(self) -> bool:
        return True


class AsyncClientNamespace(namespace.ClientNamespace):
    """Base class for class-based namespaces of :class:`socketio.AsyncClient`."""

    trigger_event = async_trigger_event  # type: ignore[assignment]

    def is_asyncio_based(self) -> bool:
        return True


__all__ = ['AsyncNamespace', 'AsyncClientNamespace']
