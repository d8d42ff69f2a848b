"""The in-memory manager under concurrency (issue 21, "safe under threads").

In ``threading`` mode the standard server runs event handlers on many
threads at once, so connects, disconnects, room changes, emits and queries
reach one :class:`socketio.Manager` concurrently. These tests run thousands
of mixed operations from 8 threads (and from many asyncio tasks on one
loop, whose emits yield between recipients) against a real manager on a
mocked server and check that:

* no operation raises (apart from ``enter_room`` for a client another
  thread disconnected meanwhile, the documented ``ValueError``);
* at any moment no write is in progress, the bookkeeping is consistent
  (every room member is connected, every client is alone in its own room,
  the Engine.IO sid maps agree, the cached recipient lists are current),
  and halfway through each worker's private rooms hold exactly the clients
  it put there (those still connected);
* once every client is gone nothing is left: no room, no namespace, no
  pending connect or disconnect, no callback;
* an emit to a room reaches every client that stays in it while others
  join, leave, connect and disconnect, exactly once, and never a client
  that is still waiting for its connect handler (even one admitted while
  the emit reads the room) or that ``skip_sid`` names;
* when two threads see a client go at once (its DISCONNECT packet and the
  end of its connection, or a server-side disconnect), the server runs its
  disconnect handler once.

The amount of work is fixed (seeded random choices), not the time; the
interpreter switches threads every 10 microseconds instead of 5 ms while
they run, so that races have many chances to show.
"""
from __future__ import annotations

import asyncio
import contextvars
import inspect
import itertools
import random
import sys
import threading
import time
import traceback
from unittest import mock

import pytest

import socketio
from socketio import packet
from socketio.base_manager import ClientMap, Room

THREADS = 8
OPS_PER_WORKER = 2500
NAMESPACES = ('/', '/chat')
SHARED_ROOMS = tuple(f'shared{i}' for i in range(10))
PRIVATE_ROOMS = 3  # per worker and namespace

#: what the mocked server sent from the current thread or task: a list of
#: ``(eio_sid, text of the event, or ('ack', id) for an emit with a callback)``
SENT: contextvars.ContextVar = contextvars.ContextVar('sent', default=None)


def record_sends() -> list:
    """Start recording what the current thread (or task) sends."""
    log: list = []
    SENT.set(log)
    return log


@pytest.fixture(autouse=True)
def frequent_thread_switches():
    """Switch threads every 10 us (instead of 5 ms) during each test."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(interval)


# -- the mocked server -------------------------------------------------------------------


def make_manager(is_async: bool = False):
    """A real manager on a mocked server that records (see ``SENT``) what the
    manager sends: each emit sends from the thread (or task) that emits."""
    server = mock.MagicMock()
    server.packet_class = packet.Packet
    ids = itertools.count(1)
    server.eio.generate_id = lambda: f's{next(ids)}'  # next() on a count is atomic
    server.logger.warning('')  # create the child mocks before the threads start

    def record(eio_sid, what):
        log = SENT.get()
        if log is not None:
            log.append((eio_sid, what))

    if is_async:
        async def send_eio_packet(eio_sid, eio_pkt):
            record(eio_sid, eio_pkt.data)
            await asyncio.sleep(0)  # let other tasks change the rooms meanwhile

        async def emit_internal(eio_sid, event, data, namespace, id):
            record(eio_sid, ('ack', id))
            await asyncio.sleep(0)
        manager = socketio.AsyncManager()
    else:
        def send_eio_packet(eio_sid, eio_pkt):
            record(eio_sid, eio_pkt.data)

        def emit_internal(eio_sid, event, data, namespace, id):
            record(eio_sid, ('ack', id))
        manager = socketio.Manager()
    server._send_eio_packet = send_eio_packet
    server._emit_internal = emit_internal
    manager.set_server(server)
    manager.initialize()
    return manager


async def maybe(result):
    """Await what an AsyncManager method returned; pass a Manager's through."""
    return await result if inspect.isawaitable(result) else result


