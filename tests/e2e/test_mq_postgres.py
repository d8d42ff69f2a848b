"""PostgresManager and AsyncPostgresManager end to end on a real PostgreSQL.

The machine's PostgreSQL on 127.0.0.1:5432 (trust authentication, database
``test``) carries the cluster scenarios, messages larger than a ``NOTIFY``
can carry, the expiry of stored messages and examples/postgres_cluster.py.
The fault test runs a private PostgreSQL instance (``initdb`` in a temporary
directory, ``postgres`` on a free port, as the ``postgres`` user when the
tests run as root) and restarts it under a running cluster.
"""
import asyncio
import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid

import pytest
from conftest import free_port, require_service
from support import ROOT, wait_for

import socketio
from e2e.mq_support import (
    check_garbage,
    check_resumes,
    cluster,
    cluster_after_outage,
    run_all,
)

pytestmark = [pytest.mark.e2e, pytest.mark.broker]

PG = 'postgresql://postgres@127.0.0.1:5432/test'
KINDS = ['postgres', 'aiopostgres']
BIG = 50_000  # characters: far over the 8000 bytes of a NOTIFY


def require_postgres():
    require_service('127.0.0.1', 5432, 'PostgreSQL')


def big(tag):
    return tag + ':' + 'x' * BIG


def check_large_messages(c):
    """Messages over the NOTIFY limit, from both servers and the emitter,
    text and binary, reach the right clients exactly once, in order with the
    small messages published around them."""
    p = c.peers
    for origin, sender in (('A', p['a1']), ('B', p['b1'])):
        sender.ask('emit', {'event': 'msg', 'data': f'o-{origin}-1'})
        sender.ask('emit', {'event': 'msg', 'data': big(f'o-{origin}-2')})
        sender.ask('emit', {'event': 'msg', 'data': f'o-{origin}-3'})
        sender.ask('emit', {'event': 'msg', 'data': big(f'o-{origin}-bin'), 'binary': True,
                            'to': p['b2'].sid})
    c.emitter({'op': 'emit', 'event': 'msg', 'data': 'o-X-1'},
              {'op': 'emit', 'event': 'msg', 'data': big('o-X-2')},
              {'op': 'emit', 'event': 'msg', 'data': 'o-X-3'},
              {'op': 'emit', 'event': 'msg', 'data': big('o-X-bin'), 'binary': True,
               'to': p['a2'].sid})
    c.barrier()
    for name in ('a1', 'a2', 'b1', 'b2'):
        peer = p[name]
        with peer.lock:
            received = [item.decode() if isinstance(item, bytes) else item
                        for item in peer.received]
        tags = [item.split(':')[0] for item in received
                if isinstance(item, str) and item.startswith('o-')]
        for origin in 'ABX':
            assert [t for t in tags if t.startswith(f'o-{origin}-') and t[-1].isdigit()] == \
                [f'o-{origin}-1', f'o-{origin}-2', f'o-{origin}-3'], (name, tags)
        expected_bin = {'a2': ['o-X-bin'], 'b2': ['o-A-bin', 'o-B-bin']}.get(name, [])
        assert sorted(t for t in tags if t.endswith('-bin')) == expected_bin, (name, tags)
        for item in received:
            if isinstance(item, str) and item.startswith('o-') and ':' in item:
                assert len(item) == len(big(item.split(':')[0])), name
    for name in ('a2', 'b2'):
        assert any(isinstance(item, bytes) and len(item) > BIG for item in p[name].received)


@pytest.mark.timeout(150)
@pytest.mark.parametrize('kind', KINDS)
def test_cluster(kind, tmp_path):
    """Every scenario, then messages larger than a NOTIFY can carry."""
    require_postgres()
    with cluster(kind, PG, tmp_path) as c:
        run_all(c)
        check_large_messages(c)
        for name in 'AB':
            assert 'Traceback' not in c.log(name), c.log(name)


def test_expired_large_messages_are_deleted():
    """Storing a large message deletes the rows older than the TTL, and
    creates the table on first use."""
    require_postgres()
    psycopg = pytest.importorskip('psycopg')
    table = 'socketio_test_' + uuid.uuid4().hex[:8]
    mgr = socketio.PostgresManager(PG, channel='ttl-' + table, write_only=True, table=table)
    try:
        mgr._publish({'method': 'emit', 'event': 'e', 'data': [big('first')]})
        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(f"UPDATE {table} SET created = now() - interval '2 minutes'")
            (old_id,), = conn.execute(f'SELECT id FROM {table}').fetchall()
            mgr._publish({'method': 'emit', 'event': 'e', 'data': ['small']})
            assert conn.execute(f'SELECT count(*) FROM {table}').fetchone() == (1,)
            mgr._publish({'method': 'emit', 'event': 'e', 'data': [big('second')]})
            rows = conn.execute(f'SELECT id, channel, body FROM {table}').fetchall()
            assert len(rows) == 1 and rows[0][0] > old_id and rows[0][1] == mgr.channel
            assert '"second:xxx' in rows[0][2]
    finally:
        if mgr.publisher is not None:
            mgr.publisher.close()
        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(f'DROP TABLE IF EXISTS {table}')


