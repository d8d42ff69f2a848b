"""examples/server_recovery.py and examples/client_recovery.py, run as
processes with a proxy between them. Over WebSocket the proxy's connections
are cut while the client receives ticks: it comes back recovered, without a
missing tick. Over long-polling (where a cut request is simply sent again)
the 50 notes the client emits at once travel in a single request."""
from __future__ import annotations

import queue
import subprocess
import sys
import threading
from typing import List

import pytest
from conftest import free_port
from support import ROOT, python_process

from .tcp_cut import CutProxy

pytestmark = pytest.mark.e2e


def lines_of(proc: subprocess.Popen) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            lines.put(line.rstrip('\n'))
        lines.put('<eof>')

    threading.Thread(target=read, daemon=True).start()
    return lines


@pytest.mark.parametrize('transport,cut', [('websocket', True), ('polling', False)])
def test_recovery_examples(transport: str, cut: bool) -> None:
    port = free_port()
    server = python_process('examples/server_recovery.py', '--port', str(port), '--interval',
                            '0.05', port=port)
    with server as server_proc, CutProxy(port) as proxy:
        client = subprocess.Popen(
            [sys.executable, str(ROOT / 'examples' / 'client_recovery.py'), '--url', proxy.url,
             '--ticks', '40', '--transport', transport],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=str(ROOT))
        try:
            lines = lines_of(client)
            seen: List[str] = []
            # cut once the emit with a timeout has timed out (a disconnect
            # cancels a timeout), while ticks come
            while 'slow: no answer within 1 second' not in seen:
                seen.append(lines.get(timeout=30))
                assert seen[-1] != '<eof>', seen
            if cut:
                assert proxy.cut() >= 1
            while not seen[-1].startswith('ticks '):
                seen.append(lines.get(timeout=60))
                assert seen[-1] != '<eof>', seen
            # over long-polling, python-engineio's client only ends once its
            # pending request returns (at the next ping): not waited for
            if transport == 'websocket':
                assert client.wait(30) == 0, seen
        finally:
            if client.poll() is None:
                client.kill()
                client.wait(10)
        server_proc.kill()  # Uvicorn would wait for pending long-polls
        server_output = server_proc.communicate(timeout=20)[0]
    connects = [line for line in seen if line.startswith('connected as ')]
    sid = connects[0].split()[2].rstrip(',')
    assert connects == [f'connected as {sid}, recovered: False',
                        f'connected as {sid}, recovered: True'][:1 + cut], seen
    assert 'notes: 50' in seen and 'slow: no answer within 1 second' in seen
    assert not any(line.startswith('too late') for line in seen)
    assert seen[-1].endswith('missing: []'), seen
    assert 'example connected' in server_output
    assert ('example is back' in server_output) is cut
    assert 'example answered: yes' in server_output
