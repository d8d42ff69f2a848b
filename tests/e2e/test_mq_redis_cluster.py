"""RedisManager and AsyncRedisManager on a real Redis Cluster
(``redis+cluster://`` URLs): three ``redis-server`` processes in cluster mode
on free ports, made a cluster with ``redis-cli --cluster create``, each
started and stopped by PID. Messages use sharded pub/sub (SPUBLISH and
SSUBSCRIBE on the node that owns the channel's slot, Redis 7+).

The restart scenario stops the node that owns the channel while the two
servers run, then starts it again from its directory (it rejoins with its
slots): the listeners subscribe again and the messages kept meanwhile are
delivered.
"""
import contextlib
import shutil
import subprocess

import pytest
from conftest import free_port, require_service
from support import process, wait_for

from e2e.mq_support import (
    check_callbacks,
    check_emits,
    check_resumes,
    cluster,
)
from e2e.test_mq_cluster import run_smoke, wait_until_known

pytestmark = [pytest.mark.e2e, pytest.mark.broker]


def cli(port, *args, timeout=10):
    return subprocess.run([shutil.which('redis-cli'), '-p', str(port), *args],
                          capture_output=True, text=True, timeout=timeout).stdout


class RedisCluster:
    """Three master nodes on free ports, in directories of ``tmp``."""

    def __init__(self, tmp):
        self.ports = [free_port() for _ in range(3)]
        self.bus_ports = {port: free_port() for port in self.ports}  # Redis 7+: cluster-port
        self.dirs = {port: tmp / f'node-{port}' for port in self.ports}
        self.nodes = {}

    def start_node(self, port):
        self.dirs[port].mkdir(exist_ok=True)
        node = process([shutil.which('redis-server'), '--port', str(port), '--bind',
                        '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-port',
                        str(self.bus_ports[port]), '--cluster-config-file',
                        'nodes.conf', '--cluster-node-timeout', '1000', '--save', '',
                        '--appendonly', 'no', '--dir', str(self.dirs[port])], port=port)
        self.nodes[port] = contextlib.ExitStack()
        self.nodes[port].enter_context(node)

    def stop_node(self, port):
        self.nodes.pop(port).close()  # SIGTERM by PID, then wait

    def wait_ok(self):
        for port in self.ports:
            wait_for(lambda p=port: 'cluster_state:ok' in cli(p, 'cluster', 'info'),
                     timeout=20, what=f'cluster state ok on {port}')

    def owner(self, channel):
        """The port of the node that owns ``channel``'s slot."""
        slot = int(cli(self.ports[0], 'cluster', 'keyslot', channel).strip())
        for line in cli(self.ports[0], 'cluster', 'nodes').splitlines():
            fields = line.split()
            for ranges in fields[8:]:
                low, _, high = ranges.partition('-')
                if int(low) <= slot <= int(high or low):
                    return int(fields[1].split(':')[1].split('@')[0])
        raise AssertionError(f'no node owns slot {slot}')

    @property
    def url(self):
        return 'redis+cluster://' + ','.join(f'127.0.0.1:{p}' for p in self.ports[:2])

    def close(self):
        for port in list(self.nodes):
            self.stop_node(port)


@pytest.fixture
def redis_cluster(tmp_path):
    if shutil.which('redis-server') is None or shutil.which('redis-cli') is None:
        require_service('127.0.0.1', -1, 'redis-server and redis-cli binaries')
    version = subprocess.run([shutil.which('redis-server'), '--version'], capture_output=True,
                             text=True, timeout=10).stdout
    rc = RedisCluster(tmp_path)
    try:
        for port in rc.ports:
            rc.start_node(port)
        created = subprocess.run(
            [shutil.which('redis-cli'), '--cluster', 'create',
             *[f'127.0.0.1:{p}' for p in rc.ports], '--cluster-yes'],
            capture_output=True, text=True, timeout=30)
        assert created.returncode == 0, created.stdout + created.stderr
        rc.wait_ok()
        rc.sharded = 'v=6.' not in version
        yield rc
    finally:
        rc.close()


@pytest.mark.timeout(90)
@pytest.mark.parametrize('kind', ['redis', 'aioredis'])
def test_cluster_url_and_node_restart(kind, redis_cluster, tmp_path):
    rc = redis_cluster
    with cluster(kind, rc.url, tmp_path, options={'max_buffered_messages': 50}) as c:
        if rc.sharded:  # the servers listen on the channel's node, with SSUBSCRIBE
            owner = rc.owner(c.channel)
            assert cli(owner, 'pubsub', 'shardnumsub', c.channel).split()[-1] == '2'
        check_emits(c)
        check_callbacks(c)
        run_smoke(c)
        # the node that owns the channel restarts under the running servers
        owner = rc.owner(c.channel)
        rc.stop_node(owner)
        wait_for(lambda: all('Cannot receive from redis' in c.log(name) for name in 'AB'),
                 timeout=20, what='the listeners to notice the outage')
        c.peers['a1'].ask('emit', {'event': 'msg', 'data': 'during-restart'}, timeout=30)
        rc.start_node(owner)
        rc.wait_ok()
        wait_for(lambda: c.peers['b1'].tags()['during-restart'] == 1, timeout=30,
                 what='the message kept during the restart')
        check_resumes(c, 'after-restart')
        wait_until_known(c)
        for name in 'AB':
            assert 'Receiving from redis again' in c.log(name)
