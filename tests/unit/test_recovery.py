"""Connection state recovery (``connection_state_recovery``), both flavours,
fed through the servers' Engine.IO entry points: the wire protocol of the
JavaScript server, what a recovered client gets back, when a session is
kept, and the bounds of what is kept."""
from __future__ import annotations

import asyncio
import json
import logging
import threading
from typing import Any, Dict, List

import pytest

import socketio
from socketio import base_recovery, packet
from socketio.async_pubsub_manager import AsyncPubSubManager
from socketio.base_recovery import Recovery, RecoveryOptions, recovery_options, split_auth
from socketio.pubsub_messages import emit_message

ON = {'max_disconnection_duration': 60}


class Flavour:
    """A server of either flavour with recovery on, fed through its
    Engine.IO entry points; what it sends is kept by Engine.IO sid, and
    Engine.IO sessions are plain dicts."""

    def __init__(self, is_async: bool, **kwargs: Any) -> None:
        self.is_async = is_async
        kwargs.setdefault('connection_state_recovery', ON)
        self.sent: List[Any] = []
        self.sessions: Dict[str, Dict[str, Any]] = {}
        if is_async:
            self.sio = socketio.AsyncServer(async_mode='asgi', async_handlers=False, **kwargs)

            async def send(eio_sid: str, data: Any) -> None:
                self.sent.append((eio_sid, data))

            async def send_packet(eio_sid: str, pkt: Any) -> None:
                self.sent.append((eio_sid, pkt.data))

            async def get_session(eio_sid: str) -> Dict[str, Any]:
                return self.sessions[eio_sid]
        else:
            self.sio = socketio.Server(async_mode='threading', async_handlers=False, **kwargs)

            def send(eio_sid: str, data: Any) -> None:
                self.sent.append((eio_sid, data))

            def send_packet(eio_sid: str, pkt: Any) -> None:
                self.sent.append((eio_sid, pkt.data))

            def get_session(eio_sid: str) -> Dict[str, Any]:
                return self.sessions[eio_sid]
        self.sio.eio.send, self.sio.eio.send_packet = send, send_packet
        self.sio.eio.get_session = get_session
        self.loop = asyncio.new_event_loop() if is_async else None

    def __call__(self, result: Any) -> Any:
        return self.loop.run_until_complete(result) if self.is_async else result

    def open(self, eio_sid: str) -> None:
        self.sessions[eio_sid] = {}
        self(self.sio._handle_eio_connect(eio_sid, {'eio': eio_sid}))

    def connect(self, eio_sid: str, auth: Any = None, namespace: str = '/') -> Dict[str, Any]:
        """Open a connection, send CONNECT; return the data of the reply
        (CONNECT or CONNECT_ERROR)."""
        self.open(eio_sid)
        prefix = '0' if namespace == '/' else f'0{namespace},'
        self(self.sio._handle_eio_message(eio_sid, prefix + (json.dumps(auth) if auth else '')))
        replies = [packet.Packet(encoded_packet=p) for p in self.wire(eio_sid)]
        return [p.data for p in replies if p.packet_type in (0, 4)][-1]

    def message(self, eio_sid: str, text: str) -> None:
        self(self.sio._handle_eio_message(eio_sid, text))

    def close(self, eio_sid: str, reason: str = 'transport close') -> None:
        self(self.sio._handle_eio_disconnect(eio_sid, reason))
        self.sessions.pop(eio_sid, None)

    def emit(self, *args: Any, **kwargs: Any) -> None:
        self(self.sio.emit(*args, **kwargs))

    def wire(self, eio_sid: str) -> List[Any]:
        return [data for sid, data in self.sent if sid == eio_sid]

    def events(self, eio_sid: str) -> List[List[Any]]:
        """The arguments of the events sent to ``eio_sid``, any namespace."""
        return [packet.Packet(encoded_packet=p).data for p in self.wire(eio_sid)
                if isinstance(p, str) and p.startswith('2')]

    def end(self) -> None:
        if self.loop:
            self.loop.close()


@pytest.fixture(params=['standard', 'asyncio'])
def flavour(request: Any) -> Any:
    made: List[Flavour] = []

    def make(**kwargs: Any) -> Flavour:
        made.append(Flavour(request.param == 'asyncio', **kwargs))
        return made[-1]

    yield make
    for f in made:
        f.end()


