"""Shared scenarios of the message-queue end-to-end tests (tests/e2e/test_mq_*.py).

A :class:`Cluster` is two server processes (``servers/mq_server.py``) sharing
one channel of a real broker, with two of our clients on each; a write-only
emitter runs as a third process (``servers/mq_emitter.py``). The scenario
functions check that what a server or the emitter does reaches the right
clients exactly once: every batch ends with a marker broadcast by the external
emitter, which travels through the queue behind everything sent before it, so
once every client has the marker nothing more can arrive.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

from conftest import free_port
from support import ROOT, process, wait_for

import socketio

SERVERS = 'tests/e2e/servers'


def read_line(proc: subprocess.Popen, timeout: float) -> str:
    """Read one line of ``proc``'s output within ``timeout`` seconds."""
    lines: List[str] = []
    reader = threading.Thread(target=lambda: lines.append(proc.stdout.readline()),
                              daemon=True)
    reader.start()
    reader.join(timeout)
    if not lines:
        raise AssertionError(f'no answer from process {proc.pid} in {timeout}s')
    return lines[0].strip()


@contextlib.contextmanager
def emitter_process(kind: str, url: str, channel: str,
                    env: Optional[Dict[str, str]] = None) -> Iterator[subprocess.Popen]:
    """Start ``servers/mq_emitter.py`` (it says ``ready`` when it is); stop it by PID."""
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / SERVERS / 'mq_emitter.py'), kind, url, channel],
        cwd=str(ROOT), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONUNBUFFERED='1', **(env or {})))
    try:
        yield proc
    finally:
        proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)


class Peer:
    """One of our clients, recording the ``msg`` events it receives."""

    def __init__(self, name: str, url: str) -> None:
        self.name = name
        self.received: List[Any] = []
        self.disconnects = 0
        self.lock = threading.Lock()
        self.client = socketio.Client(reconnection=False)
        self.client.on('msg', self._on_msg)
        self.client.on('question', lambda data: f'{self.name}:{data}')
        self.client.on('disconnect', self._on_disconnect)
        self.client.connect(url, transports=['websocket'])
        self.sid = self.client.get_sid()

    def _on_msg(self, *args: Any) -> None:
        with self.lock:
            self.received.append(args[0] if len(args) == 1 else list(args))

    def _on_disconnect(self, *args: Any) -> None:
        self.disconnects += 1

    def tags(self) -> Counter:
        """Count the received string tags (and byte payloads, decoded)."""
        with self.lock:
            return Counter(item.decode() if isinstance(item, bytes) else json.dumps(item)
                           if not isinstance(item, str) else item for item in self.received)

    def ask(self, event: str, data: Any, timeout: float = 20) -> Any:
        return self.client.call(event, data, timeout=timeout)

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