def drive(coro):
    """Run a coroutine that never suspends (one that only calls the
    standard Manager) to its end in the calling thread."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    coro.close()
    raise AssertionError('the coroutine suspended')


async def server_disconnect(mgr, sid, namespace):
    """What the server does to disconnect a client: mark it as leaving if it
    is connected, run the disconnect handler (which may read the rooms),
    forget it. False when it was not connected (or another thread was
    disconnecting it)."""
    if mgr._claim_disconnect(sid, namespace) is None:
        return False
    mgr.get_rooms(sid, namespace)
    await maybe(mgr.disconnect(sid, namespace, ignore_queue=True))
    return True


# -- invariants ---------------------------------------------------------------------------


def check_consistent(mgr, quiescent: bool = False) -> None:
    """Check the bookkeeping while no change is in progress (every change is
    made under the manager's lock). ``quiescent``: no operation is half done
    either, so nothing may be pending."""
    with mgr._lock:
        connected = set()
        for namespace, ns_rooms in mgr.rooms.items():
            assert ns_rooms, f'empty namespace entry {namespace!r}'
            everyone = ns_rooms.get(None)
            assert isinstance(everyone, ClientMap), f'{namespace}: no room of everyone'
            assert everyone.inverse == {eio_sid: sid for sid, eio_sid in everyone.items()}
            for name, members in ns_rooms.items():
                assert isinstance(members, Room) and members, f'{namespace} {name}: empty'
                assert members.eio_sids() == list(members.values()), f'{name}: stale cache'
                for sid, eio_sid in members.items():
                    assert everyone.get(sid) == eio_sid, f'{name}: {sid} is not connected'
            for sid, eio_sid in everyone.items():
                assert dict(ns_rooms.get(sid, {})) == {sid: eio_sid}, f'{sid}: own room'
                connected.add(sid)
        for table in (mgr.pending_connect, mgr.pending_disconnect):
            for namespace, sids in table.items():
                everyone = mgr.rooms.get(namespace, {}).get(None, {})
                assert sids and all(sid in everyone for sid in sids), f'{namespace}: {sids}'
                assert len(set(sids)) == len(sids), f'{namespace}: marked twice: {sids}'
        assert mgr.eio_to_sid == {}
        if quiescent:
            assert mgr.pending_connect == {} and mgr.pending_disconnect == {}
            check_callbacks(mgr, connected)


def check_callbacks(mgr, connected) -> None:
    """Callbacks are kept for connected clients only."""
    stale = set(mgr.callbacks) - connected
    assert not stale, f'callbacks of {len(stale)} gone clients: {sorted(stale)[:10]}'


def check_empty(mgr) -> None:
    """Nothing left once every client is gone."""
    check_consistent(mgr, quiescent=True)
    assert mgr.rooms == {}
    check_callbacks(mgr, set())
    assert mgr.pending_connect == {} and mgr.pending_disconnect == {}
    assert mgr.eio_to_sid == {}


# -- a worker: one handler thread (or task) of a busy server ---------------------------


class Worker:
    """Connects its own clients and does seeded random operations: room
    changes of its clients (in shared rooms and in private rooms that only
    it touches), emits of every kind, acknowledgements, queries, and
    disconnects of its own clients and of any client."""

    def __init__(self, index, mgr, everybody, ops, checkpoint):
        self.index = index
        self.mgr = mgr
        self.everybody = everybody  # (sid, namespace) of every client ever accepted
        self.ops = ops
        self.checkpoint = checkpoint
        self.rng = random.Random(1000 + index)
        self.eio_ids = itertools.count()
        self.mine = []  # (sid, namespace) of the clients it connected
        self.private = {}  # (namespace, room) -> sids it put there
        self.counts = dict.fromkeys(
            ['ops', 'refused_enter', 'acks', 'gone_before_accept', 'deferred'], 0)

    def private_room(self, namespace):
        room = f'w{self.index}-p{self.rng.randrange(PRIVATE_ROOMS)}'
        return room, self.private.setdefault((namespace, room), set())

    def new_eio_sid(self):
        return f'w{self.index}-e{next(self.eio_ids)}'

    def some_client(self, own=True):
        pool = self.mine if own else self.everybody
        return self.rng.choice(pool) if pool else (None, '/')

    async def run(self):
        self.log = record_sends()
        for _ in range(10):
            await self.connect()
        for op in range(self.ops):
            if op == self.ops // 2:
                await self.checkpoint()
            await self.rng.choices(self.operations, self.weights)[0](self)
            self.counts['ops'] += 1
            if len(self.log) > 10000:
                del self.log[:]
        for sid, namespace in self.mine:
            await server_disconnect(self.mgr, sid, namespace)
        self.mine.clear()

    # the operations --------------------------------------------------------------------
    async def connect(self):
        namespace = self.rng.choice(NAMESPACES)
        sid = await maybe(self.mgr.connect(self.new_eio_sid(), namespace))
        assert sid is not None and self.mgr.is_connected(sid, namespace)
        self.mine.append((sid, namespace))
        self.everybody.append((sid, namespace))

    async def connect_two_steps(self):
        """Admitted while its connect handler runs, which puts it in rooms
        and emits to it; sometimes the client goes away meanwhile."""
        mgr = self.mgr
        namespace = self.rng.choice(NAMESPACES)
        eio_sid = self.new_eio_sid()
        sid = await maybe(mgr.pre_connect(eio_sid, namespace))
        assert mgr.is_pre_connected(sid, namespace) and not mgr.is_connected(sid, namespace)
        room, members = self.private_room(namespace)
        await maybe(mgr.enter_room(sid, namespace, room))
        await maybe(mgr.enter_room(sid, namespace, self.rng.choice(SHARED_ROOMS)))
        log = self.log
        start = len(log)
        with_callback = self.rng.random() < 0.3
        await maybe(mgr.emit('welcome', sid, namespace, to=sid,
                             callback=(lambda *a: None) if with_callback else None))
        assert len(log) == start, 'sent to a client whose connect handler runs'
        gone = self.rng.random() < 0.25
        if gone:
            assert mgr._leave_pre_connected(sid, namespace)
        accepted = await maybe(mgr.connect(sid, namespace))
        if gone:
            assert accepted is None and mgr.eio_sid_from_sid(sid, namespace) is None
            assert sid not in mgr.callbacks
            self.counts['gone_before_accept'] += 1
            return
        assert accepted == sid and mgr.is_connected(sid, namespace)
        assert [eio for eio, _ in log[start:]] == [eio_sid], 'the deferred emit'
        self.counts['deferred'] += 1
        members.add(sid)
        self.mine.append((sid, namespace))
        self.everybody.append((sid, namespace))

    async def disconnect_mine(self):
        if self.mine:
            sid, namespace = self.mine.pop(self.rng.randrange(len(self.mine)))
            await server_disconnect(self.mgr, sid, namespace)
            for (ns, _), members in self.private.items():
                if ns == namespace:
                    members.discard(sid)

    async def disconnect_anyone(self):
        sid, namespace = self.some_client(own=False)
        if sid is not None:
            await server_disconnect(self.mgr, sid, namespace)

    def some_room(self, namespace):
        """A private room (with the members it should have) or a shared one."""
        if self.rng.random() < 0.5:
            return self.private_room(namespace)
        return self.rng.choice(SHARED_ROOMS), set()

    async def enter_room(self):
        sid, namespace = self.some_client()
        if sid is None:
            return
        room, members = self.some_room(namespace)
        try:
            await maybe(self.mgr.enter_room(sid, namespace, room))
        except ValueError:
            # documented: the client is not connected (another thread
            # disconnected it); anything else is a failure
            assert self.mgr.eio_sid_from_sid(sid, namespace) is None
            self.counts['refused_enter'] += 1
            return
        members.add(sid)

    async def leave_room(self):
        sid, namespace = self.some_client()
        if sid is None:
            return
        room, members = self.some_room(namespace)
        await maybe(self.mgr.leave_room(sid, namespace, room))
        members.discard(sid)

    async def close_room(self):
        namespace = self.rng.choice(NAMESPACES)
        if self.rng.random() < 0.3:
            room, members = self.private_room(namespace)
            members.clear()
        else:
            room = self.rng.choice(SHARED_ROOMS)
        await maybe(self.mgr.close_room(room, namespace))

    async def emit(self):
        rng = self.rng
        namespace = rng.choice(NAMESPACES)
        room = rng.choice([None, rng.choice(SHARED_ROOMS), self.private_room(namespace)[0],
                           list(rng.sample(SHARED_ROOMS, 3)), self.some_client(False)[0]])
        skip = rng.choice([None, self.some_client(False)[0],
                           [self.some_client(False)[0], self.some_client()[0]]])
        await maybe(self.mgr.emit('news', {'n': 1}, namespace, room=room, skip_sid=skip))

    async def emit_with_callback(self):
        sid, namespace = self.some_client()
        if sid is None:
            return
        to = sid if self.rng.random() < 0.5 else self.private_room(namespace)[0]
        log = self.log
        start = len(log)
        await maybe(self.mgr.emit('ask', 1, namespace, to=to, callback=lambda *a: None))
        if self.rng.random() < 0.7:  # the client answers (the others never do)
            for eio_sid, (_, ack_id) in log[start:]:
                answer_sid = self.mgr.sid_from_eio_sid(eio_sid, namespace)
                if answer_sid is not None:
                    await maybe(self.mgr.trigger_callback(answer_sid, ack_id, ['yes']))
                    self.counts['acks'] += 1

    async def query(self):
        mgr = self.mgr
        sid, namespace = self.some_client(own=self.rng.random() < 0.5)
        mgr.get_rooms(sid, namespace)
        mgr.is_connected(sid, namespace)
        mgr.is_pre_connected(sid, namespace)
        mgr.is_sid_room(namespace, sid)
        eio_sid = mgr.eio_sid_from_sid(sid, namespace)
        if eio_sid is not None:
            mgr.sid_from_eio_sid(eio_sid, namespace)
        list(mgr.get_namespaces())
        room = self.rng.choice([None, self.rng.choice(SHARED_ROOMS),
                                list(self.rng.sample(SHARED_ROOMS, 2))])
        list(mgr.get_participants(namespace, room))

    operations = [connect, connect_two_steps, disconnect_mine, disconnect_anyone, enter_room,
                  leave_room, close_room, emit, emit_with_callback, query]
    weights = [8, 5, 6, 2, 20, 10, 2, 20, 5, 15]


def check_private_rooms(mgr, workers) -> None:
    """Each worker's private rooms hold exactly the clients it put there
    that are still connected (other threads may have disconnected some)."""
    for worker in workers:
        for (namespace, room), expected in worker.private.items():
            members = set(mgr.rooms.get(namespace, {}).get(room, {}))
            assert members == {sid for sid in expected if mgr.is_connected(sid, namespace)}, \
                (namespace, room)


def run_guarded(target, errors) -> None:
    """Run ``target()``; append the traceback to ``errors`` if it raises."""
    try:
        target()
    except BaseException:
        errors.append(traceback.format_exc())


def run_threads(targets, timeout=60.0):
    """Run each callable in a thread of its own; return the tracebacks of
    those that raised."""
    errors: list = []
    threads = [threading.Thread(target=run_guarded, args=(target, errors), daemon=True)
               for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), 'a thread hung'
    return errors


# -- the tests ---------------------------------------------------------------------------


@pytest.mark.timeout(120)
def test_mixed_operations_from_many_threads_leave_nothing_behind():
    """8 workers, 2,500 operations each, while a ninth thread checks the
    bookkeeping every 5 ms; the workers stop halfway for an exact check."""
    mgr = make_manager()
    everybody = []
    barrier = threading.Barrier(THREADS + 1, timeout=60)
    stop = threading.Event()
    checks = []

    async def checkpoint():
        barrier.wait()  # every worker is between operations ...
        barrier.wait()  # ... until the main thread has checked

    workers = [Worker(i, mgr, everybody, OPS_PER_WORKER, checkpoint) for i in range(THREADS)]

    def checker():
        """Checks the bookkeeping while the workers run."""
        while not stop.is_set():
            check_consistent(mgr)
            checks.append(1)
            stop.wait(0.005)

    def run_worker(worker):
        try:
            drive(worker.run())
        except BaseException:
            barrier.abort()  # do not keep the others waiting
            raise

    def main():
        barrier.wait()
        try:
            check_consistent(mgr, quiescent=True)
            check_private_rooms(mgr, workers)
            assert mgr.rooms, 'clients are connected halfway'
        finally:
            barrier.wait()

    check_thread_errors = []
    check_thread = threading.Thread(
        target=lambda: run_guarded(checker, check_thread_errors), daemon=True)
    check_thread.start()
    try:
        errors = run_threads([lambda w=w: run_worker(w) for w in workers] + [main])
    finally:
        stop.set()
        check_thread.join(30)
    assert errors == [], '\n'.join(errors[:3])
    assert check_thread_errors == [], check_thread_errors[0]
    assert len(checks) > 5
    totals = {key: sum(w.counts[key] for w in workers) for key in workers[0].counts}
    assert totals['ops'] == THREADS * OPS_PER_WORKER
    assert totals['deferred'] > 0 and totals['gone_before_accept'] > 0 and totals['acks'] > 0
    check_empty(mgr)


@pytest.mark.timeout(120)
def test_mixed_operations_from_many_tasks_leave_nothing_behind():
    """The asyncio manager on one loop: a task's emit yields between
    recipients while other tasks change the rooms it sends to."""
    mgr = make_manager(is_async=True)

    async def main():
        everybody = []
        halfway = []  # the workers that reached their checkpoint
        all_halfway, checked = asyncio.Event(), asyncio.Event()

        async def checkpoint():
            halfway.append(1)
            if len(halfway) == THREADS:
                all_halfway.set()
            await checked.wait()

        workers = [Worker(i, mgr, everybody, OPS_PER_WORKER // 2, checkpoint)
                   for i in range(THREADS)]

        async def run_worker(worker):
            try:
                await worker.run()
            except BaseException:
                all_halfway.set()  # do not keep the others waiting
                checked.set()
                raise

        tasks = [asyncio.create_task(run_worker(w)) for w in workers]
        await asyncio.wait_for(all_halfway.wait(), 60)
        if any(task.done() for task in tasks):  # one failed
            await asyncio.gather(*tasks)
        check_consistent(mgr, quiescent=True)
        check_private_rooms(mgr, workers)
        checked.set()
        await asyncio.gather(*tasks)
        assert sum(w.counts['ops'] for w in workers) == THREADS * (OPS_PER_WORKER // 2)

    asyncio.run(main())
    check_empty(mgr)


@pytest.mark.timeout(120)
@pytest.mark.parametrize('flavour', ['threads', 'tasks'])
def test_emits_reach_every_client_that_stays_in_the_room(flavour):
    """Two threads (or tasks) emit to a room (with and without
    ``skip_sid``, to a list of rooms, to everyone, with a callback) while six
    others connect, disconnect and move other clients in and out of it.
    Every emit reaches each client that stays in the room, once, unless
    ``skip_sid`` names it, and no client whose connect handler was still
    running when it ended. The clients that stay are interleaved with
    others that leave, so that their places in the room change. Clients
    are admitted briefly (their connect handler puts them in rooms and
    returns), so that most of the time nobody is being admitted and emits
    without ``skip_sid`` send the room's cached list; clients admitted for
    longer are the next test's."""
    is_async = flavour == 'tasks'
    mgr = make_manager(is_async)
    namespace = '/'
    stable = {}  # sid -> eio_sid: in 'hall' from start to end
    early = [[] for _ in range(6)]  # the churners' first clients, in 'hall' too
    for i in range(100):
        sid = drive(maybe(mgr.connect(f'stable{i}', namespace)))
        drive(maybe(mgr.enter_room(sid, namespace, 'hall')))
        stable[sid] = f'stable{i}'
        sid = drive(maybe(mgr.connect(f'early{i}', namespace)))
        drive(maybe(mgr.enter_room(sid, namespace, 'hall')))
        early[i % 6].append(sid)
    stable_sids = list(stable)
    #: Engine.IO sids of the clients that may receive: marked before their
    #: connect handler accepts them (an emit that sees them accepted ends
    #: later), or before they go away (an emit that read the room before they
    #: left may still send to them, as to any client that leaves meanwhile)
    admitted = set(stable.values()) | {f'early{i}' for i in range(100)}
    done = threading.Event()
    emits = []

    async def churn(index):
        rng = random.Random(index)
        mine = early[index]  # accepted
        for n in range(1500 if not is_async else 800):
            action = rng.random()
            if action < 0.2 or not mine:
                eio_sid = f'c{index}-{n}'
                if rng.random() < 0.4:
                    admitted.add(eio_sid)
                    mine.append(await maybe(mgr.connect(eio_sid, namespace)))
                    continue
                # its connect handler puts it in a room, then returns
                sid = await maybe(mgr.pre_connect(eio_sid, namespace))
                await maybe(mgr.enter_room(sid, namespace, rng.choice(['hall', f'x{n % 7}'])))
                admitted.add(eio_sid)
                if rng.random() < 0.2:  # gone before its connect handler returned
                    assert mgr._leave_pre_connected(sid, namespace)
                    assert await maybe(mgr.connect(sid, namespace)) is None
                else:
                    assert await maybe(mgr.connect(sid, namespace)) == sid
                    mine.append(sid)
            elif action < 0.45:
                await maybe(mgr.enter_room(rng.choice(mine), namespace,
                                           rng.choice(['hall', f'x{n % 7}'])))
            elif action < 0.65:
                await maybe(mgr.leave_room(rng.choice(mine), namespace,
                                           rng.choice(['hall', f'x{n % 7}'])))
            elif action < 0.8:
                sid = mine.pop(rng.randrange(len(mine)))
                assert await server_disconnect(mgr, sid, namespace)
            elif action < 0.85:
                await maybe(mgr.close_room(f'x{n % 7}', namespace))
            else:
                mgr.get_rooms(rng.choice(stable_sids), namespace)
                list(mgr.get_participants(namespace, 'hall'))
                if is_async:
                    await asyncio.sleep(0)
        for sid in mine:
            await server_disconnect(mgr, sid, namespace)

    async def emitter(index):
        rng = random.Random(100 + index)
        log = record_sends()
        n = 0
        while not done.is_set() or n < 200:
            skipped = rng.sample(stable_sids, 2)
            variant = n % 6
            kwargs = [dict(to='hall'), dict(to='hall', skip_sid=skipped[0]),
                      dict(to='hall', skip_sid=skipped), dict(to=['hall', 'x1', 'x2']),
                      dict(skip_sid=skipped[0]), dict(to='hall', callback=lambda *a: None),
                      ][variant]
            skip = set(skipped[:1] if variant in (1, 4) else skipped if variant == 2 else [])
            del log[:]
            await maybe(mgr.emit('tick', n, namespace, **kwargs))
            received = [eio_sid for eio_sid, _ in log]
            assert len(received) == len(set(received)), 'a client got the emit twice'
            expected = {stable[sid] for sid in stable_sids if sid not in skip}
            missing = expected - set(received)
            assert not missing, f'emit {kwargs}: {len(missing)} stable members missed'
            assert not {stable[sid] for sid in skip} & set(received), 'skip_sid ignored'
            too_early = set(received) - admitted
            assert not too_early, f'emit {kwargs} reached clients not accepted: {too_early}'
            if variant == 5:  # the stable members answer
                for eio_sid, (_, ack_id) in log:
                    if eio_sid.startswith('stable'):
                        sid = mgr.sid_from_eio_sid(eio_sid, namespace)
                        assert await maybe(mgr.trigger_callback(sid, ack_id, ['ok'])) is None
            n += 1
        emits.append(n)

    if is_async:
        async def main():
            async def churners():
                await asyncio.gather(*[churn(i) for i in range(6)])
                done.set()
            await asyncio.gather(churners(), emitter(0), emitter(1))
        asyncio.run(main())
    else:
        def churners():
            errors = run_threads([lambda i=i: drive(churn(i)) for i in range(6)])
            done.set()
            assert errors == [], '\n'.join(errors[:3])

        errors = run_threads([churners, lambda: drive(emitter(0)), lambda: drive(emitter(1))])
        assert errors == [], '\n'.join(errors[:3])
    assert min(emits) >= 200
    check_consistent(mgr, quiescent=False)
    assert set(mgr.get_participants(namespace, 'hall')) == set(stable.items())
    for sid in stable:
        assert drive(server_disconnect(mgr, sid, namespace))
    check_empty(mgr)


def test_a_list_handed_to_a_broadcast_never_changes():
    """Broadcasts send to a room's cached list of Engine.IO sids without a
    lock: a change of the room makes a new list, and never alters the one
    a broadcast may still be sending to."""
    room = Room(a='ea', b='eb')
    handed = room.eio_sids()
    assert room.eio_sids() is handed  # kept while the room does not change
    room['c'] = 'ec'
    del room['a']
    room.pop('b')
    room.update(d='ed')
    assert room.eio_sids() == ['ec', 'ed']
    assert handed == ['ea', 'eb']


def test_an_emit_to_a_list_of_rooms_while_a_client_is_admitted():
    """A client waiting for its connect handler does not break an emit to a
    list of rooms (it raised ``TypeError: unhashable type``)."""
    mgr = make_manager()
    log = record_sends()
    sid = mgr.connect('e1', '/')
    mgr.enter_room(sid, '/', 'a')
    waiting = mgr.pre_connect('e2', '/')
    mgr.enter_room(waiting, '/', 'a')
    mgr.emit('x', 1, '/', to=['a', 'b'])
    mgr.emit('x', 2, '/', to=('a', 'b'), callback=lambda: None)
    assert [eio_sid for eio_sid, _ in log] == ['e1', 'e1']
    assert not mgr.is_pre_connected(['a'], '/')


def test_a_callback_for_a_client_gone_during_an_emit_is_not_kept():
    """Another thread disconnects the second recipient of an emit with a
    callback while the emit sends to the first one."""
    mgr = make_manager()
    first = mgr.connect('e1', '/')
    second = mgr.connect('e2', '/')

    def emit_internal(eio_sid, event, data, namespace, id):
        if eio_sid == 'e1':
            assert drive(server_disconnect(mgr, second, '/'))

    mgr.server._emit_internal = emit_internal
    mgr.emit('question', 1, '/', callback=lambda *answer: None)
    assert drive(server_disconnect(mgr, first, '/'))
    assert mgr.rooms == {}
    assert mgr.callbacks == {}


@pytest.mark.timeout(60)
def test_a_client_admitted_during_a_broadcast_does_not_receive_it():
    """A broadcast reads the room and then who is being admitted: a client
    admitted between the two reads is in the room but left out, as the
    others whose connect handler runs (read in the other order, it got the
    broadcast before the server's answer to its CONNECT)."""
    mgr = make_manager()
    namespace = '/'
    for i in range(3):
        mgr.connect(f'member{i}', namespace)
    done = threading.Event()
    violations = []

    def admit():
        for n in range(6000):
            sid = mgr.pre_connect(f'p{n}', namespace)  # its connect handler runs ...
            if n % 2:
                mgr.enter_room(sid, namespace, 'lobby')
            if n >= 4:  # ... until the client goes away a little later
                gone = mgr.sid_from_eio_sid(f'p{n - 4}', namespace)
                assert mgr._leave_pre_connected(gone, namespace)
                assert mgr.connect(gone, namespace) is None
        done.set()

    def broadcast():
        log = record_sends()
        while not done.is_set():
            for kwargs in ({}, {'skip_sid': 'nobody'}, {'to': 'lobby'}, {'to': ['lobby']}):
                del log[:]
                mgr.emit('news', 1, namespace, **kwargs)
                for eio_sid, _ in log:
                    # still waiting now, so it waited during the whole emit
                    if eio_sid.startswith('p') and mgr.is_pre_connected(
                            mgr.sid_from_eio_sid(eio_sid, namespace), namespace):
                        violations.append((eio_sid, kwargs))

    errors = run_threads([admit, broadcast, broadcast])
    assert errors == [], '\n'.join(errors[:3])
    assert violations == []


# -- the standard server -------------------------------------------------------------------


class SlowToMark(socketio.Manager):
    """A manager whose ``pre_disconnect`` takes a moment (as one that also
    tells other processes would), so that threads meet there."""

    def pre_disconnect(self, sid, namespace):
        time.sleep(0.0005)
        return super().pre_disconnect(sid, namespace)


@pytest.mark.timeout(60)
@pytest.mark.parametrize('race', ['packet_and_close', 'server_and_client'])
def test_the_disconnect_handler_runs_once_when_threads_see_a_client_go(race):
    """A client's DISCONNECT packet and the end of its connection are
    handled by two threads at once (Engine.IO runs each message on a thread
    of its own), or the server disconnects a client while it leaves: one
    of them runs the disconnect handler, once (it ran twice)."""
    sio = socketio.Server(async_mode='threading', async_handlers=False,
                          client_manager=SlowToMark())
    sio.eio.send = lambda *args, **kwargs: None
    sio.eio.send_packet = lambda *args, **kwargs: None
    calls = {}
    lock = threading.Lock()

    def on_disconnect(sid, reason):
        with lock:
            calls[sid] = calls.get(sid, 0) + 1

    sio.on('disconnect', on_disconnect)
    clients = 200
    sids = []
    for i in range(clients):
        sio._handle_eio_connect(f'e{i}', {})
        sio._handle_eio_message(f'e{i}', '0')
        sids.append(sio.manager.sid_from_eio_sid(f'e{i}', '/'))
    barrier = threading.Barrier(2, timeout=30)

    def packets():
        for i in range(clients):
            barrier.wait()
            if race == 'packet_and_close':
                sio._handle_eio_message(f'e{i}', '1')
            else:
                sio.disconnect(sids[i])

    def closes():
        for i in range(clients):
            barrier.wait()
            sio._handle_eio_disconnect(f'e{i}', 'transport close')

    errors = run_threads([packets, closes])
    assert errors == [], '\n'.join(errors[:3])
    assert sorted(calls) == sorted(sids)
    assert [sid for sid, count in calls.items() if count > 1] == []
    assert sio.manager.rooms == {} and sio.manager.pending_disconnect == {}
    assert sio.environ == {}
