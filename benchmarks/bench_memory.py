"""Memory benchmark: bytes held per idle connected client by our layer.

1,000 clients connect to a :class:`socketio.Server` through the Engine.IO
entry points (Engine.IO's send functions are counters, as in the broadcast
benchmark). tracemalloc compares the live memory before and after; an
allocation counts when any frame of its traceback is in ``socketio/`` (so
what bidict or Engine.IO allocate on our behalf, such as the sid, counts
too), and the environ dicts made by the benchmark itself do not.
"""
from __future__ import annotations

import gc
import os
import tracemalloc
from typing import Any, Dict, List

import socketio

from .bench_broadcast import CountingEngineIO

TARGET = 2048
CLIENTS = 1000


def bytes_per_client(clients: int = CLIENTS) -> float:
    """Live bytes attributable to ``socketio/`` per connected idle client."""
    sio = socketio.Server(async_mode='threading')
    counter = CountingEngineIO()
    sio.eio.send = counter.send
    sio.eio.send_packet = counter.send_packet
    environs = [{'REQUEST_METHOD': 'GET', 'QUERY_STRING': f'EIO=4&n={i}'}
                for i in range(clients + 1)]
    eio_sids = [f'eio{i:06d}' for i in range(clients + 1)]
    # a first client creates the namespace and its rooms, a one-off cost
    sio._handle_eio_connect(eio_sids[0], environs[0])
    sio._handle_eio_message(eio_sids[0], '0')
    package_dir = os.path.dirname(os.path.abspath(socketio.__file__))
    only_ours = [tracemalloc.Filter(True, os.path.join(package_dir, '*'), all_frames=True)]
    gc.collect()
    tracemalloc.start(50)
    try:
        before = tracemalloc.take_snapshot().filter_traces(only_ours)
        for i in range(1, clients + 1):
            sio._handle_eio_connect(eio_sids[i], environs[i])
            sio._handle_eio_message(eio_sids[i], '0')
        gc.collect()
        after = tracemalloc.take_snapshot().filter_traces(only_ours)
    finally:
        tracemalloc.stop()
    assert counter.sent == clients + 1
    assert len(sio.manager.rooms['/'][None]) == clients + 1
    grown = sum(stat.size_diff for stat in after.compare_to(before, 'filename'))
    return grown / clients


def run(quick: bool = False) -> List[Dict[str, Any]]:
    """Run the memory benchmark and return its result row."""
    value = bytes_per_client()
    return [{'group': 'memory', 'name': 'idle connected client, our layer',
             'value': value, 'unit': 'bytes/client', 'baseline': None,
             'baseline_name': None, 'ratio': None, 'target': f'<= {TARGET} B',
             'holds': value <= TARGET}]