def recorder(f: Flavour) -> List[Any]:
    """Record what the connect handler sees: (sid, auth, is_recovered)."""
    seen: List[Any] = []

    def connect(sid: str, environ: Any, auth: Any) -> None:
        seen.append((sid, auth, f.sio.is_recovered(sid)))

    f.sio.on('connect', connect)
    return seen


def drop(f: Flavour, eio_sid: str, reason: str = 'transport close') -> None:
    f.close(eio_sid, reason)


# -- options ---------------------------------------------------------------------------
def test_options() -> None:
    assert recovery_options(None) is None and recovery_options(False) is None
    default = recovery_options(True)
    assert default.max_disconnection_duration == 120 and default.skip_middlewares is True
    assert default.max_sessions == 10_000 and default.max_events == 10_000
    custom = recovery_options({'max_disconnection_duration': 5, 'skip_middlewares': False,
                               'max_events': 3})
    assert (custom.max_disconnection_duration, custom.skip_middlewares,
            custom.max_events) == (5.0, False, 3)
    assert 'max_events=3' in repr(custom)
    with pytest.raises(ValueError, match='Unknown.*maxDisconnectionDuration'):
        recovery_options({'maxDisconnectionDuration': 1})
    for bad in ({'max_disconnection_duration': 0}, {'max_events': -1},
                {'max_sessions': True}, {'max_disconnection_duration': 'x'}):
        with pytest.raises(ValueError):
            recovery_options(bad)
    with pytest.raises(TypeError):
        recovery_options(['max_events'])
    assert recovery_options(custom) is custom


def test_off_by_default_nothing_changes(flavour: Any) -> None:
    f = flavour(connection_state_recovery=None)
    assert f.sio._recovery is None and f.sio.manager._recovery is None
    reply = f.connect('e1')
    assert set(reply) == {'sid'}
    f.emit('news', 'hello')
    assert f.events('e1') == [['news', 'hello']]
    assert f.sio.is_recovered(reply['sid']) is False
    with pytest.raises(TypeError):
        socketio.Server(connection_state_recovery='yes')


def test_connect_reply_has_a_pid_and_events_an_offset(flavour: Any) -> None:
    f = flavour()
    reply = f.connect('e1')
    assert set(reply) == {'sid', 'pid'} and isinstance(reply['pid'], str)
    sid = reply['sid']
    f.emit('news', 'hello')
    f.emit('pair', (1, 2), to=sid)
    f.emit('none', to=sid)
    f.emit('asks', 'q', to=sid, callback=lambda *a: None)  # an ack id: no offset
    news, pair, none, asks = f.events('e1')
    assert news[:2] == ['news', 'hello'] and pair[:3] == ['pair', 1, 2]
    assert none[:1] == ['none'] and len(none) == 2
    offsets = [news[-1], pair[-1], none[-1]]
    assert all(isinstance(o, str) for o in offsets) and len(set(offsets)) == 3
    assert asks == ['asks', 'q']
    # the acknowledgement of an event carries no offset either
    f.sio.on('echo', lambda sid, x: x)
    f.message('e1', '21["echo","back"]')
    assert f.wire('e1')[-1] == '31["back"]'


# -- recovering ----------------------------------------------------------------------------
def test_recovery_gives_back_sid_rooms_session_and_missed_events(flavour: Any) -> None:
    f = flavour()
    seen = recorder(f)
    first = f.connect('e1', {'token': 't'})
    sid = first['sid']
    other = f.connect('e2')['sid']
    f(f.sio.enter_room(sid, 'red'))
    f(f.sio.enter_room(other, 'red'))
    f(f.sio.save_session(sid, {'user': 'ann'}))
    f.emit('before', 1, to=sid)
    offset = f.events('e1')[-1][-1]
    drop(f, 'e1')
    assert f.sio.manager.is_connected(sid, '/') is False
    assert f.sio._recovery.sessions() == 1
    f.emit('direct', 1, to=sid)
    f.emit('room', 2, to='red')
    f.emit('skipped', 3, to='red', skip_sid=sid)
    f.emit('skipped_list', 3, to='red', skip_sid=[other, sid])
    f.emit('elsewhere', 4, to='blue')
    f.emit('everyone', 5)
    f.emit('rooms', 6, to=['blue', 'red'])
    f.emit('other_sid', 7, to=other)
    reply = f.connect('e3', {'pid': first['pid'], 'offset': offset, 'token': 't'})
    assert reply == first  # same sid, same pid: the JS client says recovered
    assert [e[:-1] for e in f.events('e3')] == [
        ['direct', 1], ['room', 2], ['everyone', 5], ['rooms', 6]]
    assert sorted(f.sio.rooms(sid)) == sorted([sid, 'red'])
    assert f(f.sio.get_session(sid)) == {'user': 'ann'}
    assert f.sio.manager.is_connected(sid, '/') and f.sio.is_recovered(sid)
    assert f.sio.get_environ(sid) == {'eio': 'e3'}
    # the connect handler ran both times, without the pid and offset in auth
    assert seen == [(sid, {'token': 't'}, False), (other, None, False),
                    (sid, {'token': 't'}, True)]
    assert f.sio._recovery.sessions() == 0
    # live again
    f.emit('live', 8, to='red')
    assert f.events('e3')[-1][:-1] == ['live', 8]


