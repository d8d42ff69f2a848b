"""What servers and clients have in common: handlers, tasks and acks."""
from __future__ import annotations

from typing import Any, Callable, Optional

from . import exceptions
from .payload import ack_value
from .trampoline import Flow, call


class Endpoint:
    """Base of every server and client class.

    Subclasses provide ``eio`` (the Engine.IO object), ``handlers`` and the
    flavour hooks ``_run`` and ``_wait_event``.
    """

    eio: Any
    handlers: dict

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

    def start_background_task(self, target: Callable[..., Any], *args: Any,
                              **kwargs: Any) -> Any:
        """Start a background task (a thread, greenlet or asyncio task)."""
        return self.eio.start_background_task(target, *args, **kwargs)

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
