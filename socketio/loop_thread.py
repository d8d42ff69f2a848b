"""Use an asyncio-only client library from standard (threaded) code.

:class:`LoopThread` runs an event loop forever in a daemon thread of its own;
:func:`blocking` gives a view of an asyncio object (a module, a client, a
subscription) whose coroutine methods run on that loop and block the
calling thread until they are done. Code written for the asyncio object,
once ``await`` is removed, then works unchanged on the view: this is how the
standard :class:`~socketio.NatsManager`, generated from the asyncio source,
drives nats-py.

Objects that the library's coroutines return, and attributes that are
objects of the library, are wrapped in a view too; plain values (bytes,
numbers, strings, ...) are returned as they are. Arguments are passed as
they are, so callbacks given to the library must be coroutine functions.
"""
from __future__ import annotations

import asyncio
import inspect
import os
import threading
from typing import Any, Optional


class LoopThread:
    """An asyncio event loop running in a daemon thread."""

    def __init__(self, name: str = 'socketio-loop') -> None:
        self.loop = asyncio.new_event_loop()
        self.pid = os.getpid()
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), name=name, daemon=True)
        self.thread.start()
        ready.wait()

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(ready.set)
        try:
            self.loop.run_forever()
        finally:
            self.loop.close()

    def run(self, coroutine: Any) -> Any:
        """Run ``coroutine`` on the loop; block until it ends and return its
        result (or raise its exception)."""
        if threading.current_thread() is self.thread:
            coroutine.close()
            raise RuntimeError('a blocking call cannot run on its own event loop thread')
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def stop(self) -> None:
        """Stop and close the loop, and wait for its thread to end."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


_shared: Optional[LoopThread] = None
_shared_lock = threading.Lock()


def shared_loop_thread() -> LoopThread:
    """The loop thread of this process, started on first use (and again in
    a child process after a fork, since threads do not survive one)."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared.pid != os.getpid() or not _shared.thread.is_alive():
            _shared = LoopThread()
        return _shared


class Blocking:
    """A blocking view of ``target``, an object of the asyncio library
    ``package`` (a top-level package name such as ``'nats'``)."""

    __slots__ = ('_target', '_package', '_loop')

    def __init__(self, target: Any, package: str, loop: LoopThread) -> None:
        self._target = target
        self._package = package
        self._loop = loop

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if inspect.iscoroutinefunction(value):
            def call(*args: Any, **kwargs: Any) -> Any:
                return self._wrap(self._loop.run(value(*args, **kwargs)))
            call.__name__ = name
            return call
        return self._wrap(value)

    def _wrap(self, value: Any) -> Any:
        if inspect.ismodule(value):
            module = value.__name__
        else:
            module = getattr(type(value), '__module__', '') or ''
        if module == self._package or module.startswith(self._package + '.'):
            return Blocking(value, self._package, self._loop)
        return value

    def __repr__(self) -> str:
        return f'<blocking {self._target!r}>'


def blocking(target: Any, package: Optional[str] = None,
             loop: Optional[LoopThread] = None) -> Blocking:
    """A blocking view of ``target`` (by default on the process's shared
    loop thread); ``package`` defaults to the top-level package of ``target``."""
    if package is None:
        name = target.__name__ if inspect.ismodule(target) else type(target).__module__
        package = name.split('.')[0]
    return Blocking(target, package, loop or shared_loop_thread())