def test_recovered_client_can_be_recovered_again(flavour: Any) -> None:
    f = flavour()
    first = f.connect('e1')
    f.emit('a', 1)
    drop(f, 'e1')
    f.emit('b', 2)
    f.connect('e2', {'pid': first['pid'], 'offset': f.events('e1')[-1][-1]})
    offset = f.events('e2')[-1][-1]
    drop(f, 'e2', 'ping timeout')
    f.emit('c', 3)
    assert f.connect('e3', {'pid': first['pid'], 'offset': offset}) == first
    assert [e[:-1] for e in f.events('e3')] == [['c', 3]]


def test_no_offset_recovers_from_where_the_client_connected(flavour: Any) -> None:
    """The JavaScript client sends no offset before its first event."""
    f = flavour()
    f.emit('old', 0)  # before the client came: not for it
    first = f.connect('e1')
    drop(f, 'e1', 'transport error')
    f.emit('missed', 1)
    assert f.connect('e2', {'pid': first['pid']}) == first
    assert [e[:-1] for e in f.events('e2')] == [['missed', 1]]


def test_unknown_pid_or_offset_is_a_new_session(flavour: Any) -> None:
    f = flavour()
    seen = recorder(f)
    first = f.connect('e1')
    drop(f, 'e1')
    reply = f.connect('e2', {'pid': 'nope', 'offset': 'x'})
    assert reply['sid'] != first['sid'] and reply['pid'] != first['pid']
    reply = f.connect('e3', {'pid': first['pid'], 'offset': 'not-in-the-log'})
    assert reply['sid'] != first['sid'] and reply['pid'] != first['pid']
    # the session was taken by that attempt: it cannot be used twice
    assert f.connect('e4', {'pid': first['pid']})['sid'] != first['sid']
    assert [s[2] for s in seen] == [False] * 4


def test_sessions_are_kept_only_after_a_temporary_disconnection(flavour: Any) -> None:
    f = flavour()
    pids = {}
    for eio_sid in ('e1', 'e2', 'e3', 'e4', 'e5'):
        pids[eio_sid] = f.connect(eio_sid)
    f.message('e1', '1')  # a Socket.IO DISCONNECT: deliberate
    drop(f, 'e1', 'client disconnect')
    f(f.sio.disconnect(pids['e2']['sid']))  # the server kicks it
    drop(f, 'e2', 'server disconnect')
    drop(f, 'e3', 'server disconnect')  # the server closes the connection
    drop(f, 'e4', 'client disconnect')  # an Engine.IO CLOSE (engine.close())
    drop(f, 'e5', 'ping timeout')
    assert f.sio._recovery.sessions() == 2
    for eio_sid, recovered in (('e1', False), ('e2', False), ('e3', False), ('e4', True),
                               ('e5', True)):
        reply = f.connect('x' + eio_sid, {'pid': pids[eio_sid]['pid']})
        assert (reply['sid'] == pids[eio_sid]['sid']) is recovered, eio_sid