class Cluster:
    """Two servers on one channel of a broker, clients a1, a2 (on A) and b1, b2 (on B).

    ``pythons`` may name another interpreter for a server (``{'B': path}``),
    for instance one with the original python-socketio installed.
    """

    def __init__(self, kind: str, url: str, tmp: Path,
                 pythons: Optional[Dict[str, str]] = None,
                 options: Optional[Dict[str, Any]] = None) -> None:
        self.kind, self.url = kind, url
        self.pythons = pythons or {}
        #: more manager arguments, for the servers and the emitter
        self.env = {'MQ_OPTIONS': json.dumps(options or {})}
        self.channel = 'mq-test-' + uuid.uuid4().hex[:8]
        self.logs = {name: tmp / f'server-{name}.log' for name in 'AB'}
        self.ports = {name: free_port() for name in 'AB'}
        self.peers: Dict[str, Peer] = {}
        self._stack = contextlib.ExitStack()
        self.procs: Dict[str, subprocess.Popen] = {}
        self.emitter_proc: Optional[subprocess.Popen] = None

    def start(self) -> Cluster:
        # the emitter starts while the servers do
        self.emitter_proc = self._stack.enter_context(emitter_process(
            self.kind, self.url, self.channel, self.env))
        for name in 'AB':
            self.procs[name] = self._stack.enter_context(process(
                [self.pythons.get(name, sys.executable), str(ROOT / SERVERS / 'mq_server.py'),
                 self.kind, self.url, str(self.ports[name]), self.channel,
                 str(self.logs[name])], port=self.ports[name], env=self.env, timeout=30))
        for name in ('a1', 'a2', 'b1', 'b2'):
            self.add_peer(name)
        line = read_line(self.emitter_proc, 30)
        assert line == 'ready', f'the emitter failed to start: {line!r}'
        self.wait_ready()
        return self

    def add_peer(self, name: str) -> Peer:
        port = self.ports[name[0].upper()]
        peer = self.peers[name] = Peer(name, f'http://127.0.0.1:{port}')
        return peer

    def close(self) -> None:
        self._stack.close()  # servers first: their clients then close at once
        closers = [threading.Thread(target=peer.close, daemon=True)
                   for peer in self.peers.values()]
        for closer in closers:
            closer.start()
        for closer in closers:
            closer.join(10)

    def log(self, name: str) -> str:
        path = self.logs[name]
        return path.read_text() if path.exists() else ''

    # -- helpers ---------------------------------------------------------------
    def emitter(self, *commands: Dict[str, Any], timeout: float = 30) -> None:
        """Have the write-only emitter process publish ``commands``."""
        proc = self.emitter_proc
        proc.stdin.write(json.dumps(list(commands)) + '\n')
        proc.stdin.flush()
        line = read_line(proc, timeout)
        assert line == 'done', f'emitter said {line!r}'

    def wait_ready(self, timeout: float = 30) -> None:
        """Wait until each server's emits reach the clients of the other one.

        Listeners subscribe when the first client connects, so probes are
        repeated until they arrive.
        """
        deadline = time.monotonic() + timeout
        for sender, receivers in (('a1', ('b1', 'b2')), ('b1', ('a1', 'a2'))):
            while True:
                tag = 'probe-' + uuid.uuid4().hex[:6]
                self.peers[sender].ask('emit', {'event': 'msg', 'data': tag})
                try:
                    wait_for(lambda t=tag, rs=receivers: all(self.peers[r].tags()[t] for r in rs),
                             timeout=1, what='probe')
                    break
                except AssertionError:
                    if time.monotonic() > deadline:
                        raise AssertionError(f'{self.kind} listeners never became ready') \
                            from None

    def barrier(self) -> None:
        """Emit a marker from the external emitter and wait until all peers have it."""
        tag = 'marker-' + uuid.uuid4().hex[:6]
        self.emitter({'op': 'emit', 'event': 'msg', 'data': tag})
        wait_for(lambda: all(p.tags()[tag] for p in self.connected_peers()),
                 what='the marker', timeout=15)

    def connected_peers(self) -> List[Peer]:
        return [p for p in self.peers.values() if p.client.connected]

    def counts(self, prefix: str) -> Dict[str, Dict[str, int]]:
        return {name: {tag: n for tag, n in peer.tags().items() if tag.startswith(prefix)}
                for name, peer in self.peers.items()}


@contextlib.contextmanager
def cluster(kind: str, url: str, tmp: Path, pythons: Optional[Dict[str, str]] = None,
            options: Optional[Dict[str, Any]] = None) -> Iterator[Cluster]:
    c = Cluster(kind, url, tmp, pythons, options)
    try:
        yield c.start()
    finally:
        c.close()


@contextlib.contextmanager
def cluster_after_outage(broker: Any, kind: str, url: str, tmp: Path,
                         options: Optional[Dict[str, Any]] = None) -> Iterator[Cluster]:
    """A cluster started while ``broker()`` (a context manager that runs the
    broker, stopped by PID when it exits) runs; the broker is stopped before
    the cluster is yielded, so the test can act during the outage and then
    bring the broker back with ``broker()`` again."""
    with contextlib.ExitStack() as stack:
        with broker():
            c = stack.enter_context(cluster(kind, url, tmp, options=options))
        yield c


