"""Hostile raw Engine.IO clients against live servers, next to a healthy client.

Each hostile client is a plain ``engineio.Client`` speaking Socket.IO packets
written by hand; it attacks a live standard server (Werkzeug, threading) and
a live ``AsyncServer`` (Uvicorn). Meanwhile a healthy ``socketio.Client``
receives a numbered stream of broadcasts and makes calls; it must receive
every message. The server must log exactly one clear WARNING-or-worse line
per problem, naming the offending session, and only the client that sent an
oversize payload may be closed.
"""
from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from typing import Any, List

import engineio
import pytest
from support import asgi_server, wait_for, wsgi_server

import socketio

pytestmark = pytest.mark.e2e

TICKS = 150
BUFFER = 64_000  # max_http_buffer_size of the servers under attack


def make_server(kind: str):
    cls = socketio.Server if kind == 'threading' else socketio.AsyncServer
    sio = cls(async_mode='threading' if kind == 'threading' else 'asgi',
              max_http_buffer_size=BUFFER, ping_interval=5, ping_timeout=5)
    state = {'connects': 0, 'disconnects': [], 'ticks_started': threading.Event()}

    def on_connect(sid, environ, auth=None):
        state['connects'] += 1

    def on_disconnect(sid, reason=None):
        state['disconnects'].append((sid, reason))

    def echo(sid, value):
        return value

    if kind == 'threading':
        def start_ticks(sid, count):
            def run():
                for i in range(count):
                    sio.emit('tick', i, to=sid)
                    sio.sleep(0.01)
                sio.emit('done', count, to=sid)
            sio.start_background_task(run)
            return 'started'
    else:
        async def start_ticks(sid, count):
            async def run():
                for i in range(count):
                    await sio.emit('tick', i, to=sid)
                    await sio.sleep(0.01)
                await sio.emit('done', count, to=sid)
            sio.start_background_task(run)
            return 'started'

    sio.on('connect', on_connect)
    sio.on('disconnect', on_disconnect)
    sio.on('echo', echo)
    sio.on('start_ticks', start_ticks)
    sio.on('connect', lambda sid, environ: None, namespace='/flood')
    return sio, state


@pytest.fixture(params=['threading', 'asgi'])
def live(request, caplog):
    caplog.set_level(logging.INFO, logger='socketio.server')
    sio, state = make_server(request.param)
    if request.param == 'threading':
        serve = wsgi_server(socketio.WSGIApp(sio))
    else:
        serve = asgi_server(socketio.ASGIApp(sio))
    with serve as url:
        yield sio, state, url


class Hostile:
    """A raw Engine.IO connection that sends hand-written Socket.IO packets."""

    def __init__(self, url: str) -> None:
        self.eio = engineio.Client()
        self.received: List[Any] = []
        self.closed = threading.Event()
        self.eio.on('message', self.received.append)
        self.eio.on('disconnect', lambda *args: self.closed.set())
        self.eio.connect(url, transports=['websocket'], engineio_path='socket.io')
        self.eio_sid = self.eio.sid

    def send(self, *messages: Any) -> None:
        for message in messages:
            self.eio.send(message)

    def connect(self, namespace: str = '/') -> str:
        """Socket.IO CONNECT; return the sid from the server's reply."""
        prefix = '0' if namespace == '/' else f'0{namespace},'
        self.send(prefix + '{}')
        reply = wait_for(lambda: [m for m in self.received
                                  if isinstance(m, str) and m.startswith(prefix)],
                         what='CONNECT reply')[-1]
        return reply[len(prefix):].split('"sid":"')[1].split('"')[0]

    def close(self) -> None:
        if self.eio.state == 'connected':
            self.eio.disconnect()


def problems(caplog, *names: str) -> List[logging.LogRecord]:
    """WARNING-or-worse records of socketio.server that mention one of ``names``."""
    return [r for r in caplog.records
            if r.name == 'socketio.server' and r.levelno >= logging.WARNING
            and any(n in r.getMessage() for n in names)]


def expect_one_line(caplog, ids, fragment: str) -> logging.LogRecord:
    found = wait_for(lambda: problems(caplog, *ids), what=f'a log line with {ids}')
    assert len(found) == 1, [r.getMessage() for r in found]
    assert fragment in found[0].getMessage(), found[0].getMessage()
    return found[0]


