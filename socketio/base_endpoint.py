"""What servers and clients have in common: handlers, tasks and acks."""
from __future__ import annotations

import asyncio
from typing import Any, Callable, Optional, Set, Tuple

from . import exceptions
from .flow_compiler import NativeFlowShells
from .payload import ack_value
from .trampoline import Flow, call, flow_method

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


class Endpoint(NativeFlowShells):
    """Base of every server and client class.

    Subclasses provide ``eio`` (the Engine.IO object), ``handlers`` and the
    flavour hooks ``_run`` and ``_wait_event``.
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
        return False

    def _check_namespace_handler(self, handler: Any, base_class: type, what: str) -> None:
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

    def sleep(self, seconds: float = 0) -> Any:
        """Sleep in the way the async mode wants (awaitable on asyncio)."""
        return self.eio.sleep(seconds)

    @staticmethod
    def _run(flow: Flow) -> Any:  # pragma: no cover - set by each flavour
        raise NotImplementedError

    @staticmethod
    def _wait_event(event: Any, timeout: Any) -> Any:  # pragma: no cover
        raise NotImplementedError

    def _await_ack_flow(self, emit: Callable[[Callable[..., None]], Any],
                  timeout: Optional[float]) -> Flow:
        """Emit with a callback, wait for the acknowledgement, return its value."""
        answered = self.eio.create_event()
        answers = []

        def on_ack(*args: Any) -> None:
            answers.append(args)
            answered.set()

        yield call(emit, on_ack)
        if not (yield call(self._wait_event, answered, timeout)):
            raise exceptions.TimeoutError()
        return ack_value(answers[0])

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

    @flow_method
    def _trigger_event(self, event: str, namespace: str, *args: Any) -> Flow:
        handler, args = self._get_event_handler(event, namespace, args)
        if handler is None:
            return self.not_handled
        try:
            return (yield call(handler, *args))
        except TypeError:
            if event != 'disconnect':
                raise
            return (yield call(handler, *args[:-1]))  # handler without ``reason``