# -- scenarios ------------------------------------------------------------------------
def check_emits(c: Cluster) -> None:
    """Broadcast, room, skip_sid, direct-to-sid and binary, from a server and
    from the external emitter, each received exactly once by the right peers."""
    p = c.peers
    assert p['a2'].ask('join', 'room-x') == 'joined'
    assert p['b2'].ask('join', 'room-x') == 'joined'
    for origin, sender in (('A', p['a1']), ('B', p['b1'])):
        sender.ask('emit', {'event': 'msg', 'data': f'e-{origin}-all'})
        sender.ask('emit', {'event': 'msg', 'data': f'e-{origin}-room', 'to': 'room-x'})
        sender.ask('emit', {'event': 'msg', 'data': f'e-{origin}-skip',
                            'skip_sid': p['b1'].sid})
        sender.ask('emit', {'event': 'msg', 'data': f'e-{origin}-to-a2', 'to': p['a2'].sid})
        sender.ask('emit', {'event': 'msg', 'data': f'e-{origin}-to-b2', 'to': p['b2'].sid})
        sender.ask('emit', {'event': 'msg', 'data': f'e-{origin}-bin', 'binary': True,
                            'to': 'room-x'})
    c.emitter({'op': 'emit', 'event': 'msg', 'data': 'e-X-all'},
              {'op': 'emit', 'event': 'msg', 'data': 'e-X-room', 'to': 'room-x'},
              {'op': 'emit', 'event': 'msg', 'data': 'e-X-skip', 'skip_sid': p['b1'].sid},
              {'op': 'emit', 'event': 'msg', 'data': 'e-X-to-a2', 'to': p['a2'].sid},
              {'op': 'emit', 'event': 'msg', 'data': 'e-X-to-b2', 'to': p['b2'].sid},
              {'op': 'emit', 'event': 'msg', 'data': 'e-X-bin', 'binary': True,
               'to': 'room-x'})
    c.barrier()
    expected: Dict[str, Dict[str, int]] = {name: {} for name in p}
    for origin in 'ABX':
        for name in p:
            expected[name][f'e-{origin}-all'] = 1
            if name != 'b1':
                expected[name][f'e-{origin}-skip'] = 1
        for name in ('a2', 'b2'):
            expected[name][f'e-{origin}-room'] = 1
            expected[name][f'e-{origin}-bin'] = 1
        expected['a2'][f'e-{origin}-to-a2'] = 1
        expected['b2'][f'e-{origin}-to-b2'] = 1
    assert c.counts('e-') == expected
    for name in ('a2', 'b2'):  # the binary payload arrived as bytes
        assert sum(isinstance(item, bytes) for item in p[name].received) == 3


def check_callbacks(c: Cluster) -> None:
    """``call()`` from one server to a client of the other: the answer comes back once."""
    p = c.peers
    assert p['a1'].ask('call', {'event': 'question', 'data': 'q1', 'to': p['b1'].sid}) \
        == 'b1:q1'
    assert p['b2'].ask('call', {'event': 'question', 'data': 'q2', 'to': p['a2'].sid}) \
        == 'a2:q2'
    assert p['a1'].ask('call', {'event': 'question', 'data': 'q3', 'to': p['a2'].sid}) \
        == 'a2:q3'  # same process


def check_rooms(c: Cluster) -> None:
    """Room membership of a client of the other server, and close_room, across processes."""
    p = c.peers
    assert p['a1'].ask('enter', {'sid': p['b1'].sid, 'room': 'room-y'}) == 'ok'
    c.emitter({'op': 'enter_room', 'sid': p['a1'].sid, 'room': 'room-y'})
    c.barrier()  # both room changes were applied before anything after the marker
    p['b2'].ask('emit', {'event': 'msg', 'data': 'r-1', 'to': 'room-y'})
    c.barrier()
    p['a2'].ask('close', 'room-y')
    c.barrier()
    p['b2'].ask('emit', {'event': 'msg', 'data': 'r-2', 'to': 'room-y'})
    c.barrier()
    counts = c.counts('r-')
    assert counts == {'a1': {'r-1': 1}, 'a2': {}, 'b1': {'r-1': 1}, 'b2': {}}


