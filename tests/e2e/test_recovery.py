"""End to end: connection state recovery, acknowledgement timeouts and
long-polling bursts, with the official JavaScript packages as peers.

* The official JS client against our servers (``socketio.Server`` under
  Werkzeug in threading mode, ``socketio.AsyncServer`` under Uvicorn), run as
  processes (tests/e2e/servers/recovery_server.py): recovery after
  ``socket.io.engine.close()`` with events emitted during the gap, over
  long-polling and WebSocket; no recovery after a deliberate disconnect; an
  emit with a timeout to a client that never answers; pending callbacks
  bounded; 200 events emitted back to back over long-polling
  (tests/js/recovery_client.js).
* Recovery on another process of a Redis cluster (a threaded server, then an
  asyncio one).
* Our clients, standard and asyncio, recover through a TCP proxy whose
  connections are cut, against our servers and the official Node.js server
  (tests/js/recovery_node_server.js), and time out emits the Node server
  never answers.
"""
from __future__ import annotations

import asyncio
import threading
import uuid
from typing import Any, Dict, Iterator, List, Tuple

import pytest
from conftest import free_port, require_service
from support import node_process, python_process, run_node

import socketio

from .tcp_cut import CutProxy

pytestmark = pytest.mark.e2e

SERVER = 'tests/e2e/servers/recovery_server.py'
GAP = [['gap', 0], ['gap', 1], ['gap', 2], ['gap', 3], ['gap', 4], ['gap_room', 'r1'],
       ['gap_all', 'everyone']]


def start(mode: str, *redis: str) -> Tuple[Any, str]:
    port = free_port()
    return python_process(SERVER, mode, str(port), *redis, port=port), \
        f'http://127.0.0.1:{port}'


@pytest.fixture(scope='module', params=['threading', 'asgi'])
def server(request: Any) -> Iterator[Tuple[str, str]]:
    process, url = start(request.param)
    with process:
        yield request.param, url


@pytest.fixture(scope='module')
def js(server: Tuple[str, str], node_modules: Any) -> Dict[str, Any]:
    summary = run_node('recovery_client.js', server[1], timeout=60)
    assert summary['errors'] == []
    return summary


def without_offsets(events: List[List[Any]]) -> List[List[Any]]:
    """The JS client hands the offset to the handlers as a last argument."""
    assert all(isinstance(event[-1], str) for event in events), events
    assert len({event[-1] for event in events}) == len(events)  # all different
    return [event[:-1] for event in events]


# -- the JavaScript client against our servers ----------------------------------------
@pytest.mark.parametrize('transport', ['polling', 'websocket'])
def test_js_client_recovers_after_engine_close(js: Dict[str, Any], transport: str) -> None:
    out = js[transport]
    assert out['first'] == {'id': out['id'], 'recovered': False, 'gone': True}
    assert out['recovered'] is True
    assert without_offsets(out['received']) == GAP  # in order; not gap_skip, gap_other
    status = out['status']
    assert status['rooms'] == sorted([out['id'], 'r1'])
    assert status['session'] == {'value': {'n': 1}}
    assert status['recovered'] is True
    # the connect handler ran for both connections and could tell them apart
    assert status['connects'] == [{'recovered': False, 'auth': {'token': 'abc'}},
                                  {'recovered': True, 'auth': {'token': 'abc'}}]


def test_js_deliberate_disconnect_is_not_recovered(js: Dict[str, Any]) -> None:
    assert js['deliberate'] == {'sameId': False, 'recovered': False}


def test_js_emit_timeout_to_a_client_that_never_answers(js: Dict[str, Any]) -> None:
    report = js['timeouts']['report']
    assert report == {'answered': 0, 'timed_out': 1, 'pending': 0, 'timers': 0}


def test_js_pending_callbacks_are_bounded(js: Dict[str, Any]) -> None:
    out = js['timeouts']
    assert out['never'] == 1001  # every emit arrived, none was answered
    assert out['flooded'] == 100  # max_pending_callbacks of the server
    assert out['after']['pending'] == 100 and out['after']['timed_out'] == 1


def test_js_200_events_over_long_polling(js: Dict[str, Any]) -> None:
    assert js['burst'] == list(range(200))


@pytest.mark.parametrize('wiring', ['aiohttp', 'aiohttp-attach', 'sanic', 'tornado'])
def test_js_200_events_over_long_polling_on_other_frameworks(node_modules: Any,
                                                             wiring: str) -> None:
    """aiohttp (a route of the application's to ``sio.handle_request``, and
    ``sio.attach(app)``), Sanic (``sio.attach(app)``) and Tornado
    (``socketio.get_tornado_handler(sio)``)."""
    process, url = start(wiring)
    with process:
        summary = run_node('recovery_client.js', url, 'burst', timeout=30)
    assert summary == {'errors': [], 'burst': list(range(200))}