def test_a_client_back_before_its_old_connection_ended(flavour: Any) -> None:
    """A network drop is noticed at the next ping only: the client may come
    back first. Its pid ends the old connection, and the session is kept."""
    f = flavour()
    first = f.connect('e1')
    f.emit('a', 1)
    offset = f.events('e1')[-1][-1]
    closed: List[Any] = []

    class OldSocket:
        def close(self, wait: bool = True, abort: bool = False, reason: Any = None) -> Any:
            closed.append((wait, abort, reason))
            return f.sio._handle_eio_disconnect('e1', reason)

    f.sio.eio.sockets['e1'] = OldSocket()
    f.emit('b', 2)  # into the dead connection
    assert f.connect('e2', {'pid': 'unknown'})['sid'] != first['sid']
    assert closed == []
    assert f.connect('e3', {'pid': first['pid'], 'offset': offset}) == first
    assert closed == [(False, True, 'transport close')]
    assert [e[:-1] for e in f.events('e3')] == [['b', 2]]
    assert f.sio.manager.eio_sid_from_sid(first['sid'], '/') == 'e3'


def test_shutdown_keeps_the_sessions(flavour: Any) -> None:
    f = flavour()
    f.connect('e1')
    f.sio.eio.sockets = {}
    f.sio.eio.shutdown = (lambda: asyncio.sleep(0)) if f.is_async else (lambda: None)
    f(f.sio.shutdown())
    drop(f, 'e1', 'server disconnect')
    assert f.sio._recovery.sessions() == 1


def test_skip_middlewares_false_lets_the_connect_handler_refuse(flavour: Any) -> None:
    f = flavour(connection_state_recovery={'skip_middlewares': False})
    seen: List[Any] = []

    def connect(sid: str, environ: Any, auth: Any) -> Any:
        seen.append(f.sio.is_recovered(sid))
        if auth and auth.get('refuse'):
            return False
        return f.sio.emit('welcome', to=sid)  # a coroutine on AsyncServer

    async def async_connect(sid: str, environ: Any, auth: Any) -> Any:
        result = connect(sid, environ, auth)
        if result is not False:
            await result
        return result is not False and None

    f.sio.on('connect', async_connect if f.is_async else connect)
    first = f.connect('e1')
    drop(f, 'e1')
    f.emit('missed')
    reply = f.connect('e2', {'pid': first['pid'], 'refuse': True})
    assert 'message' in reply  # CONNECT_ERROR
    assert seen == [False, True] and f.sio.manager.rooms.get('/') is None
    # accepted: the handler ran while it was pre-connected; what it emitted
    # comes after the missed events
    second = f.connect('e3')
    drop(f, 'e3')
    f.emit('missed2')
    assert f.connect('e4', {'pid': second['pid']}) == second
    assert [e[0] for e in f.events('e4')] == ['missed2', 'welcome']


def test_skip_middlewares_accepts_before_the_handler_which_may_still_refuse(
        flavour: Any) -> None:
    f = flavour()
    order: List[str] = []

    def connect(sid: str, environ: Any, auth: Any) -> Any:
        order.append('handler')
        return not (auth and auth.get('refuse'))

    f.sio.on('connect', connect)
    first = f.connect('e1')
    drop(f, 'e1')
    f.connect('e2', {'pid': first['pid'], 'refuse': True})
    # CONNECT first, then the refusal as a DISCONNECT
    assert [p[0] for p in f.wire('e2')] == ['0', '1']
    assert f.sio.manager.rooms.get('/') is None


def test_a_sid_in_use_is_not_recovered_twice(flavour: Any) -> None:
    f = flavour()
    first = f.connect('e1')
    drop(f, 'e1')
    session = f.sio._recovery.take(first['pid'], '/')
    f.sio._recovery.keep(session)
    # another client took that sid meanwhile (it cannot happen by chance)
    f(f.sio.manager.pre_connect('e9', '/', sid=first['sid']))
    reply = f.connect('e2', {'pid': first['pid']})
    assert reply['sid'] != first['sid']


def test_namespaces_are_recovered_each_on_its_own(flavour: Any) -> None:
    f = flavour(namespaces='*')
    root = f.connect('e1')
    f(f.sio._handle_eio_message('e1', '0/chat,'))
    chat = json.loads(f.wire('e1')[-1][len('0/chat,'):])
    f.emit('root', 1)
    f.emit('chat', 2, namespace='/chat')
    drop(f, 'e1')
    assert f.sio._recovery.sessions() == 2
    f.emit('chat', 3, namespace='/chat')
    # a pid of /chat is no good for /
    assert f.connect('e2', {'pid': chat['pid']})['sid'] != root['sid']
    offset = f.events('e1')[-1][-1]  # of chat 2
    f.open('e3')
    f.message('e3', '0/chat,' + json.dumps({'pid': chat['pid'], 'offset': offset}))
    assert json.loads(f.wire('e3')[0][len('0/chat,'):]) == chat
    assert json.loads(f.wire('e3')[1][len('2/chat,'):])[:2] == ['chat', 3]