@pytest.mark.timeout(60)
def test_a_listener_far_behind_skips_a_deleted_message(caplog):
    """A reference whose row is gone is logged and skipped; the next
    messages still arrive."""
    require_postgres()
    psycopg = pytest.importorskip('psycopg')
    table = 'socketio_test_' + uuid.uuid4().hex[:8]

    async def scenario():
        mgr = socketio.AsyncPostgresManager(PG, channel='gone-' + table, table=table)
        listener = mgr._listen()
        first = asyncio.ensure_future(listener.__anext__())
        await wait_until(lambda: mgr.listener is not None and not mgr.listener.closed)
        await mgr._publish({'method': 'emit', 'event': 'e', 'data': [big('kept')]})
        assert '"kept:xxx' in await asyncio.wait_for(first, 10)
        async with await psycopg.AsyncConnection.connect(PG, autocommit=True) as conn:
            await mgr._publish({'method': 'emit', 'event': 'e', 'data': [big('gone')]})
            await conn.execute(f'DELETE FROM {table}')
        await mgr._publish({'method': 'emit', 'event': 'e', 'data': ['after']})
        assert '"after"' in await asyncio.wait_for(listener.__anext__(), 10)
        await listener.aclose()
        for connection in (mgr.listener, mgr.fetcher, mgr.publisher):
            if connection is not None:
                await connection.close()
        async with await psycopg.AsyncConnection.connect(PG, autocommit=True) as conn:
            await conn.execute(f'DROP TABLE IF EXISTS {table}')

    async def wait_until(predicate, timeout=10):
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, 'timed out'
            await asyncio.sleep(0.02)

    asyncio.run(scenario())
    assert any('not found' in r.getMessage() for r in caplog.records)


@pytest.mark.timeout(90)
def test_example(tmp_path):
    """examples/postgres_cluster.py: two servers, a short and a long message."""
    require_postgres()
    result = subprocess.run(
        [sys.executable, str(ROOT / 'examples' / 'postgres_cluster.py'), '--url', PG,
         '--channel', 'example-' + uuid.uuid4().hex[:8]],
        capture_output=True, text=True, timeout=60, cwd=str(ROOT))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "the client of server 2 got 'hello from server 1'" in lines, result.stdout
    assert 'the client of server 2 got a message of 20000 characters' in lines, result.stdout


# -- a private PostgreSQL instance ---------------------------------------------------
def postgres_binary(name):
    for path in [f'/usr/local/bin/{name}', shutil.which(name) or ''] + \
            sorted(glob.glob(f'/usr/lib/postgresql/*/bin/{name}'), reverse=True):
        if path and os.access(path, os.X_OK):
            return path
    require_service('127.0.0.1', -1, f'the PostgreSQL binary {name}')


def postgres_user():
    """The user the private instance runs as: ``postgres`` when the tests run
    as root (PostgreSQL refuses to run as root), else the current user."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam('postgres')
    except KeyError:
        require_service('127.0.0.1', -1, 'a "postgres" user to run PostgreSQL as')


class PrivatePostgres:
    """A PostgreSQL data directory of its own, started and stopped by PID."""

    def __init__(self):
        self.user = postgres_user()
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix='socketio-pg-')
        if self.user is not None:
            os.chown(self.dir, self.user.pw_uid, self.user.pw_gid)
        self.data = os.path.join(self.dir, 'data')
        self.log = os.path.join(self.dir, 'postgres.log')
        self.url = f'postgresql://postgres@127.0.0.1:{self.port}/postgres'
        result = subprocess.run(
            [postgres_binary('initdb'), '-D', self.data, '-U', 'postgres', '--auth=trust',
             '-E', 'UTF8', '--no-sync'], capture_output=True, text=True, timeout=120,
            **self._as_user())
        assert result.returncode == 0, result.stdout + result.stderr

    def _as_user(self):
        if self.user is None:
            return {}
        return {'user': self.user.pw_uid, 'group': self.user.pw_gid, 'extra_groups': [],
                'cwd': self.dir}

    @contextlib.contextmanager
    def running(self):
        """Run the server until the block ends, then stop it (fast shutdown:
        client connections are closed at once)."""
        import psycopg
        with open(self.log, 'a') as log:
            proc = subprocess.Popen(
                [postgres_binary('postgres'), '-D', self.data, '-p', str(self.port),
                 '-k', self.dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
                stdout=log, stderr=subprocess.STDOUT, **self._as_user())

        def accepts():
            if proc.poll() is not None:
                raise AssertionError(f'postgres exited: {open(self.log).read()}')
            try:
                psycopg.connect(self.url, connect_timeout=2).close()
                return True
            except psycopg.OperationalError:
                return False

        try:
            wait_for(accepts, timeout=30, what='the private PostgreSQL')
            yield proc
        finally:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGINT)  # fast shutdown
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait(10)

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def private_postgres():
    pytest.importorskip('psycopg')
    instance = PrivatePostgres()
    try:
        yield instance
    finally:
        instance.remove()


@pytest.mark.timeout(150)
@pytest.mark.parametrize('kind', KINDS)
def test_private_postgres_restarted(kind, tmp_path, private_postgres):
    """The database stopped and started again under a running cluster: the
    listeners reconnect, publishing resumes, large messages too."""
    pg = private_postgres
    with cluster_after_outage(pg.running, kind, pg.url, tmp_path) as c:
        wait_for(lambda: all('Cannot receive from postgres' in c.log(name) for name in 'AB'),
                 what='the listeners to notice the outage', timeout=15)
        # the database is gone now: emitting must not hang nor crash
        c.peers['a1'].ask('emit', {'event': 'msg', 'data': 'lost'}, timeout=20)
        with pg.running():
            check_resumes(c, 'after-restart')
            check_garbage(c, 'g2')
            c.peers['b1'].ask('emit', {'event': 'msg', 'data': big('after-big')})
            c.barrier()
            for name, peer in c.peers.items():  # every peer is connected
                assert [item for item in peer.received if isinstance(item, str)
                        and item.startswith('after-big:')] == [big('after-big')], name
