"""Acknowledgement timeouts (``emit(..., timeout=, on_timeout=)``) and the
bound on callbacks waiting for an answer, for servers and clients of both
flavours; the schedulers that run the timeouts."""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any, List
from unittest import mock

import pytest

import socketio
from socketio import acks, async_primitives, packet, primitives
from socketio.acks import PendingCallbacks, TimedCallback, with_timeout


def run(coro: Any) -> Any:
    return asyncio.run(coro) if asyncio.iscoroutine(coro) else coro


# -- the callback an emit registers -------------------------------------------------------
def test_with_timeout() -> None:
    def cb(*args: Any) -> None:
        pass

    assert with_timeout(cb, None, None) is cb
    assert with_timeout(None, None, None) is None
    timed = with_timeout(cb, 2, None)
    assert isinstance(timed, TimedCallback) and timed.timeout == 2.0
    assert timed.callback is cb and timed.on_timeout is None and 'timeout=2.0' in repr(timed)
    assert with_timeout(lambda x: x * 2, 1, cb)(21) == 42
    for bad in (0, -1, True, 'soon', float('nan')):
        with pytest.raises(ValueError):
            with_timeout(cb, bad, None)
    with pytest.raises(ValueError, match='needs a callback'):
        with_timeout(None, 1, cb)
    with pytest.raises(ValueError, match='needs a timeout'):
        with_timeout(cb, None, cb)
    with pytest.raises(TypeError):
        with_timeout(cb, 1, 'not callable')
    assert acks.check_limit(None) == 0
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError):
            acks.check_limit(bad)


class FakeTimers:
    """A scheduler whose calls run when the test says so."""

    def __init__(self) -> None:
        self.calls: List[List[Any]] = []

    def call_later(self, delay: float, fn: Any, *args: Any) -> Any:
        entry = [delay, fn, args, False]
        self.calls.append(entry)
        return entry

    def cancel(self, entry: Any) -> None:
        entry[3] = True

    def fire(self, within: float = float('inf')) -> List[Any]:
        """Run the calls due within ``within`` seconds (all by default)."""
        results = []
        for entry in [e for e in self.calls if e[0] <= within]:
            self.calls.remove(entry)
            if not entry[3]:
                results.append(entry[1](*entry[2]))
        return results


class Owner:
    def __init__(self, limit: int = 3) -> None:
        self.callbacks: dict = {}
        self.timers = FakeTimers()
        self.logger = logging.getLogger('test-acks')
        self.pending = PendingCallbacks(self, limit)

    def _timers(self) -> FakeTimers:
        return self.timers


def test_the_oldest_callback_is_dropped_beyond_the_limit(caplog: Any) -> None:
    owner = Owner(limit=3)
    calls: List[Any] = []
    with caplog.at_level(logging.WARNING, 'test-acks'):
        ids = [owner.pending.register('sid', calls.append) for _ in range(10_000)]
    assert ids == list(range(1, 10_001))
    assert sorted(k for k in owner.callbacks['sid'] if k) == [9998, 9999, 10000]
    assert owner.pending.dropped == 9997
    # one line, then counted (a minute apart)
    assert len([r for r in caplog.records if 'oldest is dropped' in r.message]) == 1
    owner.pending.forget('sid')
    assert 'more findings' in caplog.records[-1].message
    unlimited = Owner(limit=0)
    for _ in range(100):
        unlimited.pending.register('sid', calls.append)
    assert len(unlimited.callbacks['sid']) == 101


def test_a_timed_callback_expires_once() -> None:
    owner = Owner()
    timed_out: List[str] = []
    answered: List[Any] = []
    timed = TimedCallback(answered.append, 5, lambda: timed_out.append('late'))
    ack_id = owner.pending.register('sid', timed)
    assert owner.timers.calls[0][0] == 5 and owner.pending.timers('sid') == 1
    owner.timers.fire()
    assert timed_out == ['late'] and ack_id not in owner.callbacks['sid']
    assert owner.pending.timers() == 0
    # answered in time: the timer is cancelled, on_timeout not called
    ack_id = owner.pending.register('sid', timed)
    owner.callbacks['sid'].pop(ack_id)(42)
    owner.pending.answered('sid', ack_id)
    owner.timers.fire()
    assert answered == [42] and timed_out == ['late']
    # a timer firing for a callback taken meanwhile does nothing
    ack_id = owner.pending.register('sid', timed)
    owner.callbacks['sid'].pop(ack_id)
    owner.timers.fire()
    assert timed_out == ['late']
    # without on_timeout it is only dropped
    ack_id = owner.pending.register('sid', TimedCallback(answered.append, 1))
    assert owner.timers.fire() == [None] and ack_id not in owner.callbacks['sid']


