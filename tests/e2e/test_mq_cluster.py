"""Cluster requests end to end (docs/cluster.rst): two server processes on a
real broker with two of our clients each (``e2e.mq_support.Cluster``), and
the official JavaScript client in one scenario.

Every manager runs the same checks: ``fetch_sockets`` sees every client with
its rooms and process, ``call_all`` collects one answer per client across the
processes, rooms can be joined and left and clients disconnected remotely
(from a server and from a write-only emitter), server-side events reach the
other process and its answers come back; a process stopped with SIGSTOP is
reported as missing after the timeout instead of being waited for.
"""
import os
import signal
import subprocess
import sys
import uuid

import pytest
from conftest import free_port, require_service
from support import ROOT, run_node, wait_for

from e2e.mq_support import cluster
from e2e.test_mq_kafka import kafka_url  # noqa: F401  (the private Kafka broker fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.broker]

REDIS = 'redis://127.0.0.1:6379/0'
AMQP = 'amqp://guest:guest@127.0.0.1:5672//'
NATS = 'nats://127.0.0.1:4222'
PG = 'postgresql://postgres@127.0.0.1:5432/test'
#: kind -> (url, port of the broker, its name)
BROKERS = {'redis': (REDIS, 6379, 'Redis'), 'aioredis': (REDIS, 6379, 'Redis'),
           'kombu': (AMQP, 5672, 'RabbitMQ'), 'aiopika': (AMQP, 5672, 'RabbitMQ'),
           'nats': (NATS, 4222, 'NATS'), 'aionats': (NATS, 4222, 'NATS'),
           'postgres': (PG, 5432, 'PostgreSQL'), 'aiopostgres': (PG, 5432, 'PostgreSQL')}


def broker_url(kind):
    url, port, name = BROKERS[kind]
    require_service('127.0.0.1', port, name)
    return url


# -- scenarios --------------------------------------------------------------------------
def hosts_of(c):
    """The ``host_id`` of the manager of each server."""
    return {name: c.peers[name.lower() + '1'].ask('host_id', None) for name in 'AB'}


def sids(sockets):
    return sorted(s['sid'] for s in sockets)


def wait_until_known(c):
    """Each server sees the clients of both (the processes know each other)."""
    expected = sorted(p.sid for p in c.connected_peers())
    for asker in ('a1', 'b1'):
        seen = {}

        def sees_all(a=asker, seen=seen):
            seen['last'] = c.peers[a].ask('fetch', {})
            return sids(seen['last']['sockets']) == expected

        try:
            wait_for(sees_all, timeout=15, what=f'{asker} to see every client')
        except AssertionError as exc:
            raise AssertionError(f'{exc}: expected {expected}, saw {seen.get("last")}') from None


def check_fetch(c, hosts):
    p = c.peers
    for asker in ('a1', 'b1'):
        result = p[asker].ask('fetch', {})
        assert result['missing_hosts'] == []
        by_sid = {s['sid']: s for s in result['sockets']}
        assert sorted(by_sid) == sorted(peer.sid for peer in p.values())
        for name, peer in p.items():
            socket = by_sid[peer.sid]
            assert socket['host_id'] == hosts[name[0].upper()]
            assert socket['namespace'] == '/' and socket['transport'] == 'websocket'
            assert peer.sid in socket['rooms'] and socket['address'] == '127.0.0.1'
    assert p['a2'].ask('join', 'fr') == 'joined'
    assert p['b2'].ask('join', 'fr') == 'joined'
    for asker in ('a1', 'b1'):
        result = p[asker].ask('fetch', {'room': 'fr'})
        assert sids(result['sockets']) == sorted([p['a2'].sid, p['b2'].sid])
        assert all('fr' in s['rooms'] for s in result['sockets'])


def check_call_all(c):
    """One answer per client, by sid, across the processes (after check_fetch)."""
    p = c.peers
    result = p['a1'].ask('call_all', {'event': 'question', 'data': 'q'})
    assert result == {'answers': {peer.sid: f'{name}:q' for name, peer in p.items()},
                      'missing_sids': [], 'missing_hosts': []}
    result = p['b1'].ask('call_all', {'event': 'question', 'data': 'r', 'to': 'fr',
                                      'skip_sid': p['b2'].sid})
    assert result['answers'] == {p['a2'].sid: 'a2:r'}
    result = p['a2'].ask('call_all', {'event': 'question', 'data': 's',
                                      'to': [p['a1'].sid, p['b1'].sid]})
    assert result['answers'] == {p['a1'].sid: 'a1:s', p['b1'].sid: 'b1:s'}
    # call() to one sid is unchanged
    assert p['a1'].ask('call', {'event': 'question', 'data': 't', 'to': p['b1'].sid}) \
        == 'b1:t'


