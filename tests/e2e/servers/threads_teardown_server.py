"""Server process of ``test_threads_teardown.py``: the standard server in
``threading`` mode under Werkzeug's threaded server, torn down by its
clients all at once while two threads of its own keep working.

    python tests/e2e/servers/threads_teardown_server.py PORT CLIENTS

Each client connects with ``auth={'i': n}``; the connect handler puts it in
two rooms (``group{n % 10}`` and ``own{n}``), then the client emits ``join``
with a few more (shared and private) and gets an acknowledgement. Once
CLIENTS clients have joined, the server prints ``{"all_joined": CLIENTS}``
and starts two background threads, which run until the report:

* an emitter: ``tick`` events to group rooms, to lists of rooms and to
  everyone, each with ``skip_sid`` (one sid or a list of them), about every
  2 ms;
* a room keeper: puts random clients in a room and takes them out, closes
  that room, and reads ``rooms(sid)`` and the participants of rooms.

When as many clients have gone (their ``disconnect`` handler ran) as
joined, it waits one more second, stops the threads and prints one JSON
line with ``"report"``: what is left in the manager and in Engine.IO, how
many times each handler ran, how much the threads did while the clients
went away, the WARNING-or-worse records of socketio, engineio and
werkzeug, and the exceptions of any thread. Then it keeps serving until it
is stopped by PID.
"""
from __future__ import annotations

import json
import logging
import os
import random
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', '..'))

import socketio  # noqa: E402

PORT, CLIENTS = int(sys.argv[1]), int(sys.argv[2])
SETTLE = 1.0  # seconds the threads go on once every client is gone


