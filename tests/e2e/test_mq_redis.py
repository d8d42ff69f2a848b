"""RedisManager, AsyncRedisManager (and KombuManager on redis://) end to end on Redis.

The shared Redis on 127.0.0.1:6379 carries the cluster scenarios; the fault
test runs a private ``redis-server`` on a free port and restarts it.
"""
import shutil
import subprocess
import sys

import pytest
from conftest import free_port, require_service
from support import ROOT, process

from e2e.mq_support import check_garbage, check_resumes, cluster, run_all

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
    if shutil.which('redis-server') is None:
        require_service('127.0.0.1', -1, 'redis-server binary')
    port = free_port()
    url = f'redis://127.0.0.1:{port}/0'
    with redis_server(port):
        c_ctx = cluster(kind, url, tmp_path)
        c = c_ctx.__enter__()
    try:  # the broker is gone now: emitting must not hang nor crash
        c.peers['a1'].ask('emit', {'event': 'msg', 'data': 'lost'}, timeout=20)
        with redis_server(port):
            check_resumes(c, 'after-restart')
            check_garbage(c, 'g2')
        assert 'Cannot receive from redis... retrying' in c.log('A')
        assert 'Cannot publish to redis' in c.log('A')
    finally:
        c_ctx.__exit__(None, None, None)
