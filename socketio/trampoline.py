"""Drivers for the generator-based flows shared by the sync and asyncio classes.

Protocol logic (connect, disconnect, events, acks, reconnection, ...) is written
once, as generator methods that never block nor await. Whenever a flow needs
something done that may block or need awaiting (sending a packet, calling an
application handler, waiting for an event), it yields ``call(fn, *args)`` and
receives the result back. :func:`run` drives a flow in the calling thread;
:func:`run_async` drives it in a coroutine and awaits every awaitable result.
Exceptions raised by ``fn`` are thrown back into the flow at the ``yield``.
"""
from __future__ import annotations

import asyncio
import functools
import inspect
from types import CoroutineType, MethodType
from typing import Any, Callable, Dict, Generator, Sequence, Tuple

Step = Tuple[Callable[..., Any], tuple, dict]
Flow = Generator[Step, Any, Any]


def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Step:
    """Describe a call for a flow to yield."""
    return fn, args, kwargs


#: flow methods (see :func:`flow_method`) -> the functions making their flows
_FLOW_METHODS: Dict[Callable[..., Any], Callable[..., Flow]] = {}


def flow_method(make_flow: Callable[..., Flow]) -> Callable[..., Any]:
    """Decorator for a method that returns a flow: calling the method runs
    the flow with ``self._run``.

    Another flow can run it inline with ``yield from call_flow(...)``, which
    saves a nested driver; ``yield call(...)`` also works, through one.
    """
    @functools.wraps(make_flow)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return self._run(make_flow(self, *args, **kwargs))

    _FLOW_METHODS[method] = make_flow
    return method


def call_flow(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Flow:
    """``yield from call_flow(fn, ...)`` does what ``yield call(fn, ...)``
    does, except that the flow of a :func:`flow_method` (unless replaced on
    the instance or overridden) runs right here, delegated natively by the
    generator machinery: the cheapest way to nest a flow.

    This is a plain function returning the flow to delegate to (not a
    generator itself), so nesting adds no extra generator frame per level.
    """
    if type(fn) is MethodType:
        make_flow = _FLOW_METHODS.get(fn.__func__)
        if make_flow is not None:
            return make_flow(fn.__self__, *args, **kwargs)
    return _one_step(fn, args, kwargs)


def _one_step(fn: Callable[..., Any], args: tuple, kwargs: dict) -> Flow:
    """A flow of a single step: ``fn(*args, **kwargs)`` done by the driver."""
    return (yield fn, args, kwargs)


def run(flow: Flow) -> Any:
    """Run ``flow`` to completion synchronously and return its result."""
    resume, result = flow.send, None
    while True:
        try:
            fn, args, kwargs = resume(result)
        except StopIteration as stop:
            return stop.value
        try:
            resume, result = flow.send, fn(*args, **kwargs)
        except Exception as exc:
            resume, result = flow.throw, exc


#: Step results that are never awaitable (checked before the slower test).
PLAIN = frozenset((type(None), bool, int, float, str, bytes, dict, list, tuple))


def must_await(value: Any) -> bool:
    """Whether a step result is awaitable and must be awaited (coroutines
    first, then the cheap ``PLAIN`` types, then the general test)."""
    return type(value) is CoroutineType or (
        type(value) not in PLAIN and inspect.isawaitable(value))


async def run_async(flow: Flow) -> Any:
    """Run ``flow`` to completion, awaiting every awaitable step result."""
    resume, result = flow.send, None
    while True:
        try:
            fn, args, kwargs = resume(result)
        except StopIteration as stop:
            return stop.value
        try:
            result = fn(*args, **kwargs)
            if must_await(result):
                result = await result
            resume = flow.send
        except Exception as exc:
            resume, result = flow.throw, exc


def call_each(fn: Callable[..., Any], targets: Sequence[Any], items: Sequence[Any]) -> None:
    """Call ``fn(target, item)`` for every target, and for each target every
    item in order (one packet sent to many clients, without a flow step per
    recipient)."""
    if len(items) == 1:
        item = items[0]
        for target in targets:
            fn(target, item)
    else:
        for target in targets:
            for item in items:
                fn(target, item)


async def call_each_async(fn: Callable[..., Any], targets: Sequence[Any],
                          items: Sequence[Any]) -> None:
    """Like :func:`call_each`, awaiting each awaitable result before the next call."""
    for target in targets:
        for item in items:
            result = fn(target, item)
            if result is not None and inspect.isawaitable(result):
                await result


def queue_pending(queue: Any) -> int:
    """Count the items of a ``queue.Queue`` or ``asyncio.Queue`` that its
    consumer has not marked as done yet."""
    for name in ('unfinished_tasks', '_unfinished_tasks'):
        pending = getattr(queue, name, None)
        if isinstance(pending, int):
            return pending
    return 0


class Done:
    """An already finished awaitable, for sync results that may be awaited."""

    __slots__ = ('value',)

    def __init__(self, value: Any = None) -> None:
        self.value = value

    def __await__(self) -> Generator[Any, None, Any]:
        return self.value
        yield  # pragma: no cover


def wait_event(event: Any, timeout: Any) -> bool:
    """Wait for a threading-style event; True when it was set in time."""
    return event.wait(timeout)


async def wait_event_async(event: Any, timeout: Any) -> bool:
    """Wait for an :class:`asyncio.Event`; True when it was set in time."""
    try:
        await asyncio.wait_for(event.wait(), timeout)
    except asyncio.TimeoutError:
        return False
    return True
