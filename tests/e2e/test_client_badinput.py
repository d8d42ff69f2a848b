"""socketio.Client receiving malformed Socket.IO packets from a hostile server.

The server is a raw python-engineio ``Server`` (threading mode, served by
tests/support.wsgi_server) that accepts the client's CONNECT and then sends
garbage with ``eio.send``. The client must log each bad packet (logger
``socketio.client``), keep its connection, keep working, and no exception may
escape into any thread (``threading.excepthook`` is watched).
"""
from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from typing import Any, Callable, Iterator, List, Tuple

import engineio
import pytest
from support import wsgi_server

import socketio

pytestmark = pytest.mark.e2e

GARBAGE: List[Any] = [
    '', 'x', '9', '7["x"]', '2', '2[', '2[]', '2{"a":1}', '2"str"', '2[1,2]', '2[null]',
    '2["ev",', '2["ev"]junk', '3', '3abc', '3999["x"]', '3["no id"]', '51-[', '5-["a"]',
    '5["a"]', '6', '2' + '[' * 5000 + ']' * 5000, '0/foo"bar,{}', '21' + '9' * 200 + '["x"]',
    '0', '1/unknown,', '4/unknown,{"message":"x"}', '2/not-connected,["ev"]', '0{"sid":1}',
    '2/a?b=c,["ev"]', b'\xff\xfe', b'stray attachment', '2["\\ud800"]',
    '99999999999-["x"]', '51' + '0' * 20 + '-["x"]',
]

# a binary header followed by something else than the announced attachments
BINARY_SEQUENCES: List[List[Any]] = [
    ['52-["ev",{"_placeholder":true,"num":5},{"_placeholder":true,"num":0}]', b'a', b'b'],
    ['51-["ev",{"_placeholder":"yes","num":"0"}]', b'a'],
    ['51-["ev",{"_placeholder":true,"num":-1}]', b'a'],
    ['51-["ev",{"_placeholder":true}]', b'a'],
    ['61-["x",{"_placeholder":true,"num":0}]', b'a'],  # binary ack without id
    ['51-{"not":"a list"}', b'a'],
]


class HostileServer:
    """A raw engine.io server that answers CONNECT and EVENT packets by hand."""

    def __init__(self) -> None:
        self.eio = engineio.Server(async_mode='threading')
        self.sid: Any = None
        self.connected = threading.Event()
        self.eio.on('connect', self.on_connect)
        self.eio.on('message', self.on_message)

    def on_connect(self, sid: str, environ: Any) -> None:
        self.sid = sid

    def on_message(self, sid: str, data: Any) -> None:
        if not isinstance(data, str):
            return
        if data.startswith('0'):
            ns = data[1:data.index(',')] + ',' if data.startswith('0/') else ''
            self.eio.send(sid, '0' + ns + '{"sid":"hostile-sid"}')
            self.connected.set()
        elif data.startswith('2'):
            # '2<id>["ping", value]' -> '3<id>["pong", value]'
            i = 1
            while data[i].isdigit():
                i += 1
            ack_id, payload = data[1:i], json.loads(data[i:])
            if payload[0] == 'ping' and ack_id:
                self.eio.send(sid, '3' + ack_id + json.dumps(['pong'] + payload[1:]))

    def send(self, data: Any) -> None:
        self.eio.send(self.sid, data)


@contextlib.contextmanager
def thread_errors() -> Iterator[List[Tuple[Any, ...]]]:
    """Collect exceptions that escape from any thread."""
    errors: List[Tuple[Any, ...]] = []
    previous = threading.excepthook

    def hook(args: Any) -> None:
        errors.append((args.exc_type, args.exc_value, args.thread))

    threading.excepthook = hook
    try:
        yield errors
    finally:
        threading.excepthook = previous


def until(predicate: Callable[[], Any], timeout: float = 5.0, what: str = 'condition') -> Any:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f'{what} not met within {timeout}s'
        time.sleep(0.005)
    return predicate()


@pytest.fixture
def hostile() -> Iterator[Tuple[HostileServer, str]]:
    server = HostileServer()
    app = engineio.WSGIApp(server.eio, engineio_path='socket.io')
    with wsgi_server(app) as url:
        yield server, url


@pytest.mark.parametrize('transports', [['websocket'], ['polling']])
def test_malformed_packets_are_logged_and_ignored(hostile: Any, transports: Any,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    server, url = hostile
    received: List[Any] = []
    lock = threading.Lock()

    def probe(n: int) -> None:
        with lock:
            received.append(n)

    c = socketio.Client(reconnection=False)
    c.on('probe', probe)
    with thread_errors() as errors, \
            caplog.at_level(logging.WARNING, logger='socketio.client'):
        c.connect(url, transports=transports)
        try:
            assert c.get_sid() == 'hostile-sid'
            sequences = [[g] for g in GARBAGE] + BINARY_SEQUENCES
            for n, sequence in enumerate(sequences):
                for item in sequence:
                    server.send(item)
                # a good packet after each bad one: one at a time, in order
                server.send(f'2["probe",{n}]')
                until(lambda n=n: n in received, what=f'probe after {sequence!r}')
                assert c.connected is True
                assert c.eio.state == 'connected'
            assert c.call('ping', 'still alive', timeout=5) == ('pong', 'still alive')
            server.send('51-["probe",{"_placeholder":true,"num":0}]')
            server.send(b'binary works')
            until(lambda: any(isinstance(r, bytes) for r in received), what='binary probe')
        finally:
            c.disconnect()
    assert errors == []
    assert received[:len(sequences)] == list(range(len(sequences)))
    bad = [r for r in caplog.records if r.name == 'socketio.client' and
           r.levelno >= logging.WARNING]
    # the first unusable packet is reported in full, the others counted (a
    # server cannot flood the client's logs)
    invalid = [r for r in bad if 'Invalid packet from the server' in r.getMessage()]
    assert len(invalid) == 1, [r.getMessage() for r in bad]
    assert all('Traceback' not in r.getMessage() for r in bad)


def test_handler_crash_is_logged_and_connection_kept(hostile: Any,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    # an exception inside an application handler is logged by the client
    # (the handler runs in an Engine.IO thread): nothing escapes, the
    # connection stays usable
    server, url = hostile
    c = socketio.Client(reconnection=False)

    def boom(*args: Any) -> None:
        raise RuntimeError('handler bug')

    c.on('boom', boom)
    with thread_errors() as errors, caplog.at_level(logging.ERROR, logger='socketio.client'):
        c.connect(url)
        try:
            server.send('2["boom"]')
            until(lambda: [r for r in caplog.records if r.exc_info and
                           r.exc_info[0] is RuntimeError], what='logged handler exception')
            assert c.call('ping', 1, timeout=5) == ('pong', 1)
            assert c.connected is True
        finally:
            c.disconnect()
    assert errors == []
