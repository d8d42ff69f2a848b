"""Import benchmark: what ``import socketio`` costs on top of ``import engineio``.

Each run is a fresh interpreter that imports python-engineio, then this
package, and reports the time of the second import; the figure is the
median of several runs, after a first run has written the byte-code caches.
No message-queue client library is imported: they load on first use.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from typing import Any, Dict, List

TARGET_MS = 15.0
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROBE = ('import sys, time, json; t0 = time.perf_counter(); import engineio; '
         't1 = time.perf_counter(); import socketio; t2 = time.perf_counter(); '
         'heavy = [m for m in ("redis", "kombu", "kafka", "zmq", "aio_pika", "nats", '
         '"psycopg", "msgpack") if m in sys.modules]; '
         'print(json.dumps([t1 - t0, t2 - t1, heavy]))')


def import_times(runs: int) -> List[float]:
    """Milliseconds of ``import socketio`` after engineio, one per run."""
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop('PYTHONDONTWRITEBYTECODE', None)
    times = []
    for i in range(runs + 1):
        out = subprocess.run([sys.executable, '-c', PROBE], env=env, cwd=ROOT,
                             capture_output=True, text=True, check=True, timeout=60).stdout
        _, ours, heavy = json.loads(out)
        if heavy:
            raise AssertionError(f'import socketio loaded {heavy}')
        if i:  # the first run writes the byte-code caches
            times.append(ours * 1000)
    return times


def run(quick: bool = False) -> List[Dict[str, Any]]:
    """Run the import benchmark and return its result row."""
    value = statistics.median(import_times(5 if quick else 21))
    return [{'group': 'import', 'name': 'import socketio (after engineio)',
             'value': value, 'unit': 'ms', 'baseline': None, 'baseline_name': None,
             'ratio': None, 'target': f'<= {TARGET_MS:.0f} ms', 'holds': value <= TARGET_MS}]
