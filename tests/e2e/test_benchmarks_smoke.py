"""Smoke test of the benchmark suite: ``benchmarks/run.py --quick`` runs to
the end and writes valid JSON with every benchmark. No speed is asserted."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from support import ROOT

pytestmark = pytest.mark.e2e

BENCHMARKS = ('codec', 'broadcast', 'memory', 'import', 'e2e')


@pytest.mark.timeout(200)
def test_quick_benchmark_run_writes_every_result(tmp_path, node_modules):
    out = tmp_path / 'results.json'
    proc = subprocess.run([sys.executable, str(ROOT / 'benchmarks' / 'run.py'), '--quick',
                           '--json', str(out)], cwd=str(ROOT), capture_output=True,
                          text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads(out.read_text())
    assert results['quick'] is True
    assert results['machine']['python_engineio']
    assert set(results['benchmarks']) == set(BENCHMARKS)
    for name in BENCHMARKS:
        entry = results['benchmarks'][name]
        assert 'error' not in entry, entry
        assert entry['rows'], name
        for row in entry['rows']:
            assert row['group'] == name
            assert isinstance(row['value'], (int, float)) and row['value'] > 0, row
    names = {row['name'] for row in results['benchmarks']['codec']['rows']}
    assert {f'{op} {payload}' for op in ('encode', 'decode')
            for payload in ('small text event', '10 KB JSON event',
                            'binary event, 2 attachments')} == names
    e2e = {row['name'] for row in results['benchmarks']['e2e']['rows']}
    for workload in ('echo (50 clients)', 'fanout (200 clients)'):
        for server in ('AsyncServer (Uvicorn)', 'engineio AsyncServer (Uvicorn)',
                       'Server (threading, Werkzeug)',
                       'engineio Server (threading, Werkzeug)', 'Node.js socket.io'):
            assert f'{workload}, {server}' in e2e
    # the table is printed too
    assert 'broadcast: emit to everyone (1,000), per recipient' in proc.stdout