def check_server_events(c, hosts):
    p = c.peers
    for asker, other in (('a1', 'B'), ('b1', 'A')):
        result = p[asker].ask('server_emit', {'event': 'ping', 'data': 'x', 'timeout': 5})
        assert result == {'answers': [f'pong:{hosts[other]}:x'], 'hosts': [hosts[other]],
                          'missing_hosts': []}
    # an event no process handles: no answer, and nobody is waited for
    result = p['a1'].ask('server_emit', {'event': 'nobody', 'timeout': 5})
    assert result == {'answers': [], 'hosts': [], 'missing_hosts': []}
    # without acknowledgements, from a server and from a write-only emitter
    assert p['a1'].ask('server_emit', {'event': 'note', 'data': 'from-A'}) is None
    c.emitter({'op': 'server_emit', 'event': 'note', 'data': 'from-X'})
    wait_for(lambda: sorted(p['b1'].ask('notes', None)) == [['from-A'], ['from-X']],
             timeout=10, what='the notes at B')
    wait_for(lambda: p['a1'].ask('notes', None) == [['from-X']], timeout=10,
             what='the note at A')


def check_stopped_process(c, hosts):
    """Server B stopped (SIGSTOP): what A asks ends after the timeout, with
    A's own answers and B reported missing; B answers again once continued."""
    p = c.peers
    pid = c.procs['B'].pid
    os.kill(pid, signal.SIGSTOP)
    try:
        result = p['a1'].ask('call_all', {'event': 'question', 'data': 'z', 'timeout': 1})
        assert result == {'answers': {p['a1'].sid: 'a1:z', p['a2'].sid: 'a2:z'},
                          'missing_sids': [], 'missing_hosts': [hosts['B']]}
        result = p['a1'].ask('fetch', {'timeout': 1})
        assert sids(result['sockets']) == sorted([p['a1'].sid, p['a2'].sid])
        assert result['missing_hosts'] == [hosts['B']]
        result = p['a2'].ask('server_emit', {'event': 'ping', 'data': 'y', 'timeout': 1})
        assert result == {'answers': [], 'hosts': [], 'missing_hosts': [hosts['B']]}
    finally:
        os.kill(pid, signal.SIGCONT)
    wait_until_known(c)


def check_remote_actions(c):
    """Joins, leaves and disconnects of the clients of both processes, asked
    by a server or by the write-only emitter (after check_fetch: a2 and b2
    are in room 'fr')."""
    p = c.peers
    assert p['b1'].ask('sockets_join', {'rooms': ['team', 'crew'], 'room': 'fr'}) == 'ok'
    both = sorted([p['a2'].sid, p['b2'].sid])
    # a process's own messages reach the others in order: B's fetch sees its join
    assert sids(p['b1'].ask('fetch', {'room': 'team'})['sockets']) == both
    assert sids(p['b1'].ask('fetch', {'room': 'crew'})['sockets']) == both
    c.emitter({'op': 'sockets_leave', 'rooms': ['crew'], 'room': 'fr'})
    c.barrier()  # both servers applied the leave
    assert p['a1'].ask('fetch', {'room': 'crew'})['sockets'] == []
    assert p['a1'].ask('sockets_leave', {'rooms': 'team', 'room': p['b2'].sid}) == 'ok'
    assert sids(p['a1'].ask('fetch', {'room': 'team'})['sockets']) == [p['a2'].sid]
    # disconnects: from a server (namespace only), from the emitter (close)
    doomed = [c.add_peer(name) for name in ('a3', 'b3', 'a4', 'b4')]
    assert p['a1'].ask('sockets_join', {'rooms': 'doomed',
                                        'room': [doomed[0].sid, doomed[1].sid]}) == 'ok'
    assert p['b1'].ask('sockets_join', {'rooms': 'closed',
                                        'room': [doomed[2].sid, doomed[3].sid]}) == 'ok'
    c.barrier()
    assert p['a1'].ask('disconnect_sockets', {'room': 'doomed'}) == 'ok'
    c.emitter({'op': 'disconnect_sockets', 'room': 'closed', 'close': True})
    wait_for(lambda: not any(peer.client.connected for peer in doomed), timeout=15,
             what='the remote disconnects')
    assert [peer.disconnects for peer in doomed] == [1, 1, 1, 1]
    wait_until_known(c)
    assert len(c.connected_peers()) == 4