def test_hostile_clients_do_not_disturb_a_healthy_one(live, caplog):
    sio, state, url = live
    healthy = socketio.Client(reconnection=False)
    ticks: List[int] = []
    done = threading.Event()
    healthy.on('tick', ticks.append)
    healthy.on('done', lambda count: done.set())
    healthy.connect(url, transports=['websocket'])
    hostiles: List[Hostile] = []
    try:
        assert healthy.call('start_ticks', TICKS, timeout=10) == 'started'
        calls = []

        def attack(checks):
            """Open a fresh hostile client, run ``checks`` on it, keep the healthy one busy."""
            bad = Hostile(url)
            hostiles.append(bad)
            checks(bad)
            calls.append(healthy.call('echo', len(calls), timeout=10))
            return bad

        # 1. malformed packets
        def malformed(bad):
            bad.send('2["ev"')
            expect_one_line(caplog, [bad.eio_sid], 'Invalid packet')
        attack(malformed)

        # 2. an event before CONNECT
        def event_first(bad):
            bad.send('2["echo",1]')
            expect_one_line(caplog, [bad.eio_sid], 'not connected to namespace /')
        attack(event_first)

        # 3. attachment count lies: placeholder beyond the count, too many attachments
        def attachment_lie(bad):
            bad.connect()
            bad.send('51-["echo",{"_placeholder":true,"num":3}]', b'\x01\x02')
            expect_one_line(caplog, [bad.eio_sid], 'Invalid binary placeholder')
        attack(attachment_lie)

        def attachment_flood(bad):
            bad.connect()
            bad.send('5999999-["echo"]')
            expect_one_line(caplog, [bad.eio_sid], 'Too many attachments')
        attack(attachment_flood)

        def stray_attachment(bad):
            bad.connect()
            bad.send(b'\xff\xfe\x00')
            expect_one_line(caplog, [bad.eio_sid], 'Invalid packet')
        attack(stray_attachment)

        # 4. an acknowledgement for an id never issued
        def bogus_ack(bad):
            sid = bad.connect()
            bad.send('3417["x"]')
            expect_one_line(caplog, [bad.eio_sid, sid], 'Unknown callback')
            assert sid in problems(caplog, sid)[0].getMessage()
        attack(bogus_ack)

        # 5. CONNECT to a namespace the server does not have
        def unknown_namespace(bad):
            bad.send('0/nope,{}')
            wait_for(lambda: '4/nope,' in ''.join(m for m in bad.received
                                                   if isinstance(m, str)),
                     what='CONNECT_ERROR')
            expect_one_line(caplog, [bad.eio_sid], 'unknown namespace /nope')
        attack(unknown_namespace)

        # 6. a burst of 500 CONNECT/DISCONNECT pairs
        def flood(bad):
            before = state['connects']
            for _ in range(500):
                bad.send('0{}', '1')
            wait_for(lambda: state['connects'] - before >= 500, timeout=30,
                     what='500 connects')
            wait_for(lambda: sum(1 for m in bad.received
                                 if isinstance(m, str) and m.startswith('0{')) >= 500,
                     what='500 CONNECT replies')
            assert problems(caplog, bad.eio_sid) == []
        attack(flood)

        # 7. a payload over max_http_buffer_size closes only that client
        def oversize(bad):
            bad.connect()
            bad.send('2["echo","' + 'x' * (BUFFER + 10) + '"]')
            assert bad.closed.wait(10), 'the oversize client was not closed'
        attack(oversize)

        assert calls == list(range(len(calls)))
        assert done.wait(30), f'only {len(ticks)} ticks arrived'
        assert ticks == list(range(TICKS))
        assert healthy.connected and healthy.call('echo', 'still here', timeout=10) == \
            'still here'
        # every other hostile connection is still open: only the oversize one closed
        assert [h.closed.is_set() for h in hostiles] == [False] * (len(hostiles) - 1) + [True]
        assert problems(caplog, healthy.sid, healthy.get_sid()) == []
    finally:
        healthy.disconnect()
        for bad in hostiles:
            bad.close()


