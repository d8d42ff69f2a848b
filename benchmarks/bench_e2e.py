"""End-to-end benchmark over real sockets on 127.0.0.1.

Each server runs in a process of its own (``benchmarks/servers.py`` or, for
the reference, ``benchmarks/js/sio_server.js``), the load clients in a
Node.js process (``benchmarks/js/load.js``); both are stopped by PID.

Workloads: ``echo`` (50 websocket clients, each waits for the answer to a
message before sending the next; socket.io clients use acks) and
``fanout`` (200 clients; broadcasts requested by one of them, 4 in flight).
Servers: our AsyncServer under Uvicorn and our Server (threading mode) under
Werkzeug, each beside a bare python-engineio server on the same web server
(the ceiling under us), and the Node.js socket.io server. The servers are
run in turn, ``repeats`` times in rotating order; figures are medians.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
JS = HERE / 'js'

#: server name -> (client protocol, engine.io ceiling it is compared with)
SERVERS = {
    'AsyncServer (Uvicorn)': ('sio', 'engineio AsyncServer (Uvicorn)'),
    'engineio AsyncServer (Uvicorn)': ('eio', None),
    'Server (threading, Werkzeug)': ('sio', 'engineio Server (threading, Werkzeug)'),
    'engineio Server (threading, Werkzeug)': ('eio', None),
    'Node.js socket.io': ('sio', None),
}
KIND = {
    'AsyncServer (Uvicorn)': 'sio-asgi',
    'engineio AsyncServer (Uvicorn)': 'eio-asgi',
    'Server (threading, Werkzeug)': 'sio-wsgi',
    'engineio Server (threading, Werkzeug)': 'eio-wsgi',
}
WORKLOADS = {'echo': 50, 'fanout': 200}


def cpu_split() -> Optional[Tuple[Set[int], Set[int]]]:
    """CPUs for the server under test and for the load clients.

    On a machine with two CPUs or more the server is pinned to one CPU and
    the load clients to the others, so that the load generator never takes
    CPU time from the server: the socket.io client costs more CPU per
    message than the bare engine.io client, and without pinning that
    difference would be charged to our server. ``BENCH_NO_PIN=1`` turns it
    off.
    """
    if os.environ.get('BENCH_NO_PIN') or not hasattr(os, 'sched_getaffinity'):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    return {cpus[0]}, set(cpus[1:])


def _pinned(cpus: Optional[Set[int]]) -> Optional[Callable[[], None]]:
    """A ``preexec_fn`` pinning the child (and every thread it starts) to ``cpus``."""
    if cpus is None:
        return None
    return lambda: os.sched_setaffinity(0, cpus)
THROUGHPUT_TARGET = 0.9
P99_TARGET = 1.2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f'server exited with {proc.returncode}')
        try:
            with socket.create_connection(('127.0.0.1', port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f'nothing listening on port {port}')


def stop(proc: subprocess.Popen) -> None:
    """Stop a process we started, by its PID."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)


def start_server(name: str, port: int) -> subprocess.Popen:
    if name == 'Node.js socket.io':
        args = ['node', str(JS / 'sio_server.js'), str(port)]
    else:
        args = [sys.executable, str(HERE / 'servers.py'), KIND[name], str(port)]
    split = cpu_split()
    proc = subprocess.Popen(args, cwd=str(ROOT), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONUNBUFFERED='1'),
                            preexec_fn=_pinned(split[0] if split else None))
    try:
        wait_for_port(port, proc)
    except Exception:
        stop(proc)
        raise
    return proc


def run_load(proto: str, mode: str, port: int, clients: int, warmup: float,
             duration: float) -> Dict[str, Any]:
    cfg = {'proto': proto, 'mode': mode, 'url': f'http://127.0.0.1:{port}',
           'clients': clients, 'warmup': warmup, 'duration': duration, 'window': 4}
    split = cpu_split()
    proc = subprocess.Popen(['node', str(JS / 'load.js'), json.dumps(cfg)], cwd=str(JS),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_pinned(split[1] if split else None))
    try:
        out, err = proc.communicate(timeout=warmup + duration + 60)
    except subprocess.TimeoutExpired:
        stop(proc)
        raise RuntimeError(f'load client timed out ({mode} on {proto})')
    lines = [line for line in out.splitlines() if line.startswith('{')]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f'load client failed ({proc.returncode}): {err.strip()[-500:]}')
    return json.loads(lines[-1])