def check_disconnects(c: Cluster) -> None:
    """A server disconnects a client of the other server; the emitter disconnects one too."""
    c1, c2 = c.add_peer('a3'), c.add_peer('b3')
    assert c.peers['b1'].ask('kick', c1.sid) == 'ok'
    c.emitter({'op': 'disconnect', 'sid': c2.sid})
    wait_for(lambda: not c1.client.connected and not c2.client.connected,
             what='the remote disconnects', timeout=15)
    c.barrier()
    assert (c1.disconnects, c2.disconnects) == (1, 1)
    assert all(peer.client.connected for name, peer in c.peers.items()
               if name not in ('a3', 'b3'))


def check_garbage(c: Cluster, tag: str = 'g') -> None:
    """Invalid messages on the channel are logged and skipped; the listener goes on."""
    c.emitter({'op': 'garbage'}, {'op': 'emit', 'event': 'msg', 'data': f'{tag}-after'})
    wait_for(lambda: all(p.tags()[f'{tag}-after'] == 1 for p in c.connected_peers()),
             what='the emit after the garbage', timeout=15)
    wait_for(lambda: all('Skipping invalid' in c.log(name) for name in 'AB'),
             what='the garbage to be logged', timeout=15)
    for name in 'AB':
        assert 'Traceback' not in c.log(name), c.log(name)


def check_resumes(c: Cluster, tag: str, timeout: float = 30) -> None:
    """After a broker fault, emits from both sides reach every client again."""
    for sender, receivers in (('a1', 'b1'), ('b1', 'a1')):
        deadline = time.monotonic() + timeout
        n = 0
        while True:
            n += 1
            c.peers[sender].ask('emit', {'event': 'msg', 'data': f'{tag}-{sender}-{n}'})
            try:
                wait_for(lambda s=sender, k=n, r=receivers: c.peers[r].tags()[f'{tag}-{s}-{k}'],
                         timeout=1, what='an emit after the fault')
                break
            except AssertionError:
                if time.monotonic() > deadline:
                    raise AssertionError(f'{c.kind}: emits never resumed') from None
    c.barrier()
    for name in 'AB':
        assert c.procs[name].poll() is None, f'server {name} died'


def run_all(c: Cluster) -> None:
    check_emits(c)
    check_callbacks(c)
    check_rooms(c)
    check_garbage(c)
    check_disconnects(c)



def emit_during_outage(c: Cluster, sent: int, kept: int) -> List[str]:
    """With the broker stopped, server A emits ``sent`` numbered messages and
    keeps the first ``kept`` (its bound), counting the others dropped."""
    tags = [f'out-{i:03d}' for i in range(sent)]
    for tag in tags:
        c.peers['a1'].ask('emit', {'event': 'msg', 'data': tag})
    stats = c.peers['a1'].ask('stats', None)
    assert stats == {'dropped': sent - kept, 'rejected': 0, 'kept': kept}, stats
    return tags


def check_kept_delivered(c: Cluster, tags: List[str], kept: int,
                         timeout: float = 30) -> None:
    """The broker is back: the clients of B get exactly the first ``kept``
    messages of :func:`emit_during_outage` (in order), those of A every one.
    One log line told that publishing failed, one that it works again."""
    wait_for(lambda: all(c.peers[name].tags()[tags[kept - 1]] for name in ('b1', 'b2')),
             what='the kept messages', timeout=timeout)
    c.barrier()
    for name, peer in c.peers.items():
        with peer.lock:
            got = [item for item in peer.received
                   if isinstance(item, str) and item.startswith('out-')]
        assert got == (tags if name.startswith('a') else tags[:kept]), (name, got)
    dropped = len(tags) - kept
    assert c.peers['a1'].ask('stats', None) == {'dropped': dropped, 'rejected': 0, 'kept': 0}
    log = c.log('A')
    assert log.count('Cannot publish to') == 1, log
    assert log.count('buffer full') == (1 if dropped else 0), log
    assert log.count(f'{kept} kept messages sent, {dropped} dropped') == 1, log
