"""Server process of the load test (``test_load.py`` starts it and stops it by PID).

    python tests/load/load_server.py asgi|threading PORT CLIENTS SECONDS INTERVAL

Serves a Socket.IO server (AsyncServer under Uvicorn, or the standard server
under Werkzeug's threaded server). Once CLIENTS clients said ``ready`` (they
do on their ``connect`` event) it
broadcasts a numbered ``tick`` every INTERVAL seconds for SECONDS seconds,
then a ``done`` event with the number of ticks. It prints JSON lines: the
resident memory (RSS) after the first ticks and after the last one, and the
number of warnings/errors logged by socketio, engineio, Uvicorn or Werkzeug.
"""
from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..'))

import socketio  # noqa: E402

KIND, PORT, CLIENTS, SECONDS, INTERVAL = (sys.argv[1], int(sys.argv[2]), int(sys.argv[3]),
                                          float(sys.argv[4]), float(sys.argv[5]))
TICKS = max(2, int(SECONDS / INTERVAL))
WARMUP = min(5, TICKS - 1)  # RSS "at start" is taken after this many ticks


class Problems(logging.Handler):
    """Counts WARNING-or-worse records and keeps the first few."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0
        self.first: list = []

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if len(self.first) < 10:
            self.first.append(f'{record.name}: {record.getMessage()}'[:300])


problems = Problems()
for name in ('socketio', 'engineio', 'uvicorn', 'werkzeug'):
    logger = logging.getLogger(name)
    logger.setLevel(logging.WARNING)
    logger.addHandler(problems)
    logger.propagate = False


def rss_mb() -> float:
    gc.collect()
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


def say(**values) -> None:
    print(json.dumps(values), flush=True)


state = {'connected': 0, 'max_connected': 0, 'ready': 0, 'started': False}
lock = threading.Lock()  # the threaded server runs handlers concurrently


def on_connect(sid, environ):
    with lock:
        state['connected'] += 1
        state['max_connected'] = max(state['max_connected'], state['connected'])


def on_ready(sid):
    """A client saw its connection accepted: it will receive every broadcast
    from now on (one still being admitted would not)."""
    with lock:
        state['ready'] += 1
        start = state['ready'] >= CLIENTS and not state['started']
        state['started'] = state['started'] or start
    if start:
        sio.start_background_task(broadcast)


def on_disconnect(sid, reason):
    with lock:
        state['connected'] -= 1


def report(start_rss: float, elapsed: float) -> None:
    say(ticks=TICKS, rss_start_mb=round(start_rss, 1), rss_end_mb=round(rss_mb(), 1),
        broadcast_seconds=round(elapsed, 1), max_connected=state['max_connected'],
        connected=state['connected'], problems=problems.count,
        first_problems=problems.first, threads=threading.active_count())


if KIND == 'asgi':
    sio = socketio.AsyncServer(async_mode='asgi')

    async def broadcast():
        say(all_connected=state['connected'])
        start = time.monotonic()
        start_rss = 0.0
        for i in range(TICKS):
            await sio.emit('tick', i)
            if i == WARMUP:
                start_rss = rss_mb()
            await asyncio.sleep(max(0.0, start + (i + 1) * INTERVAL - time.monotonic()))
        elapsed = time.monotonic() - start
        report(start_rss, elapsed)
        await sio.emit('done', TICKS)
else:
    sio = socketio.Server(async_mode='threading')

    def broadcast():
        say(all_connected=state['connected'])
        start = time.monotonic()
        start_rss = 0.0
        for i in range(TICKS):
            sio.emit('tick', i)
            if i == WARMUP:
                start_rss = rss_mb()
            time.sleep(max(0.0, start + (i + 1) * INTERVAL - time.monotonic()))
        elapsed = time.monotonic() - start
        report(start_rss, elapsed)
        sio.emit('done', TICKS)

sio.on('connect', on_connect)
sio.on('ready', on_ready)
sio.on('disconnect', on_disconnect)

if KIND == 'asgi':
    import uvicorn

    uvicorn.run(socketio.ASGIApp(sio), host='127.0.0.1', port=PORT, log_level='warning',
                backlog=4096)
else:
    from werkzeug.serving import make_server

    server = make_server('127.0.0.1', PORT, socketio.WSGIApp(sio), threaded=True)
    server.socket.listen(1024)
    server.serve_forever()
