"""RedisManager, AsyncRedisManager (and KombuManager on redis://) end to end on Redis.

The shared Redis on 127.0.0.1:6379 carries the cluster scenarios; the fault
test runs a private ``redis-server`` on a free port and restarts it.
"""
import shutil
import socket
import subprocess
import sys

import pytest
from conftest import free_port, require_service
from support import ROOT, process, wait_for

from e2e.mq_support import (
    check_callbacks,
    check_emits,
    check_garbage,
    check_kept_delivered,
    check_resumes,
    cluster,
    cluster_after_outage,
    emit_during_outage,
    run_all,
)

pytestmark = [pytest.mark.e2e, pytest.mark.broker]

REDIS = 'redis://127.0.0.1:6379/0'


@pytest.mark.parametrize('kind', ['redis', 'aioredis', 'kombu'])
def test_cluster(kind, tmp_path):
    """RedisManager, AsyncRedisManager and KombuManager with a redis:// URL."""
    require_service('127.0.0.1', 6379, 'Redis')
    with cluster(kind, REDIS, tmp_path) as c:
        run_all(c)
        if kind == 'redis':
            check_example_emitter(c)


@pytest.mark.parametrize('kind', ['redis', 'aioredis'])
def test_cluster_on_a_valkey_url(kind, tmp_path):
    """valkey:// URLs: valkey-py's client (sync or asyncio) when installed."""
    require_service('127.0.0.1', 6379, 'Redis')
    pytest.importorskip('valkey')
    with cluster(kind, 'valkey://127.0.0.1:6379/0', tmp_path) as c:
        check_emits(c)
        check_callbacks(c)


def check_example_emitter(c):
    """examples/write_only_emitter.py reaches the clients of both servers, once."""
    result = subprocess.run(
        [sys.executable, str(ROOT / 'examples' / 'write_only_emitter.py'), '--url', REDIS,
         '--channel', c.channel, '--event', 'msg', '--data', '"from-example"'],
        capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    c.barrier()
    assert all(p.tags()['from-example'] == 1 for p in c.connected_peers())


def redis_server(port):
    return process([shutil.which('redis-server'), '--port', str(port), '--bind', '127.0.0.1',
                    '--save', '', '--appendonly', 'no'], port=port)


@pytest.mark.parametrize('kind', ['redis', 'aioredis'])
def test_private_redis_restarted(kind, tmp_path):
    """A private Redis stops under a running cluster: what server A emits
    meanwhile is kept (up to the bound) and delivered once Redis is back,
    counted one by one; the listeners are back and log one line each."""
    if shutil.which('redis-server') is None:
        require_service('127.0.0.1', -1, 'redis-server binary')
    port = free_port()
    url = f'redis://127.0.0.1:{port}/0'
    with cluster_after_outage(lambda: redis_server(port), kind, url, tmp_path,
                              options={'max_buffered_messages': 20}) as c:
        tags = emit_during_outage(c, sent=30, kept=20)
        with redis_server(port):
            check_kept_delivered(c, tags, kept=20)
            check_resumes(c, 'after-restart')
            check_garbage(c, 'g2')
            for name in 'AB':  # one outage: one line when it began, one when it ended
                assert c.log(name).count('Cannot receive from redis... retrying') == 1
                assert c.log(name).count('Receiving from redis again') == 1


def wait_for_unix_socket(path, proc, timeout=15):
    """Wait until a Redis server answers PING on the unix socket ``path``."""
    def answers():
        if proc.poll() is not None:
            raise AssertionError(f'redis-server exited: {proc.stdout.read()}')
        try:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(1)
                sock.connect(str(path))
                sock.sendall(b'PING\r\n')
                return sock.recv(16).startswith(b'+PONG')
        except OSError:
            return False

    wait_for(answers, timeout=timeout, what=f'redis on {path}')


@pytest.mark.parametrize('kind', ['redis', 'aioredis'])
def test_unix_socket_url(kind, tmp_path):
    """unix:// URLs: both managers on a private Redis that listens on a socket file only."""
    if shutil.which('redis-server') is None:
        require_service('127.0.0.1', -1, 'redis-server binary')
    path = tmp_path / 'redis.sock'
    with process([shutil.which('redis-server'), '--port', '0', '--unixsocket', str(path),
                  '--unixsocketperm', '700', '--save', '', '--appendonly', 'no']) as redis:
        wait_for_unix_socket(path, redis)
        with cluster(kind, f'unix://{path}?db=0', tmp_path) as c:
            check_emits(c)
            check_callbacks(c)


@pytest.mark.parametrize('kind', ['redis', 'aioredis'])
def test_sentinel_url(kind, tmp_path):
    """redis+sentinel:// URLs: the managers ask a real Sentinel for the master."""
    if shutil.which('redis-server') is None:
        require_service('127.0.0.1', -1, 'redis-server binary')
    master_port, sentinel_port = free_port(), free_port()
    config = tmp_path / 'sentinel.conf'  # Sentinel rewrites its configuration file
    config.write_text(f'port {sentinel_port}\nbind 127.0.0.1\ndir {tmp_path}\n'
                      f'sentinel monitor socketio-test 127.0.0.1 {master_port} 1\n')
    with redis_server(master_port), \
            process([shutil.which('redis-server'), str(config), '--sentinel'],
                    port=sentinel_port):
        url = f'redis+sentinel://127.0.0.1:{sentinel_port}/0/socketio-test'
        with cluster(kind, url, tmp_path) as c:
            check_emits(c)
            check_callbacks(c)