# -- limits ------------------------------------------------------------------------------
def test_events_kept_are_bounded_in_number_and_size(flavour: Any) -> None:
    f = flavour(connection_state_recovery={'max_events': 5, 'max_events_size': 10_000})
    first = f.connect('e1')
    f.emit('a', 0)
    offset = f.events('e1')[-1][-1]
    drop(f, 'e1')
    for i in range(10):
        f.emit('b', i)
    assert f.sio._recovery.events('/') == 5
    # the events after its offset are no longer all there: not recovered
    assert f.connect('e2', {'pid': first['pid'], 'offset': offset})['sid'] != first['sid']
    f.emit('big', 'x' * 4000)
    f.emit('big', 'y' * 4000)
    f.emit('big', 'z' * 4000)
    assert f.sio._recovery.events('/') == 2
    assert f.sio._recovery.events() == 2


def test_sessions_kept_are_bounded_and_expire(flavour: Any, monkeypatch: Any) -> None:
    f = flavour(connection_state_recovery={'max_sessions': 3,
                                           'max_disconnection_duration': 10})
    now = [1000.0]
    monkeypatch.setattr(base_recovery.time, 'monotonic', lambda: now[0])
    replies = [f.connect(f'e{i}') for i in range(5)]
    for i in range(5):
        drop(f, f'e{i}')
    assert f.sio._recovery.sessions() == 3  # the two oldest were dropped
    assert f.connect('x0', {'pid': replies[0]['pid']})['sid'] != replies[0]['sid']
    assert f.connect('x4', {'pid': replies[4]['pid']})['sid'] == replies[4]['sid']
    now[0] += 11
    assert f.connect('x3', {'pid': replies[3]['pid']})['sid'] != replies[3]['sid']
    assert f.sio._recovery.sessions() == 0
    # old events leave the log with the recovery window
    f.emit('old')
    now[0] += 11
    f.emit('new')
    assert f.sio._recovery.events('/') == 1


def test_connected_clients_leave_nothing_behind(flavour: Any) -> None:
    f = flavour()
    for i in range(20):
        f.connect(f'e{i}')
    assert f.sio._recovery.clients() == 20
    for i in range(20):
        f.message(f'e{i}', '1')
        drop(f, f'e{i}', 'client disconnect')
    assert f.sio._recovery.clients() == 0 and f.sio._recovery.sessions() == 0
    # a refused client too
    f.sio.on('connect', lambda sid, environ: False)
    f.connect('r1')
    assert f.sio._recovery.clients() == 0


# -- pure rules -----------------------------------------------------------------------------
def test_split_auth() -> None:
    assert split_auth(None) == (None, None, None)
    assert split_auth('token') == ('token', None, None)
    assert split_auth({'pid': 1}) == ({'pid': 1}, None, None)
    auth = {'pid': 'p', 'offset': 'o', 'x': 1}
    assert split_auth(auth) == ({'x': 1}, 'p', 'o')
    assert auth == {'pid': 'p', 'offset': 'o', 'x': 1}  # not changed
    assert split_auth({'pid': 'p', 'offset': 5}) == ({}, 'p', None)


def test_entry_reaches() -> None:
    entry = base_recovery.Entry
    rooms = {'s1', 'red'}
    assert entry(0, 'o', None, None, [], 0, 0, None).reaches('s1', rooms)
    assert entry(0, 'o', 'red', None, [], 0, 0, None).reaches('s1', rooms)
    assert not entry(0, 'o', 'blue', None, [], 0, 0, None).reaches('s1', rooms)
    assert entry(0, 'o', ['blue', 'red'], None, [], 0, 0, None).reaches('s1', rooms)
    assert not entry(0, 'o', None, 's1', [], 0, 0, None).reaches('s1', rooms)
    assert not entry(0, 'o', 'red', ['x', 's1'], [], 0, 0, None).reaches('s1', rooms)
    assert entry(0, 'o', 'red', ['x'], [], 0, 0, None).reaches('s1', rooms)
    assert not entry(0, 'o', [['odd']], None, [], 0, 0, None).reaches('s1', rooms)