def test_one_client_cannot_flood_the_logs(live, caplog):
    """Thousands of bad packets from one client: each kind of problem is
    logged once in full, then only counted; when the client leaves, one line
    per kind says how many were not logged. Another client's first problem
    is still logged."""
    sio, state, url = live
    bad = Hostile(url)
    try:
        count = 2000
        bad.send(*(['2["ev"'] * count))  # malformed
        bad.send(*([b'\xff\xfe\x00'] * count))  # binary frames nobody announced
        bad.send(*(['2/flood,["echo",1]'] * count))  # events before CONNECT
        bad.send(*(['0/nope,{}'] * count))  # CONNECTs to an unknown namespace, answered
        marker = Hostile(url)  # another client's first problem is logged
        marker.send('2["ev"')
        expect_one_line(caplog, [marker.eio_sid], 'Invalid packet')
        # the packets of a connection are handled in order: once the last
        # CONNECT_ERROR came back, everything before it was handled
        wait_for(lambda: sum(1 for m in bad.received
                             if isinstance(m, str) and m.startswith('4/nope,')) == count,
                 what='every CONNECT_ERROR', timeout=30)
        lines = [r.getMessage() for r in problems(caplog, bad.eio_sid)]
        assert len(lines) == 3, lines  # unknown namespace, invalid packet, not connected
        assert not bad.closed.is_set()
        bad.close()
        wait_for(lambda: len(problems(caplog, bad.eio_sid)) == 6, what='the summaries')
        summaries = [line for line in (r.getMessage() for r in problems(caplog, bad.eio_sid))
                     if 'were not logged' in line]
        assert sorted(summaries) == sorted([
            f'{count - 1} more findings of "unknown namespace" from {bad.eio_sid} were not '
            'logged',
            f'{2 * count - 1} more findings of "invalid packet" from {bad.eio_sid} were not '
            'logged',
            f'{count - 1} more findings of "not connected" from {bad.eio_sid} were not '
            'logged'])
        marker.close()
    finally:
        bad.close()


def test_an_oversize_long_polling_body_is_logged_with_its_size(live, caplog):
    """Engine.IO refuses a POST body over ``max_http_buffer_size``; the
    server says so once per client, with the sid and the size."""
    sio, state, url = live
    base = url + '/socket.io/?EIO=4&transport=polling'
    with urllib.request.urlopen(base, timeout=10) as response:
        eio_sid = json.loads(response.read()[1:])['sid']
    session = f'{base}&sid={eio_sid}'

    def poll() -> None:  # a long-polling client always has a GET waiting
        try:
            while True:
                with urllib.request.urlopen(session, timeout=10) as response:
                    if b'1' == response.read()[:1]:
                        return  # CLOSE
        except (OSError, urllib.error.URLError):
            return

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    size = BUFFER + 1000

    def post() -> None:  # Engine.IO's answer (or none) does not matter here
        request = urllib.request.Request(session, data=b'4' + b'x' * (size - 1), method='POST')
        try:
            urllib.request.urlopen(request, timeout=5).close()
        except OSError:  # HTTPError, a reset or a timeout (Werkzeug, unread body)
            pass

    posts = [threading.Thread(target=post, daemon=True) for _ in range(3)]
    for thread in posts:
        thread.start()
    for thread in posts:
        thread.join(10)
    poller.join(10)
    line = expect_one_line(caplog, [eio_sid], f'with {size} bytes')
    assert f'max_http_buffer_size, {BUFFER}' in line.getMessage()


@pytest.mark.parametrize('live', ['asgi'], indirect=True)
def test_an_oversize_websocket_message_is_logged_on_asgi(live, caplog):
    """Over WebSocket, Engine.IO closes the connection of a message over
    ``max_http_buffer_size``; under ASGI the server logs the sid and size
    (the WSGI integrations give Engine.IO the socket itself: no size seen,
    see docs/security.rst)."""
    sio, state, url = live
    bad = Hostile(url)
    try:
        message = '2["big","' + 'x' * BUFFER + '"]'
        bad.send(message)
        assert bad.closed.wait(10), 'Engine.IO closes the connection'
        line = expect_one_line(caplog, [bad.eio_sid], 'after a message of')
        size = len('4' + message)  # the Engine.IO MESSAGE packet
        assert f'of {size} bytes (more than max_http_buffer_size, {BUFFER})' in \
            line.getMessage(), line.getMessage()
    finally:
        bad.close()