@pytest.mark.broker
def test_js_client_recovers_on_another_process_of_a_redis_cluster(node_modules: Any) -> None:
    require_service('127.0.0.1', 6379, 'Redis')
    redis = ('redis://127.0.0.1:6379/0', 'recovery-' + uuid.uuid4().hex)
    first, url1 = start('threading', *redis)
    second, url2 = start('asgi', *redis)
    with first, second:
        summary = run_node('recovery_client.js', url1, url2, timeout=60)
    assert summary['errors'] == []
    out = summary['cluster']
    assert out['first']['gone'] is True and out['first']['logged'] >= 10
    assert out['id'] == out['first']['id'] and out['recovered'] is True
    assert without_offsets(out['received']) == GAP
    status = out['status']
    assert status['rooms'] == sorted([out['id'], 'r1'])
    assert status['session'] == {'value': {'n': 1}}
    # the connect handler of the second process saw a recovered client
    assert status['connects'] == [{'recovered': True, 'auth': {'token': 'abc'}}]


# -- our clients, through a proxy whose connections are cut ------------------------------
def sync_recovery(target: str, proxy: CutProxy) -> Dict[str, Any]:
    """A ``socketio.Client`` loses its connection (cut by the proxy); events
    are emitted while it is away; it connects again (held back until then)."""
    gone, gate, back = threading.Event(), threading.Event(), threading.Event()
    got: List[List[Any]] = []
    client = socketio.Client(reconnection_delay=0.05, reconnection_delay_max=0.05,
                             randomization_factor=0)
    client.on('*', lambda event, *args: got.append([event, *args]))
    client.on('disconnect', lambda reason: gone.set())
    client.on('connect', back.set)

    def url() -> str:
        if gone.is_set():
            gate.wait(10)
        return proxy.url

    control = socketio.Client(reconnection=False)
    control.connect(target, transports=['websocket'])
    try:
        client.connect(url, transports=['websocket'])
        sid = client.get_sid()
        client.call('hello', timeout=10)
        client.call('join', 'r1', timeout=10)
        got.clear()
        back.clear()
        assert proxy.cut() >= 1
        assert gone.wait(10)
        assert control.call('wait_gone', sid, timeout=15) is True
        control.call('emit_gap', {'sid': sid, 'room': 'r1', 'n': 5}, timeout=10)
        gate.set()
        assert back.wait(10)
        status = client.call('status', timeout=10)
        return {'sid': sid, 'now': client.get_sid(), 'recovered': client.recovered,
                'got': list(got), 'status': status}
    finally:
        gate.set()
        client.disconnect()
        control.disconnect()


async def async_recovery(target: str, proxy: CutProxy) -> Dict[str, Any]:
    """:func:`sync_recovery` with ``socketio.AsyncClient``."""
    gone, gate, back = asyncio.Event(), asyncio.Event(), asyncio.Event()
    got: List[List[Any]] = []
    client = socketio.AsyncClient(reconnection_delay=0.05, reconnection_delay_max=0.05,
                                  randomization_factor=0)
    client.on('*', lambda event, *args: got.append([event, *args]))
    client.on('disconnect', lambda reason: gone.set())
    client.on('connect', back.set)

    async def url() -> str:
        if gone.is_set():
            await asyncio.wait_for(gate.wait(), 10)
        return proxy.url

    control = socketio.AsyncClient(reconnection=False)
    await control.connect(target, transports=['websocket'])
    try:
        await client.connect(url, transports=['websocket'])
        sid = client.get_sid()
        await client.call('hello', timeout=10)
        await client.call('join', 'r1', timeout=10)
        got.clear()
        back.clear()
        assert proxy.cut() >= 1
        await asyncio.wait_for(gone.wait(), 10)
        assert await control.call('wait_gone', sid, timeout=15) is True
        await control.call('emit_gap', {'sid': sid, 'room': 'r1', 'n': 5}, timeout=10)
        gate.set()
        await asyncio.wait_for(back.wait(), 10)
        status = await client.call('status', timeout=10)
        return {'sid': sid, 'now': client.get_sid(), 'recovered': client.recovered,
                'got': list(got), 'status': status}
    finally:
        gate.set()
        await client.disconnect()
        await control.disconnect()


def recover(flavour: str, url: str, port: int) -> Dict[str, Any]:
    with CutProxy(port) as proxy:
        if flavour == 'sync':
            return sync_recovery(url, proxy)
        return asyncio.run(asyncio.wait_for(async_recovery(url, proxy), 40))


