"""Class-based namespaces for :class:`socketio.Server` and :class:`socketio.Client`."""
from .base_namespace import BaseClientNamespace, BaseNamespace, BaseServerNamespace


class Namespace(BaseServerNamespace):
    """Base class for class-based server namespaces.

    Events are dispatched to methods named ``on_<event>``; for example the
    ``connect`` event calls ``on_connect(sid, environ[, auth])``.
    """


class ClientNamespace(BaseClientNamespace):
    """Base class for class-based client namespaces."""


__all__ = ['BaseNamespace', 'Namespace', 'ClientNamespace']
