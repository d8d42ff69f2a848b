"""The standard server under threads: 1,000 clients torn down at once
(issue 21, "safe under threads").

``socketio.Server(async_mode='threading')`` runs under Werkzeug's threaded
server (``servers/threads_teardown_server.py``), so every connection has a
thread and every event handler runs on a thread of its own. 1,000 Node.js
clients (``tests/js/teardown_clients.js``, WebSocket) connect, are put in
rooms by the connect handler and by a ``join`` event (rooms shared by
hundreds, by two, and private ones), then all go away at the same moment:

* ``disconnect``: the Node.js process calls ``disconnect()`` on every socket
  in one loop (each sends a Socket.IO DISCONNECT, then closes);
* ``kill``: the test kills the Node.js process by PID, so the operating
  system closes every connection at once.

Meanwhile two server threads keep emitting to rooms with ``skip_sid`` and
moving random clients in and out of a room. Once every disconnect handler
ran, the server reports what is left: no participant, no room, nothing
pending, no callback, no open Engine.IO socket, no environ, each disconnect handler run once,
no WARNING-or-worse log record and no exception in any thread. (python-
socketio 5.x raised ``RuntimeError: dictionary changed size during
iteration`` here and kept rooms of departed clients.)
"""
from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
import time
from typing import Any, Dict

import pytest
from conftest import JS_DIR, free_port
from support import python_process

pytestmark = pytest.mark.e2e

CLIENTS = int(os.environ.get('TEARDOWN_CLIENTS', '1000'))


def json_lines(stream) -> queue.Queue:
    """The JSON lines of a process's output (others as ``{'output': ...}``),
    read in a thread."""
    lines: queue.Queue = queue.Queue()

    def read():
        for line in stream:
            try:
                lines.put(json.loads(line) if line.startswith('{') else {'output': line.rstrip()})
            except ValueError:
                lines.put({'output': line.rstrip()})

    threading.Thread(target=read, daemon=True).start()
    return lines


def wait_line(lines: queue.Queue, key: str, timeout: float, what: str) -> Dict[str, Any]:
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f'{what} never printed {key!r}; last output: {seen[-15:]}')
        seen.append(line)
        if key in line:
            return line


@pytest.mark.timeout(90)
@pytest.mark.parametrize('how', ['disconnect', 'kill'])
def test_clients_torn_down_at_once_leave_nothing_behind(node_modules, how):
    port = free_port()
    start = time.monotonic()
    with python_process('tests/e2e/servers/threads_teardown_server.py', str(port),
                        str(CLIENTS), port=port) as server:
        server_lines = json_lines(server.stdout)
        node = subprocess.Popen(
            ['node', str(JS_DIR / 'teardown_clients.js'), f'http://127.0.0.1:{port}',
             str(CLIENTS), how, '60'],
            cwd=str(JS_DIR), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            client_lines = json_lines(node.stdout)
            joined = wait_line(client_lines, 'all_joined', 60, 'the clients')
            assert joined['all_joined'] == CLIENTS and joined['ticks_min'] > 0, joined
            if how == 'kill':
                wait_line(client_lines, 'kill_me', 5, 'the clients')
                os.kill(node.pid, signal.SIGKILL)
                clients: Dict[str, Any] = {}
            else:
                clients = wait_line(client_lines, 'bad_rooms', 10, 'the clients')
            report = wait_line(server_lines, 'report', 45, 'the server')
        finally:
            if node.poll() is None:
                os.kill(node.pid, signal.SIGKILL)
            node.wait(10)
    print(f'\n{how}: {time.monotonic() - start:.1f}s; clients {clients}; server {report}')
    if clients:
        assert clients['errors'] == [] and clients['unexpected_disconnects'] == 0, clients
        assert clients['connected'] == CLIENTS and clients['bad_rooms'] == 0, clients
    # nothing went wrong
    assert report['thread_error_count'] == 0, report['thread_errors']
    assert report['problems'] == 0, report['first_problems']
    # every client came and went once
    assert report['connects'] == report['joined'] == CLIENTS
    assert report['disconnects'] == report['clients_disconnected'] == CLIENTS, report
    assert report['disconnected_twice'] == []
    # the threads worked while the clients went away
    assert report['work']['emits_during_teardown'] > 0, report['work']
    assert report['work']['room_changes_during_teardown'] > 0, report['work']
    # nothing left behind
    assert report['participants'] == 0
    assert report['rooms_left'] == 0, report['some_rooms_left']
    assert report['pending_connect'] == report['pending_disconnect'] == 0
    assert report['callbacks'] == 0
    assert report['eio_sockets_open'] == 0 and report['environ'] == 0
