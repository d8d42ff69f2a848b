"""Every program in examples/ is run and talked to, so none can silently rot.

Server examples run as processes on a free port and are exercised with our
own ``socketio.Client`` over WebSocket and a bare long-polling peer.
Client examples run as processes against a test server started here, and
the write-only emitter example talks to such a server through Redis.
"""
from __future__ import annotations

import json
import queue
import subprocess
import sys
import urllib.request
import uuid
from typing import Any, Dict, List

import pytest
from conftest import free_port, require_service
from support import ROOT, python_process, wsgi_server

import socketio

pytestmark = pytest.mark.e2e

SERVER_EXAMPLES = {
    'server_flask.py': 'Flask',
    'server_aiohttp.py': 'aiohttp',
    'server_asgi.py': 'an ASGI app',
    'server_tornado.py': 'Tornado',
}


class PollingPeer:
    """A bare Engine.IO long-polling peer made of plain HTTP requests.

    It checks the polling transport of each server integration packet by
    packet, and never leaves a long-poll open, so stopping the server is quick
    (python-engineio's asyncio server only releases a pending poll at the next
    ping after a client closes).
    """

    def __init__(self, url: str) -> None:
        self.base = url + '/socket.io/?EIO=4&transport=polling'
        (handshake,) = self.get()
        assert handshake.startswith('0')
        self.base += '&sid=' + json.loads(handshake[1:])['sid']

    def get(self) -> List[str]:
        with urllib.request.urlopen(self.base, timeout=10) as r:
            return r.read().decode().split('\x1e')  # packets are separated by 0x1e

    def post(self, *packets: str) -> None:
        req = urllib.request.Request(self.base, data='\x1e'.join(packets).encode(),
                                     headers={'Content-Type': 'text/plain'})
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.status == 200


@pytest.mark.parametrize('script', sorted(SERVER_EXAMPLES))
def test_server_example(script):
    port = free_port()
    url = f'http://127.0.0.1:{port}'
    with python_process(f'examples/{script}', '--port', str(port), port=port) as proc:
        # The web framework still serves its own pages next to Socket.IO.
        with urllib.request.urlopen(url + '/', timeout=10) as r:
            assert r.read().decode().startswith(SERVER_EXAMPLES[script])

        ws = socketio.Client(reconnection=False)
        ws.connect(url, auth={'token': 't1'}, wait_timeout=5)
        try:
            assert ws.transport() == 'websocket'
            assert ws.call('echo', {'n': [1, 2]}, timeout=10) == {'n': [1, 2]}

            polling = PollingPeer(url)
            polling.post('40')  # Socket.IO CONNECT to '/'
            (connected,) = polling.get()
            assert connected.startswith('40{"sid":')
            polling.post('421["echo","plain text"]')  # an event asking for ack 1
            assert polling.get() == ['431["plain text"]']
            ws.emit('broadcast', 'hello all')  # reaches both clients
            (news,) = polling.get()
            assert news.startswith('42["news",') and json.loads(news[2:]) == [
                'news', {'from': ws.get_sid(), 'data': 'hello all'}]
            polling.post('41', '1')  # Socket.IO DISCONNECT, Engine.IO CLOSE
        finally:
            ws.disconnect()
    output = proc.stdout.read()
    assert 'listening on ' + url in output
    assert "auth: {'token': 't1'}" in output, output


@pytest.fixture
def test_server():
    """A threaded Socket.IO server speaking the examples' protocol; records
    what it saw."""
    sio = socketio.Server(async_mode='threading')
    seen: Dict[str, Any] = {'auth': [], 'echo': [], 'broadcast': []}

    @sio.event
    def connect(sid, environ, auth):
        seen['auth'].append(auth)

    @sio.event
    def echo(sid, data):
        seen['echo'].append(data)
        return data

    @sio.event
    def broadcast(sid, data):
        seen['broadcast'].append(data)
        sio.emit('news', {'from': sid, 'data': data})

    with wsgi_server(socketio.WSGIApp(sio)) as url:
        yield url, seen


@pytest.mark.parametrize('script', ['client_sync.py', 'client_async.py', 'simple_client.py'])
def test_client_example(script, test_server):
    url, seen = test_server
    result = subprocess.run([sys.executable, str(ROOT / 'examples' / script), '--url', url],
                            capture_output=True, text=True, timeout=40, cwd=str(ROOT))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith('connected as ')
    assert "echo: {'text': 'hello'}" in lines
    assert 'news: hi everyone' in lines
    assert lines[-1].startswith('disconnected')
    assert seen == {'auth': [{'token': 'example'}], 'echo': [{'text': 'hello'}],
                    'broadcast': ['hi everyone']}


@pytest.mark.broker
def test_write_only_emitter_example():
    """examples/write_only_emitter.py, run as a separate process, reaches the
    clients in a room of a server that shares its Redis channel."""
    require_service('127.0.0.1', 6379, 'Redis')
    redis_url = 'redis://127.0.0.1:6379/0'
    channel = 'examples-test-' + uuid.uuid4().hex  # private to this test run
    sio = socketio.Server(async_mode='threading',
                          client_manager=socketio.RedisManager(redis_url, channel=channel))

    @sio.event
    def connect(sid, environ, auth):
        if auth == {'room': 'jobs'}:
            sio.enter_room(sid, 'jobs')

    probe = socketio.RedisManager(redis_url, channel=channel, write_only=True)
    with wsgi_server(socketio.WSGIApp(sio)) as url:
        inbox = {'member': queue.Queue(), 'other': queue.Queue()}
        clients = {}
        for name, auth in (('member', {'room': 'jobs'}), ('other', None)):
            client = clients[name] = socketio.Client(reconnection=False)
            client.on('*', lambda event, *args, q=inbox[name]: q.put((event, *args)))
            client.connect(url, auth=auth, wait_timeout=5)
        try:
            # Wait until the server listens on the channel: probe until heard.
            for n in range(100):
                probe.emit('probe', n)
                try:
                    if inbox['other'].get(timeout=0.2) == ('probe', n):
                        break
                except queue.Empty:
                    continue
            else:
                pytest.fail('the server never received from the Redis channel')

            result = subprocess.run(
                [sys.executable, str(ROOT / 'examples' / 'write_only_emitter.py'),
                 '--url', redis_url, '--channel', channel, '--to', 'jobs',
                 '--event', 'job_done', '--data', '{"job": 42}'],
                capture_output=True, text=True, timeout=30, cwd=str(ROOT))
            assert result.returncode == 0, result.stdout + result.stderr
            probe.emit('last', None)  # published after the example's emit

            def received(name):
                events = []
                while not events or events[-1][0] != 'last':
                    events.append(inbox[name].get(timeout=10))
                return [e for e in events if e[0] != 'probe']

            assert received('member') == [('job_done', {'job': 42}), ('last',)]
            assert received('other') == [('last',)]  # not in the room
        finally:
            for client in clients.values():
                client.disconnect()
