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
import inspect
from typing import Any, Callable, Generator, Tuple

Step = Tuple[Callable[..., Any], tuple, dict]
Flow = Generator[Step, Any, Any]


def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Step:
    """Describe a call for a flow to yield."""
    return fn, args, kwargs


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
            if result is not None and inspect.isawaitable(result):
                result = await result
            resume = flow.send
        except Exception as exc:
            resume, result = flow.throw, exc


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
