"""Load: many WebSocket clients receiving periodic broadcasts.

The full run is marked ``load`` and deselected by default::

    bash scripts/test.sh -m load                  # 60 s per server
    LOAD_SECONDS=300 bash scripts/test.sh -m load  # a longer soak

It serves 1,000 clients from an AsyncServer under Uvicorn and 200 from the
standard server (Werkzeug, threading), each in a process of its own
(``load_server.py``); the clients are Node.js (``tests/js/load_clients.js``),
so Python is not the bottleneck on the client side. Every client must receive
every broadcast in order, the server's RSS must stay flat between the first
ticks and the last, and nothing may be logged at WARNING or above.

The CI version (not marked ``load``) runs the same code for 15 seconds with
fewer clients.
"""
from __future__ import annotations

import concurrent.futures
import json
import os
import queue
import threading
from typing import Any, Dict

import pytest
from conftest import free_port
from support import python_process, run_node

LOAD_SECONDS = float(os.environ.get('LOAD_SECONDS', '60'))
INTERVAL = 0.5  # seconds between broadcasts
#: RSS may grow by this much between the first ticks and the last ...
RSS_TOLERANCE_MB = 15.0
#: ... plus this fraction of the starting RSS.
RSS_TOLERANCE_FRACTION = 0.10


def server_lines(proc) -> queue.Queue[Dict[str, Any]]:
    """JSON lines printed by the server process, read in a thread."""
    lines: queue.Queue[Dict[str, Any]] = queue.Queue()

    def read():
        for line in proc.stdout:
            if line.startswith('{'):
                lines.put(json.loads(line))
            else:
                lines.put({'output': line.rstrip()})

    threading.Thread(target=read, daemon=True).start()
    return lines


def wait_line(lines, key: str, timeout: float) -> Dict[str, Any]:
    seen = []
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f'server never printed {key!r}; output: {seen[-20:]}')
        seen.append(line)
        if key in line:
            return line


def run_load(kind: str, clients: int, seconds: float) -> Dict[str, Any]:
    port = free_port()
    args = [kind, str(port), str(clients), str(seconds), str(INTERVAL)]
    with python_process('tests/load/load_server.py', *args, port=port) as proc:
        lines = server_lines(proc)
        result = run_node('load_clients.js', f'http://127.0.0.1:{port}', str(clients),
                          str(seconds + 120), timeout=seconds + 180)
        server = wait_line(lines, 'rss_end_mb', timeout=30)
    print(f'\n{kind}: {clients} clients, {seconds:.0f}s: clients {result}; server {server}')
    assert result['errors'] == [], result['errors']
    assert result['reason'] == 'all done', result
    assert result['connected'] == clients
    ticks = server['ticks']
    assert result['expected'] == ticks
    assert result['received_min'] == result['received_max'] == ticks, result
    assert result['gaps'] == 0 and result['unexpected_disconnects'] == 0
    assert server['max_connected'] == clients
    assert server['problems'] == 0, server['first_problems']
    growth = server['rss_end_mb'] - server['rss_start_mb']
    allowed = RSS_TOLERANCE_MB + RSS_TOLERANCE_FRACTION * server['rss_start_mb']
    assert growth <= allowed, f'RSS grew by {growth:.1f} MB (allowed {allowed:.1f} MB)'
    return {'clients': result, 'server': server}


@pytest.mark.load
@pytest.mark.timeout(LOAD_SECONDS + 300)
def test_load_async_server_1000_clients(node_modules):
    run_load('asgi', int(os.environ.get('LOAD_CLIENTS_ASYNC', '1000')), LOAD_SECONDS)


@pytest.mark.load
@pytest.mark.timeout(LOAD_SECONDS + 300)
def test_load_standard_server_200_clients(node_modules):
    run_load('threading', int(os.environ.get('LOAD_CLIENTS_THREADING', '200')), LOAD_SECONDS)


@pytest.mark.timeout(120)
def test_load_short(node_modules):
    """The CI version: the same runs for 15 seconds with fewer clients, both
    servers at once (about 25 seconds of wall time)."""
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        runs = [pool.submit(run_load, 'asgi', 200, 15),
                pool.submit(run_load, 'threading', 50, 15)]
        for run in runs:
            run.result()
