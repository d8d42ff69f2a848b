"""What servers and clients of both flavours have in common: handler
registration and lookup, background tasks."""
from __future__ import annotations

import asyncio
from typing import Any, Callable, Optional, Set, Tuple

#: asyncio tasks started by :meth:`Endpoint.start_background_task` or the
#: servers' handler dispatch, held until they end (see :func:`hold_task`)
_running_tasks: Set[Any] = set()

#: hold_task() drops finished tasks when the set reaches this size
_prune_at = _PRUNE_FLOOR = 256


def hold_task(task: Any) -> Any:
    """Keep a reference to ``task`` until it is done.

    Finished tasks are dropped in batches, whenever the set has doubled since
    the last sweep: far cheaper than a done callback per task (which costs a
    turn of the event loop), at the price of keeping a few hundred finished
    tasks a little longer.
    """
    _running_tasks.add(task)
    if len(_running_tasks) >= _prune_at:
        drop_finished_tasks()
    return task


def drop_finished_tasks() -> None:
    """Forget the held tasks that are done."""
    global _prune_at
    _running_tasks.difference_update([t for t in _running_tasks if t.done()])
    _prune_at = max(_PRUNE_FLOOR, 2 * len(_running_tasks))


class BaseEndpoint:
    """Base of every server and client class.

    Subclasses provide ``eio`` (the Engine.IO object), ``handlers``,
    ``namespace_handlers`` and ``not_handled``.
    """

    eio: Any
    handlers: dict
    namespace_handlers: dict
    not_handled: object
    reserved_events: Tuple[str, ...] = ()
    _star_namespace_fallback_only = False

    def on(self, event: str, handler: Optional[Callable[..., Any]] = None,
           namespace: Optional[str] = None) -> Any:
        """Register an event handler, directly or as a decorator.

        ``event`` may be ``'*'`` (every event) and ``namespace`` may be
        ``'*'`` (every namespace); catch-all handlers receive the event name
        and/or namespace name first.
        """
        namespace = namespace or '/'

        def set_handler(handler: Callable[..., Any]) -> Callable[..., Any]:
            self.handlers.setdefault(namespace, {})[event] = handler
            return handler

        if handler is None:
            return set_handler
        set_handler(handler)
        return None

    def event(self, *args: Any, **kwargs: Any) -> Any:
        """Decorator registering a handler under the function's name."""
        if len(args) == 1 and not kwargs and callable(args[0]):
            return self.on(args[0].__name__)(args[0])

        def set_handler(handler: Callable[..., Any]) -> Callable[..., Any]:
            return self.on(handler.__name__, *args, **kwargs)(handler)

        return set_handler

    def is_asyncio_based(self) -> bool:
        """Tell whether this is an asyncio server or client."""
        return False

    def _check_namespace_handler(self, handler: Any, base_class: Any, what: str) -> None:
        if not isinstance(handler, base_class):
            raise ValueError('Not a namespace instance')
        if self.is_asyncio_based() != handler.is_asyncio_based():
            raise ValueError(f'Not a valid namespace class for this {what}')

    def start_background_task(self, target: Callable[..., Any], *args: Any,
                              **kwargs: Any) -> Any:
        """Start a background task (a thread, greenlet or asyncio task).

        An asyncio task is referenced until it ends: the event loop keeps
        only weak references, so a task awaiting something that nothing else
        holds could otherwise be garbage collected mid-way.
        """
        task = self.eio.start_background_task(target, *args, **kwargs)
        if isinstance(task, asyncio.Future):
            hold_task(task)
        return task

    def _get_event_handler(self, event: str, namespace: str,
                           args: Tuple[Any, ...]) -> Tuple[Any, Tuple[Any, ...]]:
        """Find the handler for an event and the arguments it takes.

        Order: the namespace's handler for the event, the namespace's ``'*'``
        handler, the ``'*'`` namespace's handler for the event, the
        ``'*'``/``'*'`` handler, then class-based namespaces (the exact one,
        then ``'*'``). Catch-all event handlers get the event name first and
        catch-all namespace handlers the namespace name; reserved events
        never reach a ``'*'`` event handler.
        """
        handlers = self.handlers.get(namespace)
        if handlers and event in handlers:
            return handlers[event], args  # the usual case
        catch_all = event not in self.reserved_events
        if handlers:
            if catch_all and '*' in handlers:
                return handlers['*'], (event,) + args
        any_ns = self.handlers.get('*')
        if any_ns and not (handlers and self._star_namespace_fallback_only):
            if event in any_ns:
                return any_ns[event], (namespace,) + args
            if catch_all and '*' in any_ns:
                return any_ns['*'], (event, namespace) + args
        return self._class_handler(event, namespace, args)

    def _class_handler(self, event: str, namespace: str,
                       args: Tuple[Any, ...]) -> Tuple[Any, Tuple[Any, ...]]:
        """Dispatch to a class-based namespace: the exact one, else ``'*'``."""
        ns_handler = self.namespace_handlers.get(namespace)
        if ns_handler is not None:
            return ns_handler.trigger_event, (event,) + args
        ns_handler = self.namespace_handlers.get('*')
        if ns_handler is not None:
            return ns_handler.trigger_event, (event, namespace) + args
        return None, args
