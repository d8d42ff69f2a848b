"""The few waiting primitives of the asyncio flavour.

Every other line that differs between the two flavours is the same source
with or without ``await`` (see ``scripts/unasync.py``); these functions are
the places where waiting itself works differently. :mod:`socketio.primitives`
has the same functions for the standard flavour.
"""
from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any, Optional

#: the event type of the simple clients
Event = asyncio.Event


async def wait_event(event: Any, timeout: Optional[float]) -> bool:
    """Wait until ``event`` is set; False when ``timeout`` seconds passed first.

    ``asyncio.wait_for`` is looked up on the module at call time.
    """
    try:
        await asyncio.wait_for(event.wait(), timeout)
    except asyncio.TimeoutError:
        return False
    return True


async def join_task(task: Any) -> Any:
    """Wait for a background task to end and return its result; cancelling
    the caller stops the wait, not the task."""
    return await asyncio.shield(task)


async def wait_shielded(fn: Any, *args: Any) -> Any:
    """Run ``fn(*args)`` to its end in a task of its own; cancelling the
    caller stops the wait, not what it waits for (Engine.IO's ``wait()``
    awaits its read loop, which a cancellation would end)."""
    return await asyncio.shield(fn(*args))


async def close_quietly(connection: Any) -> None:
    """Close a broker connection that may be broken already (errors ignored)."""
    if connection is not None:
        try:
            await connection.close()
        except Exception:  # already broken
            pass


async def drain_queue(queue: Any, timeout: float) -> None:
    """Wait (at most ``timeout`` seconds) until every item put in ``queue``
    was taken and marked done by its consumer."""
    try:
        await asyncio.wait_for(queue.join(), timeout)
    except asyncio.TimeoutError:
        pass


def spawn(fn: Any, *args: Any) -> Any:
    """Run the coroutine function ``fn(*args)`` in a task of its own (held
    until it ends), where there is no server to start background tasks."""
    from .base_endpoint import hold_task
    return hold_task(asyncio.get_running_loop().create_task(fn(*args)))


async def sleep(seconds: float) -> None:
    """Sleep without blocking the event loop."""
    await asyncio.sleep(seconds)


class Timers:
    """Delayed calls of one server or client (acknowledgement timeouts):
    the event loop's ``call_later``, no task of their own. A call that
    returns a coroutine has it run in a task."""

    def __init__(self, endpoint: Any) -> None:
        self.endpoint = endpoint

    def call_later(self, delay: float, fn: Any, *args: Any) -> Any:
        """Call ``fn(*args)`` in ``delay`` seconds; return a handle for
        :meth:`cancel`. Must be called in the event loop's thread."""
        return asyncio.get_running_loop().call_later(delay, _run_timer, fn, args)

    def cancel(self, handle: Any) -> None:
        """Cancel a call that may have run already."""
        handle.cancel()


def _run_timer(fn: Any, args: Any) -> None:
    try:
        result = fn(*args)
        if inspect.isawaitable(result):
            spawn(_await, result)
    except Exception:
        logging.getLogger('socketio').exception('Error in a timer callback')


async def _await(awaitable: Any) -> None:
    try:
        await awaitable
    except Exception:
        logging.getLogger('socketio').exception('Error in a timer callback')