class Problems(logging.Handler):
    """Counts WARNING-or-worse records and keeps the first few."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0
        self.first: list = []

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if len(self.first) < 10:
            text = f'{record.name}: {record.getMessage()}'
            if record.exc_info:
                text += ' ' + ''.join(traceback.format_exception(*record.exc_info))[-600:]
            self.first.append(text[:1200])


problems = Problems()
for name in ('socketio', 'engineio', 'werkzeug'):
    logger = logging.getLogger(name)
    logger.setLevel(logging.WARNING)
    logger.addHandler(problems)
    logger.propagate = False

thread_errors: list = []


def excepthook(args) -> None:
    thread_errors.append(''.join(traceback.format_exception(
        args.exc_type, args.exc_value, args.exc_traceback))[-1500:])


threading.excepthook = excepthook


def say(**values) -> None:
    print(json.dumps(values), flush=True)


sio = socketio.Server(async_mode='threading')
lock = threading.Lock()  # for the counters below: handlers run concurrently
state = {'connects': 0, 'joined': 0, 'disconnects': 0, 'started': False,
         'first_disconnect': None, 'last_disconnect': None}
sids: list = []  # every sid that connected (appended only)
disconnected: dict = {}  # sid -> how many times its disconnect handler ran
reasons: dict = {}  # reason -> count
work = {'emits': 0, 'emits_during_teardown': 0, 'room_changes': 0,
        'room_changes_during_teardown': 0, 'slowest_room_change': 0.0, 'refused_enters': 0,
        'queries': 0}
stop = threading.Event()
all_gone = threading.Event()  # every client's disconnect handler has run
workers: list = []  # the threads that go on during the teardown


@sio.event
def connect(sid, environ, auth):
    n = auth['i']
    sio.enter_room(sid, f'group{n % 10}')
    sio.enter_room(sid, f'own{n}')
    with lock:
        state['connects'] += 1
        sids.append(sid)


@sio.event
def join(sid, rooms):
    for room in rooms:
        sio.enter_room(sid, room)
    with lock:
        state['joined'] += 1
        start = state['joined'] == CLIENTS and not state['started']
        state['started'] = state['started'] or start
    if start:
        say(all_joined=CLIENTS)
        workers.extend([threading.Thread(target=emitter, daemon=True),
                        threading.Thread(target=room_keeper, daemon=True)])
        for worker in workers:
            worker.start()
        threading.Thread(target=reporter, daemon=True).start()
    return sorted(sio.rooms(sid), key=str)


@sio.event
def disconnect(sid, reason):
    with lock:
        state['disconnects'] += 1
        disconnected[sid] = disconnected.get(sid, 0) + 1
        reasons[reason] = reasons.get(reason, 0) + 1
        now = time.monotonic()
        state['first_disconnect'] = state['first_disconnect'] or now
        state['last_disconnect'] = now
        if state['disconnects'] >= CLIENTS:
            all_gone.set()


def overlapped_teardown(started: float) -> bool:
    """Tell whether an operation begun at ``started`` and ending now ran
    while clients were going away (from the first disconnect handler to
    the last)."""
    first = state['first_disconnect']
    return first is not None and (state['disconnects'] < CLIENTS
                                  or started <= state['last_disconnect'])


def emitter() -> None:
    rng = random.Random(1)
    n = 0
    while not stop.is_set():
        known = sids[:]
        skip = rng.choice([rng.choice(known), rng.sample(known, 3)])
        kind = n % 5
        started = time.monotonic()
        if kind == 0:
            sio.emit('tick', n, skip_sid=skip)  # everyone
        elif kind == 1:
            sio.emit('tick', n, to=[f'group{rng.randrange(10)}', 'even', 'extra'], skip_sid=skip)
        else:
            sio.emit('tick', n, to=f'group{rng.randrange(10)}', skip_sid=skip)
        n += 1
        work['emits'] += 1
        if overlapped_teardown(started):
            work['emits_during_teardown'] += 1
        time.sleep(0.002)


def room_change(change, *args) -> None:
    """Run one room change of the room keeper, and count it."""
    started = time.monotonic()
    try:
        change(*args)
    except ValueError:  # documented: entering a room for a client that is gone
        work['refused_enters'] += 1
    ended = time.monotonic()
    work['room_changes'] += 1
    if overlapped_teardown(started):
        work['room_changes_during_teardown'] += 1
        # changes wait for the manager's lock, which the threads of the
        # departing clients take too
        work['slowest_room_change'] = round(max(work['slowest_room_change'],
                                                ended - started), 3)


def room_keeper() -> None:
    rng = random.Random(2)
    while not stop.is_set():
        known = sids[:]
        for sid in rng.sample(known, 20):
            room_change(sio.enter_room, sid, 'extra')
        for sid in rng.sample(known, 10):
            room_change(sio.leave_room, sid, 'extra')
            sio.rooms(sid)
            work['queries'] += 1
        list(sio.manager.get_participants('/', f'group{rng.randrange(10)}'))
        list(sio.manager.get_participants('/', ['even', 'extra']))
        if rng.random() < 0.2:
            room_change(sio.close_room, 'extra')
        time.sleep(0.002)


def reporter() -> None:
    all_gone.wait()
    time.sleep(SETTLE)  # the threads go on meanwhile, on purpose
    stop.set()
    for worker in workers:
        worker.join()
    mgr = sio.manager
    rooms = {namespace: sorted(map(str, ns_rooms))[:10]
             for namespace, ns_rooms in list(mgr.rooms.items())}
    say(report=True, clients=CLIENTS, connects=state['connects'], joined=state['joined'],
        disconnects=state['disconnects'], clients_disconnected=len(disconnected),
        disconnected_twice=sorted(sid for sid, k in disconnected.items() if k > 1)[:10],
        reasons=reasons,
        teardown_seconds=round(state['last_disconnect'] - state['first_disconnect'], 2),
        participants=len(list(mgr.get_participants('/', None))),
        rooms_left=sum(len(ns_rooms) for ns_rooms in list(mgr.rooms.values())),
        some_rooms_left=rooms,
        pending_connect=len(mgr.pending_connect), pending_disconnect=len(mgr.pending_disconnect),
        callbacks=len(mgr.callbacks),
        # Engine.IO forgets closed sockets later (its service task)
        eio_sockets_open=sum(1 for s in list(sio.eio.sockets.values()) if not s.closed),
        environ=len(sio.environ), work=work, problems=problems.count,
        first_problems=problems.first, thread_errors=thread_errors[:5],
        thread_error_count=len(thread_errors))


if __name__ == '__main__':
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Handler(WSGIRequestHandler):
        def connection_dropped(self, error, environ=None):
            # a finished WebSocket ends this way: close the socket instead of
            # reading WebSocket frames as a new HTTP request
            self.close_connection = True

    server = make_server('127.0.0.1', PORT, socketio.WSGIApp(sio), threaded=True,
                         request_handler=Handler)
    server.socket.listen(2048)
    server.serve_forever()