def run_cluster_scenarios(c, stop=True):
    wait_until_known(c)
    hosts = hosts_of(c)
    assert hosts['A'] != hosts['B']
    check_fetch(c, hosts)
    check_call_all(c)
    check_server_events(c, hosts)
    if stop:
        check_stopped_process(c, hosts)
    check_remote_actions(c)


def run_smoke(c):
    wait_until_known(c)
    hosts = hosts_of(c)
    check_fetch(c, hosts)
    check_call_all(c)
    result = c.peers['a1'].ask('server_emit', {'event': 'ping', 'data': 'x', 'timeout': 5})
    assert result['answers'] == [f'pong:{hosts["B"]}:x']


# -- the tests ----------------------------------------------------------------------------
@pytest.mark.timeout(90)
@pytest.mark.parametrize('kind', ['redis', 'aioredis', 'kombu', 'aiopika'])
def test_cluster_requests(kind, tmp_path):
    with cluster(kind, broker_url(kind), tmp_path) as c:
        run_cluster_scenarios(c)


@pytest.mark.timeout(90)
def test_cluster_requests_on_kafka(kafka_url, tmp_path):  # noqa: F811 (the fixture)
    with cluster('kafka', kafka_url, tmp_path) as c:
        run_cluster_scenarios(c)


@pytest.fixture(scope='module')
def zmq_url():
    from e2e.test_mq_zmq import forwarder
    sink, pub = free_port(), free_port()
    with forwarder(sink, pub):
        yield f'zmq+tcp://127.0.0.1:{sink}+{pub}'


@pytest.mark.timeout(60)
def test_cluster_requests_on_zmq(zmq_url, tmp_path):
    with cluster('zmq', zmq_url, tmp_path) as c:
        run_smoke(c)


@pytest.mark.timeout(60)
@pytest.mark.parametrize('kind', ['nats', 'aionats', 'postgres', 'aiopostgres'])
def test_cluster_requests_smoke(kind, tmp_path):
    with cluster(kind, broker_url(kind), tmp_path) as c:
        run_smoke(c)


@pytest.mark.timeout(60)
def test_official_js_clients(node_modules, tmp_path):
    """JavaScript clients answer a call_all with ordinary per-client
    acknowledgements: one value, several (a tuple), none (None), or no
    answer at all (its sid in missing_sids)."""
    with cluster('aioredis', broker_url('aioredis'), tmp_path) as c:
        wait_until_known(c)
        result = run_node('cluster_clients.js', f'http://127.0.0.1:{c.ports["A"]}',
                          f'http://127.0.0.1:{c.ports["B"]}')
    js = result['sids']
    answers = result['call']['answers']
    assert answers[js['ja1']] == 'ja1:js'
    assert answers[js['ja2']] == ['ja2', 'js']  # a tuple, as JSON
    assert answers[js['jb1']] is None
    assert js['jb2'] not in answers
    assert result['call']['missing_sids'] == [js['jb2']]
    assert result['call']['missing_hosts'] == []
    for name, peer in c.peers.items():  # our clients answered too
        assert answers[peer.sid] == f'{name}:js'
    fetched = sids(result['fetch']['sockets'])
    assert fetched == sorted(list(js.values()) + [p.sid for p in c.peers.values()])


@pytest.mark.timeout(60)
def test_example_cluster_queries():
    """examples/cluster_queries.py runs and prints what the cluster answered."""
    result = subprocess.run(
        [sys.executable, str(ROOT / 'examples' / 'cluster_queries.py'), '--url',
         broker_url('aioredis'), '--channel', 'example-' + uuid.uuid4().hex[:8]],
        capture_output=True, text=True, timeout=50)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        'Ann is connected to server 1 by websocket',
        'Bob is connected to server 2 by websocket',
        'Cid is connected to server 2 by websocket',
        "Ann answered 'pizza'",
        "Bob answered ('sushi', 'or ramen')",
        'Cid answered None',
        'no answer from [], servers that did not report: []',
        "in room lunch: ['Bob']",
        "the other servers say: [('server 2', 2)]",
        'Bob connected: False']