def test_records_for_a_shared_store() -> None:
    recovery = Recovery(RecoveryOptions(max_session_size=200))
    session = base_recovery.Session('p', 's', '/', ['red', 7], {'n': [1]}, 3, 'off', 'h')
    text = recovery.to_record(session)
    back = Recovery.from_record(text.encode(), '/')
    assert (back.pid, back.sid, back.rooms, back.data, back.start_seq, back.start_offset,
            back.host) == ('p', 's', ['red', 7], {'n': [1]}, 3, 'off', 'h')
    assert Recovery.from_record(text, '/chat') is None
    for bad in (None, 'not json', '[]', '{"namespace": "/"}', b'\xff'):
        assert Recovery.from_record(bad, '/') is None
    session.data = {'blob': b'bytes'}  # not JSON: kept in the process only
    assert recovery.to_record(session) is None
    session.data = {'big': 'x' * 300}
    assert recovery.to_record(session) is None
    session.data = float('nan')
    assert recovery.to_record(session) is None


def test_offsets_are_unique_per_server() -> None:
    a, b = Recovery(RecoveryOptions()), Recovery(RecoveryOptions())
    offsets = {a.new_offset() for _ in range(1000)} | {b.new_offset() for _ in range(1000)}
    assert len(offsets) == 2000


def test_message_queue_carries_the_offset(flavour: Any) -> None:
    """An emit through a message queue carries its offset, so that every
    process logs the event under the same offset."""
    f = flavour()
    published: List[Any] = []
    base = AsyncPubSubManager if f.is_async else socketio.PubSubManager

    class Queue(base):  # type: ignore[misc, valid-type]
        if f.is_async:
            async def _publish(self, message: Any) -> None:
                published.append(message)

            async def _listen(self) -> Any:  # nothing from other processes
                return
                yield
        else:
            def _publish(self, message: Any) -> None:
                published.append(message)

            def _listen(self) -> Any:
                return iter(())

    f2 = flavour(client_manager=Queue())
    reply = f2.connect('e1')
    f2.emit('news', 'x')
    offset = published[-1]['offset']
    assert f2.events('e1')[-1] == ['news', 'x', offset]
    # another process receives it: same offset, logged there too
    f2(f2.sio.manager._handle_emit(dict(published[-1], host_id='other', event='again')))
    assert f2.events('e1')[-1] == ['again', 'x', offset]
    f2(f2.sio.manager._handle_emit(emit_message('old', 'y', '/', None, None, None, 'other')))
    assert f2.events('e1')[-1][:2] == ['old', 'y'] and f2.events('e1')[-1][2] != offset
    f2.emit('ask', to=reply['sid'], callback=lambda: None)
    assert 'offset' not in published[-1]


def test_threads_emitting_while_a_client_recovers_lose_nothing() -> None:
    """Events emitted by another thread while a client recovers reach it
    once, as missed events or live, in the order they were emitted."""
    for attempt in range(5):
        numbers = recover_while_emitting()
        assert numbers == list(range(len(numbers))) and len(numbers) >= 100, attempt


def recover_while_emitting() -> List[int]:
    f = Flavour(False)
    first = f.connect('e1')
    f(f.sio.enter_room(first['sid'], 'red'))
    f.emit('start', -1, to='red')
    offset = f.events('e1')[-1][-1]
    drop(f, 'e1')
    stop, started = threading.Event(), threading.Event()

    def emitter() -> None:
        for n in range(20000):
            if stop.is_set():
                return
            f.emit('n', n, to='red')
            if n == 100:
                started.set()

    thread = threading.Thread(target=emitter)
    thread.start()
    try:
        assert started.wait(10)
        f.connect('e2', {'pid': first['pid'], 'offset': offset})
    finally:
        stop.set()
        thread.join(10)
        f.end()
    return [event[1] for event in f.events('e2')]