def test_a_dropped_timed_callback_times_out_at_once() -> None:
    owner = Owner(limit=1)
    timed_out: List[int] = []
    owner.pending.register('sid', TimedCallback(print, 60, lambda: timed_out.append(1)))
    owner.pending.register('sid', TimedCallback(print, 60, lambda: timed_out.append(2)))
    assert [(c[0], c[3]) for c in owner.timers.calls] == [(60, True), (0, False), (60, False)]
    owner.timers.fire(within=0)
    assert timed_out == [1]


def test_forgetting_a_key_cancels_its_timers_without_on_timeout() -> None:
    owner = Owner()
    timed_out: List[str] = []
    for key in ('a', 'b'):
        owner.pending.register(key, TimedCallback(print, 1, lambda: timed_out.append('x')))
    owner.pending.forget('a')
    assert owner.pending.timers('a') == 0 and owner.pending.timers('b') == 1
    owner.pending.forget_all()
    assert owner.pending.timers() == 0
    owner.timers.fire()
    assert timed_out == []


# -- the schedulers --------------------------------------------------------------------
class Endpoint:
    """Enough of a server for the standard scheduler: counts its tasks."""

    def __init__(self) -> None:
        self.tasks = 0
        self.eio = mock.MagicMock(create_event=threading.Event)

    def start_background_task(self, target: Any, *args: Any) -> Any:
        self.tasks += 1
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        return thread


def test_standard_timers_run_in_order_on_one_task(monkeypatch: Any) -> None:
    monkeypatch.setattr(primitives.Timers, 'IDLE', 0.2)
    endpoint = Endpoint()
    timers = primitives.Timers(endpoint)
    done = threading.Event()
    seen: List[int] = []

    def record(n: int) -> None:
        seen.append(n)
        if n == 3:
            done.set()

    timers.call_later(0.15, record, 3)
    timers.call_later(0.05, record, 2)
    cancelled = timers.call_later(0.01, record, 99)
    timers.cancel(cancelled)
    timers.cancel(cancelled)  # twice is harmless
    timers.call_later(0, record, 1)
    timers.call_later(0.02, lambda: 1 / 0)  # logged, the others still run
    assert done.wait(5)
    assert seen == [1, 2, 3] and endpoint.tasks == 1
    # the task ends when idle; the next call starts another one
    deadline = time.monotonic() + 5
    while timers._running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not timers._running
    again = threading.Event()
    timers.call_later(0, again.set)
    assert again.wait(5) and endpoint.tasks == 2


def test_standard_timers_compact_cancelled_calls() -> None:
    endpoint = Endpoint()
    timers = primitives.Timers(endpoint)
    handles = [timers.call_later(3600, print) for _ in range(1000)]
    for handle in handles:
        timers.cancel(handle)
    assert timers.pending() < 100 and endpoint.tasks == 1


def test_asyncio_timers_await_what_a_call_returns() -> None:
    async def scenario() -> List[str]:
        timers = async_primitives.Timers(None)
        seen: List[str] = []
        done = asyncio.Event()

        async def later() -> None:
            seen.append('coroutine')
            done.set()

        async def failing() -> None:
            raise RuntimeError('logged')

        timers.call_later(0, seen.append, 'plain')
        timers.call_later(0, failing)
        timers.call_later(0, lambda: 1 / 0)
        handle = timers.call_later(0, seen.append, 'cancelled')
        timers.cancel(handle)
        timers.call_later(0.01, later)
        await asyncio.wait_for(done.wait(), 5)
        return seen

    assert asyncio.run(scenario()) == ['plain', 'coroutine']


