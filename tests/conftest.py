"""Shared, generic test utilities.

Nothing here imports ``socketio`` at import time, so a broken package never
hides these helpers. Policy for things outside the Python process (a broker,
Node.js packages): when they are missing a test is *skipped* with the reason,
except under ``CI=true`` where a missing service is a *failure*, so that CI
can never go green by skipping everything.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
JS_DIR = TESTS_DIR / "js"
CHROMIUM = "/usr/bin/chromium"


def in_ci() -> bool:
    """True when running under CI (``CI=true``, as set by ``.ci/run``)."""
    return os.environ.get("CI") == "true"


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that is free on ``host`` right now.

    The port is released before returning, so there is a small race with
    other processes; good enough for tests on one machine.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when a TCP connection to ``host:port`` succeeds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require_service(host: str, port: int, name: str) -> None:
    """Return when ``name`` listens on ``host:port``; otherwise skip the test,
    or fail it under ``CI=true``."""
    if port_open(host, port):
        return
    reason = f"{name} not reachable at {host}:{port}"
    if in_ci():
        pytest.fail(f"{reason} (required under CI=true)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """Path of ``tests/js/node_modules``; skips the test when Node.js or the
    npm packages are missing (``bash scripts/test.sh`` installs them)."""
    if shutil.which("node") is None:
        pytest.skip("Node.js (node) not found on PATH; JavaScript interop tests need it")
    path = JS_DIR / "node_modules"
    if not (path / "socket.io-client").is_dir():
        pytest.skip(f"{path} is missing; run `npm ci` in tests/js (scripts/test.sh does it)")
    return path


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of Debian's Chromium for browser tests; skips when not installed
    (``apt-get install chromium``). Not a failure under CI: installing it is
    best effort in scripts/test.sh."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} not installed; browser tests need Debian's chromium")
    return CHROMIUM