def measure(quick: bool) -> Dict[str, Dict[str, List[Dict[str, Any]]]]:
    """Run every workload on every server; raw samples per server/workload.

    Each of our servers runs right beside its Engine.IO ceiling (which one
    goes first alternates), so that a ratio compares runs made under the
    same machine load.
    """
    repeats, warmup, duration = (1, 0.5, 2.0) if quick else (9, 1.0, 5.0)
    groups = [[name, ceiling] for name, (_, ceiling) in SERVERS.items() if ceiling]
    groups.append([name for name in SERVERS if not any(name in g for g in groups)])
    samples: Dict[str, Dict[str, List[Dict[str, Any]]]] = {
        name: {mode: [] for mode in WORKLOADS} for name in SERVERS}
    for repeat in range(repeats):
        for group in groups:
            for name in (group if repeat % 2 == 0 else group[::-1]):
                port = free_port()
                proc = start_server(name, port)
                try:
                    for mode, clients in WORKLOADS.items():
                        before = _cpu_times(proc.pid), _children_cpu(), time.monotonic()
                        result = run_load(SERVERS[name][0], mode, port, clients, warmup,
                                          duration)
                        result.update(_cpu_shares(proc.pid, before))
                        samples[name][mode].append(result)
                finally:
                    stop(proc)
    return samples


def _cpu_times(pid: int) -> Optional[float]:
    """CPU seconds (user + system, all threads) used so far by process ``pid``
    (Linux ``/proc``; ``None`` elsewhere)."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            fields = f.read().rsplit(')', 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def _children_cpu() -> float:
    """CPU seconds used so far by the finished children of this process."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _cpu_shares(pid: int, before: Tuple[Optional[float], float, float]) -> Dict[str, Any]:
    """Share of one CPU used by the server and by the (finished) load client
    since ``before``: tells which side was the bottleneck."""
    server, children, start = before
    elapsed = time.monotonic() - start
    now = _cpu_times(pid)
    return {
        'server_cpu': None if now is None or server is None else (now - server) / elapsed,
        'client_cpu': (_children_cpu() - children) / elapsed,
    }


def _median(results: List[Dict[str, Any]], key: str) -> Optional[float]:
    values = [r[key] for r in results if r.get(key) is not None]
    return statistics.median(values) if values else None


def _median_ratio(ours: List[Dict[str, Any]], theirs: List[Dict[str, Any]],
                  key: str) -> Optional[float]:
    values = [a[key] / b[key] for a, b in zip(ours, theirs, strict=False)
              if a.get(key) and b.get(key)]
    return statistics.median(values) if values else None


def run(quick: bool = False) -> List[Dict[str, Any]]:
    """Run the end-to-end benchmark and return its result rows."""
    if shutil.which('node') is None:
        raise RuntimeError('the end-to-end benchmark needs Node.js (node) on PATH')
    samples = measure(quick)
    rows = []
    units = {'echo': 'round trips/s', 'fanout': 'deliveries/s'}
    for mode in WORKLOADS:
        for name, (_, ceiling) in SERVERS.items():
            figures = {key: _median(samples[name][mode], key)
                       for key in ('per_second', 'p50_ms', 'p99_ms')}
            base = {key: _median(samples[ceiling][mode], key)
                    for key in figures} if ceiling else {}
            # ratios: median of the ratios of runs made side by side
            ratios = {key: _median_ratio(samples[name][mode], samples[ceiling][mode], key)
                      for key in figures} if ceiling else {}
            label = f'{mode} ({WORKLOADS[mode]} clients), {name}'
            for key in ('server_cpu', 'client_cpu'):
                figures[key] = _median(samples[name][mode], key)
            for key, unit, target in (('per_second', units[mode], THROUGHPUT_TARGET),
                                      ('p50_ms', 'ms p50', None),
                                      ('p99_ms', 'ms p99', P99_TARGET),
                                      ('server_cpu', 'CPU, server', None),
                                      ('client_cpu', 'CPU, clients', None)):
                value, baseline, ratio = figures[key], base.get(key), ratios.get(key)
                if value is None:
                    continue
                if ratio is None or target is None:
                    goal, holds = None, None
                elif key == 'per_second':
                    goal, holds = f'>= {target:.2f}x', ratio >= target
                else:
                    goal, holds = f'<= {target:.2f}x', ratio <= target
                rows.append({'group': 'e2e', 'name': label, 'value': value, 'unit': unit,
                             'baseline': baseline, 'baseline_name': ceiling,
                             'ratio': ratio, 'target': goal, 'holds': holds})
    return rows