def test_our_client_recovers_from_our_server(server: Tuple[str, str]) -> None:
    mode, url = server
    flavour = 'sync' if mode == 'threading' else 'async'
    out = recover(flavour, url, int(url.rsplit(':', 1)[1]))
    assert out['now'] == out['sid'] and out['recovered'] is True
    assert out['got'] == GAP  # the client took the offsets off
    assert out['status']['rooms'] == sorted([out['sid'], 'r1'])
    assert out['status']['recovered'] is True


@pytest.fixture(scope='module')
def node_server(node_modules: Any) -> Iterator[Tuple[str, int]]:
    port = free_port()
    with node_process('recovery_node_server.js', str(port), port=port):
        yield f'http://127.0.0.1:{port}', port


@pytest.mark.parametrize('flavour', ['sync', 'async'])
def test_our_client_recovers_from_the_node_server(node_server: Tuple[str, int],
                                                  flavour: str) -> None:
    out = recover(flavour, *node_server)
    assert out['now'] == out['sid'] and out['recovered'] is True
    assert out['got'] == GAP
    assert out['status'] == {'id': out['sid'], 'recovered': True,
                             'rooms': sorted([out['sid'], 'r1'])}


def test_sync_client_times_out_emits_the_node_server_never_answers(
        node_server: Tuple[str, int]) -> None:
    client = socketio.Client(reconnection=False, max_pending_callbacks=50)
    client.connect(node_server[0], transports=['websocket'])
    try:
        timed_out, answered = threading.Event(), threading.Event()
        late: List[Any] = []
        client.emit('silent', callback=late.append, timeout=0.2, on_timeout=timed_out.set)
        client.emit('echo', 'x', callback=lambda arg: answered.set(), timeout=5,
                    on_timeout=late.append)
        assert answered.wait(5) and timed_out.wait(5)
        assert late == [] and client._acks.timers() == 0
        assert [k for k in client.callbacks['/'] if k] == []
        for _ in range(1000):  # never answered: only the last 50 are kept
            client.emit('silent', callback=late.append)
        assert len([k for k in client.callbacks['/'] if k]) == 50
    finally:
        client.disconnect()


def test_async_client_times_out_emits_the_node_server_never_answers(
        node_server: Tuple[str, int]) -> None:
    async def scenario() -> None:
        client = socketio.AsyncClient(reconnection=False, max_pending_callbacks=50)
        await client.connect(node_server[0], transports=['websocket'])
        try:
            timed_out, answered = asyncio.Event(), asyncio.Event()
            late: List[Any] = []

            async def on_timeout() -> None:
                timed_out.set()

            await client.emit('silent', callback=late.append, timeout=0.2,
                              on_timeout=on_timeout)
            await client.emit('echo', 'x', callback=lambda arg: answered.set(), timeout=5,
                              on_timeout=late.append)
            await asyncio.wait_for(asyncio.gather(answered.wait(), timed_out.wait()), 5)
            assert late == [] and client._acks.timers() == 0
            for _ in range(1000):
                await client.emit('silent', callback=late.append)
            assert len([k for k in client.callbacks['/'] if k]) == 50
        finally:
            await client.disconnect()

    asyncio.run(asyncio.wait_for(scenario(), 30))


def test_simple_client_recovers_from_our_server(server: Tuple[str, str]) -> None:
    """``SimpleClient`` reconnects through a proxy whose connection is cut:
    ``recovered`` is true and the events emitted meanwhile are received."""
    url = server[1]
    gone, gate = threading.Event(), threading.Event()
    with CutProxy(int(url.rsplit(':', 1)[1])) as proxy:
        def address() -> str:
            if gone.is_set():
                gate.wait(10)  # held back until the gap was emitted
            return proxy.url

        client = socketio.SimpleClient(reconnection_delay=0.05, reconnection_delay_max=0.05,
                                       randomization_factor=0)
        control = socketio.Client(reconnection=False)
        control.connect(url, transports=['websocket'])
        try:
            client.connect(address, transports=['websocket'])
            sid = client.sid
            assert client.recovered is False
            client.call('join', 'r1', timeout=10)
            gone.set()
            assert proxy.cut() >= 1
            assert control.call('wait_gone', sid, timeout=15) is True
            control.call('emit_gap', {'sid': sid, 'room': 'r1', 'n': 5}, timeout=10)
            gate.set()
            received = [client.receive(timeout=10) for _ in GAP]
            assert received == GAP
            assert client.sid == sid and client.recovered is True
        finally:
            gate.set()
            client.disconnect()
            control.disconnect()