# -- a cluster on Redis (a fake Redis: the end-to-end tests use a real one) --------------
class FakeRedis:
    """The few Redis commands the session store uses; ``getdel`` may be
    missing, as before Redis 6.2."""

    def __init__(self, is_async: bool, getdel: bool = True) -> None:
        self.is_async = is_async
        self.data: Dict[str, Any] = {}
        self.px: Dict[str, Any] = {}
        self.has_getdel = getdel

    def _result(self, value: Any) -> Any:
        if not self.is_async:
            return value

        async def result() -> Any:
            return value
        return result()

    def set(self, key: str, value: Any, px: Any = None) -> Any:
        self.data[key], self.px[key] = value.encode(), px
        return self._result(True)

    def getdel(self, key: str) -> Any:
        if not self.has_getdel:
            raise RuntimeError("unknown command 'getdel'")
        return self._result(self.data.pop(key, None))

    def pipeline(self, transaction: bool = True) -> Any:
        redis, commands = self, []

        class Pipeline:
            def get(self, key: str) -> None:
                commands.append(('get', key))

            def delete(self, key: str) -> None:
                commands.append(('delete', key))

            def execute(self) -> Any:
                (_, key), _ = commands
                return redis._result([redis.data.pop(key, None), 1])

        return Pipeline()


@pytest.mark.parametrize('getdel', [True, False])
def test_a_session_recovers_on_another_process_through_redis(flavour: Any,
                                                             getdel: bool) -> None:
    probe = flavour(connection_state_recovery=None)
    is_async = probe.is_async
    redis = FakeRedis(is_async, getdel)
    managers = []
    for _ in range(2):
        if is_async:
            manager = socketio.AsyncRedisManager('redis://x', channel='chan')
        else:
            manager = socketio.RedisManager('redis://x', channel='chan')
        manager.redis = redis
        managers.append(manager)
    a, b = (flavour(client_manager=manager) for manager in managers)
    for f in (a, b):
        f.sio.manager_initialized = True  # no listener: messages are carried below
    published: List[Any] = []

    def capture(message: Any) -> Any:
        published.append(message)
        return asyncio.sleep(0) if is_async else None

    a.sio.manager._publish = capture

    def carry() -> None:  # what the queue would bring to the second process
        while published:
            b(b.sio.manager._handle_emit(published.pop(0)))

    first = a.connect('e1')
    a(a.sio.enter_room(first['sid'], 'red'))
    a(a.sio.save_session(first['sid'], {'n': 1}))
    a.emit('hi', 0, to=first['sid'])
    offset = a.events('e1')[-1][-1]
    carry()
    drop(a, 'e1')
    key = 'chan#recovery#' + first['pid']
    assert json.loads(redis.data[key])['rooms'] == ['red']
    assert redis.px[key] == 60_000 and a.sio._recovery.sessions() == 0
    a.emit('gap', 1, to='red')
    a.emit('gap', 2, to=first['sid'])
    a.emit('not for it', 3, to='blue')
    carry()
    assert b.connect('e9', {'pid': first['pid'], 'offset': offset}) == first
    assert [e[:-1] for e in b.events('e9')] == [['gap', 1], ['gap', 2]]
    assert sorted(b.sio.rooms(first['sid'])) == sorted([first['sid'], 'red'])
    assert b(b.sio.get_session(first['sid'])) == {'n': 1}
    assert redis.data == {}


def test_sessions_stay_in_the_process_when_redis_cannot_keep_them(flavour: Any,
                                                                  caplog: Any) -> None:
    probe = flavour(connection_state_recovery=None)
    redis = FakeRedis(probe.is_async)
    manager = (socketio.AsyncRedisManager if probe.is_async else socketio.RedisManager)(
        'redis://x', channel='chan')
    manager.redis = redis
    f = flavour(client_manager=manager)
    f.sio.manager_initialized = True
    first = f.connect('e1')
    f(f.sio.save_session(first['sid'], {'raw': b'not json'}))
    drop(f, 'e1')
    assert redis.data == {} and f.sio._recovery.sessions() == 1

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError('redis is down')

    redis.set = redis.getdel = broken  # type: ignore[assignment]
    second = f.connect('e2')
    with caplog.at_level(logging.WARNING, 'socketio.server'):
        drop(f, 'e2')
        assert 'kept in this process only' in caplog.text
        assert f.connect('e3', {'pid': second['pid']}) == second
        assert f.connect('e4', {'pid': 'unknown'})['sid'] != second['sid']
    assert 'Cannot read a session' in caplog.text
    assert f.connect('e5', {'pid': first['pid']}) == first