# -- servers ----------------------------------------------------------------------------------
class Server:
    """A server of either flavour fed through its Engine.IO entry points."""

    def __init__(self, is_async: bool, **kwargs: Any) -> None:
        self.is_async = is_async
        self.sent: List[Any] = []
        cls = socketio.AsyncServer if is_async else socketio.Server
        self.sio = cls(async_mode='asgi' if is_async else 'threading', **kwargs)

        def send(eio_sid: str, data: Any) -> Any:
            self.sent.append(data)
            return asyncio.sleep(0) if is_async else None

        self.sio.eio.send = send

    def __call__(self, result: Any) -> Any:
        return result


@pytest.fixture(params=['standard', 'asyncio'])
def is_async(request: Any) -> bool:
    return request.param == 'asyncio'


def test_server_emit_with_a_timeout(is_async: bool) -> None:
    async def scenario(s: Server) -> None:
        sio = s.sio
        await maybe(sio._handle_eio_connect('e1', {}))
        await maybe(sio._handle_eio_message('e1', '0'))
        sid = sio.manager.sid_from_eio_sid('e1', '/')
        answered: List[Any] = []
        timed_out = (asyncio.Event if is_async else threading.Event)()
        await maybe(sio.emit('q', 1, to=sid, callback=answered.append, timeout=0.05,
                             on_timeout=timed_out.set))
        await maybe(sio.emit('q', 2, to=sid, callback=answered.append, timeout=5,
                             on_timeout=answered.append))
        assert s.sent[-2:] == ['21["q",1]', '22["q",2]']
        await maybe(sio._handle_eio_message('e1', '32["yes"]'))
        if is_async:
            await asyncio.wait_for(timed_out.wait(), 5)
        else:
            assert timed_out.wait(5)
        assert answered == ['yes']
        assert [k for k in sio.manager.callbacks[sid] if k] == []
        assert sio.manager._acks.timers() == 0
        # a late answer finds nothing
        await maybe(sio._handle_eio_message('e1', '31["late"]'))
        assert answered == ['yes']
        # a disconnect cancels the timers, without on_timeout
        await maybe(sio.emit('q', 3, to=sid, callback=answered.append, timeout=0.05,
                             on_timeout=lambda: answered.append('no!')))
        assert sio.manager._acks.timers(sid) == 1
        await maybe(sio._handle_eio_disconnect('e1', 'transport close'))
        assert sio.manager._acks.timers() == 0
        await asyncio.sleep(0.1) if is_async else time.sleep(0.1)
        assert answered == ['yes']
        with pytest.raises(ValueError):
            await maybe(sio.emit('q', to=sid, timeout=1))

    s = Server(is_async, async_handlers=False)
    run(scenario(s)) if is_async else run_sync(scenario(s))


async def maybe(result: Any) -> Any:
    return await result if asyncio.iscoroutine(result) else result


def run_sync(coro: Any) -> None:
    """Run a scenario whose awaits never suspend (the standard flavour)."""
    try:
        coro.send(None)
    except StopIteration:
        return
    raise AssertionError('the scenario suspended')


def test_server_bounds_pending_callbacks(is_async: bool) -> None:
    s = Server(is_async, max_pending_callbacks=10)
    sio = s.sio
    assert sio.manager._acks.limit == 10
    run(sio._handle_eio_connect('e1', {}))
    run(sio._handle_eio_message('e1', '0'))
    sid = sio.manager.sid_from_eio_sid('e1', '/')

    async def flood() -> None:
        for _ in range(10_000):
            await maybe(sio.emit('q', to=sid, callback=print))

    asyncio.run(flood()) if is_async else run_sync(flood())
    assert len([k for k in sio.manager.callbacks[sid] if k]) == 10
    with pytest.raises(ValueError):
        (socketio.AsyncServer if is_async else socketio.Server)(max_pending_callbacks=-1)


def test_call_forgets_its_callback_on_timeout(is_async: bool) -> None:
    s = Server(is_async)
    sio = s.sio
    run(sio._handle_eio_connect('e1', {}))
    run(sio._handle_eio_message('e1', '0'))
    sid = sio.manager.sid_from_eio_sid('e1', '/')
    with pytest.raises(socketio.exceptions.TimeoutError):
        run(sio.call('q', to=sid, timeout=0.01))
    assert [k for k in sio.manager.callbacks[sid] if k] == []


