"""Helpers for end-to-end tests: real servers on 127.0.0.1 and Node.js peers.

* :func:`wsgi_server` serves a WSGI app (e.g. ``socketio.WSGIApp``) with
  Werkzeug's threaded server, which speaks WebSocket to python-engineio's
  ``threading`` mode through simple-websocket.
* :func:`asgi_server` serves an ASGI app with Uvicorn in a thread of its own.
* :func:`python_process` / :func:`node_process` start a program as a separate
  process, wait for its port and always stop it by PID.
* :func:`run_node` runs a Node.js script to completion and returns the JSON
  object it prints last.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import weakref
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

from conftest import JS_DIR, free_port, port_open

ROOT = Path(__file__).resolve().parent.parent


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, what: str = '') -> Any:
    """Poll ``predicate`` every 20 ms until it returns something truthy and
    return that; raise ``AssertionError`` (naming ``what``) after ``timeout``
    seconds. For conditions that no event signals (state seen from another
    thread or process)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f'timed out waiting for {what or predicate}')
        time.sleep(0.02)


def wait_for_port(port: int, timeout: float = 15.0, proc: Optional[subprocess.Popen] = None) -> None:
    """Wait until something listens on 127.0.0.1:``port``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open('127.0.0.1', port, timeout=0.2):
            return
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f'process exited with {proc.returncode} before listening')
        time.sleep(0.05)
    raise TimeoutError(f'nothing listening on port {port} after {timeout}s')


@contextlib.contextmanager
def wsgi_server(app: Any, port: Optional[int] = None) -> Iterator[str]:
    """Serve ``app`` on a free port in a background thread; yield its URL."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Handler(WSGIRequestHandler):
        def connection_dropped(self, error: BaseException, environ: Any = None) -> None:
            # a finished WebSocket ends this way: close the socket instead of
            # reading WebSocket frames as a new HTTP request (which left the
            # peer waiting seconds for the end of its closing handshake)
            self.close_connection = True

    port = port or free_port()
    server = make_server('127.0.0.1', port, app, threaded=True, request_handler=Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        wait_for_port(port)
        yield f'http://127.0.0.1:{port}'
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@contextlib.contextmanager
def asgi_server(app: Any, port: Optional[int] = None) -> Iterator[str]:
    """Serve an ASGI ``app`` with Uvicorn in a background thread; yield its URL."""
    import uvicorn
    port = port or free_port()
    config = uvicorn.Config(app, host='127.0.0.1', port=port, log_level='warning',
                            lifespan='on')
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    try:
        wait_for_port(port)
        yield f'http://127.0.0.1:{port}'
    finally:
        server.should_exit = True
        thread.join(15)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)


@contextlib.contextmanager
def process(args: List[str], port: Optional[int] = None, env: Optional[Dict[str, str]] = None,
            cwd: Optional[Path] = None, timeout: float = 20.0) -> Iterator[subprocess.Popen]:
    """Start ``args``; wait for ``port`` if given; stop the process by PID on exit."""
    full_env = dict(os.environ, PYTHONUNBUFFERED='1', **(env or {}))
    proc = subprocess.Popen(args, env=full_env, cwd=str(cwd or ROOT),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        if port is not None:
            wait_for_port(port, timeout, proc)
        yield proc
    finally:
        _stop(proc)


def python_process(script: str, *args: str, port: Optional[int] = None,
                   env: Optional[Dict[str, str]] = None, timeout: float = 20.0):
    """Run a Python script (path relative to the repo root) as a process."""
    return process([sys.executable, str(ROOT / script), *args], port=port, env=env,
                   timeout=timeout)


def node_process(script: str, *args: str, port: Optional[int] = None,
                 env: Optional[Dict[str, str]] = None, timeout: float = 20.0):
    """Run a Node.js script from ``tests/js`` as a process."""
    return process(['node', str(JS_DIR / script), *args], port=port, env=env, cwd=JS_DIR,
                   timeout=timeout)


def run_node(script: str, *args: str, timeout: float = 30.0,
             env: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """Run a Node.js script from ``tests/js`` and return the last JSON line it prints."""
    result = subprocess.run(['node', str(JS_DIR / script), *args], cwd=str(JS_DIR),
                            capture_output=True, text=True, timeout=timeout,
                            env=dict(os.environ, **(env or {})))
    lines = [line for line in result.stdout.splitlines() if line.startswith('{')]
    if result.returncode != 0 or not lines:
        raise AssertionError(f'node {script} failed ({result.returncode}):\n'
                             f'{result.stdout}\n{result.stderr}')
    return json.loads(lines[-1])


class UnreferencedWait:
    """An event handler awaiting a future that nothing else references, as a
    task that the event loop alone (weak references) would let be collected.
    ``alive()`` tells whether the future, hence the task, still exists."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self._future: Any = None

    async def __call__(self, sid: str) -> None:
        future = asyncio.get_running_loop().create_future()
        self._future = weakref.ref(future)
        self.started.set()
        await future

    def alive(self) -> bool:
        return self._future is not None and self._future() is not None