# -- clients -----------------------------------------------------------------------------------
def make_client(is_async: bool, **kwargs: Any) -> Any:
    cls = socketio.AsyncClient if is_async else socketio.Client
    client = cls(**kwargs)
    client.sent = []

    def send(data: Any) -> Any:
        client.sent.append(data)
        return asyncio.sleep(0) if is_async else None

    client.eio.send = send
    client.namespaces = {'/': 'sid'}
    client.connected = True
    return client


def test_client_emit_with_a_timeout(is_async: bool) -> None:
    async def scenario(c: Any) -> None:
        answered: List[Any] = []
        timed_out = (asyncio.Event if is_async else threading.Event)()
        await maybe(c.emit('q', 1, callback=answered.append, timeout=0.05,
                           on_timeout=timed_out.set))
        await maybe(c.emit('q', 2, callback=answered.append, timeout=5,
                           on_timeout=answered.append))
        assert c.sent == ['21["q",1]', '22["q",2]']
        await maybe(c._handle_eio_message('32["yes"]'))
        if is_async:
            await asyncio.wait_for(timed_out.wait(), 5)
        else:
            assert timed_out.wait(5)
        assert answered == ['yes'] and c._acks.timers() == 0
        assert [k for k in c.callbacks['/'] if k] == []
        with pytest.raises(ValueError):
            await maybe(c.emit('q', on_timeout=print))
        await maybe(c.emit('q', 3, callback=answered.append, timeout=0.05,
                           on_timeout=lambda: answered.append('no!')))
        c.eio.state = 'disconnected'
        await maybe(c._handle_eio_disconnect('transport close'))
        assert c._acks.timers() == 0 and c.callbacks == {}
        await asyncio.sleep(0.1) if is_async else time.sleep(0.1)
        assert answered == ['yes']

    c = make_client(is_async)
    run(scenario(c)) if is_async else run_sync(scenario(c))


def test_client_bounds_pending_callbacks(is_async: bool) -> None:
    c = make_client(is_async, max_pending_callbacks=20)

    async def flood() -> None:
        for _ in range(10_000):
            await maybe(c.emit('q', callback=print))

    asyncio.run(flood()) if is_async else run_sync(flood())
    assert len([k for k in c.callbacks['/'] if k]) == 20
    assert sorted(k for k in c.callbacks['/'] if k)[0] == 9981
    with pytest.raises(ValueError):
        make_client(is_async, max_pending_callbacks='many')


def test_encoded_ids_are_unchanged() -> None:
    """Ids still count from 1 per key (what python-socketio's tests see)."""
    c = make_client(False)
    ids = [c._generate_ack_id(ns, print) for ns in ('/', '/', '/foo', '/')]
    assert ids == [1, 2, 1, 3]
    assert packet.Packet(packet.EVENT, ['x'], id=ids[0]).encode() == '21["x"]'


def test_namespaces_pass_timeouts_on() -> None:
    ns = socketio.Namespace('/chat')
    ns._set_server(mock.MagicMock())
    ns.emit('q', 1, to='s', callback=print, timeout=2, on_timeout=print)
    ns.server.emit.assert_called_once_with('q', data=1, to='s', room=None, skip_sid=None,
                                           namespace='/chat', callback=print,
                                           ignore_queue=False, timeout=2, on_timeout=print)
    ns.emit('q')  # without a timeout: the call python-socketio makes
    assert 'timeout' not in ns.server.emit.call_args.kwargs
    ns.is_recovered('s')
    ns.server.is_recovered.assert_called_once_with('s', namespace='/chat')
    client_ns = socketio.AsyncClientNamespace('/chat')
    client_ns._set_client(mock.MagicMock(emit=mock.AsyncMock()))
    asyncio.run(client_ns.emit('q', callback=print, timeout=1))
    client_ns.client.emit.assert_awaited_once_with('q', data=None, namespace='/chat',
                                                   callback=print, timeout=1,
                                                   on_timeout=None)
