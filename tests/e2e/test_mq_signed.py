"""Signed message-queue messages on a real Redis and RabbitMQ: with a shared
``secret`` the servers and a write-only emitter sign what they publish, and
messages published straight on the broker without the secret (unsigned,
forged, or replayed too late) reach no client."""
import time
from unittest import mock

import pytest
from conftest import require_service

from e2e.mq_support import check_callbacks, check_emits, check_rooms, cluster
from socketio import pubsub_messages

pytestmark = [pytest.mark.e2e, pytest.mark.broker]

SECRET = 'the secret of the test cluster'
BROKERS = {'redis': ('redis://127.0.0.1:6379/0', 6379, 'Redis'),
           'aioredis': ('redis://127.0.0.1:6379/0', 6379, 'Redis'),
           'kombu': ('amqp://guest:guest@127.0.0.1:5672//', 5672, 'RabbitMQ'),
           'aiopika': ('amqp://guest:guest@127.0.0.1:5672//', 5672, 'RabbitMQ')}


def forgeries(tag):
    """Messages that try to make every server emit to all its clients:
    unsigned, signed with a wrong secret, changed after signing, and signed
    two minutes ago (a replay)."""
    def emit(what):
        return pubsub_messages.emit_message('msg', f'{tag}-{what}', '/', None, None, None,
                                            'an-intruder')

    forged = pubsub_messages.sign(emit('forged'), 'a guessed secret')
    tampered = pubsub_messages.sign(emit('tampered'), SECRET)
    tampered['data'] = [f'{tag}-changed-after-signing']
    with mock.patch('time.time', return_value=time.time() - 120):
        replayed = pubsub_messages.sign(emit('replayed'), SECRET)
    return [emit('unsigned'), forged, tampered, replayed]


@pytest.mark.parametrize('kind', sorted(BROKERS))
def test_signed_cluster_refuses_forged_messages(kind, tmp_path):
    url, port, name = BROKERS[kind]
    require_service('127.0.0.1', port, name)
    with cluster(kind, url, tmp_path, options={'secret': SECRET}) as c:
        check_emits(c)  # signed emits of both servers and of the emitter
        check_callbacks(c)
        check_rooms(c)
        c.emitter(*({'op': 'publish_raw', 'message': m} for m in forgeries('x')))
        c.barrier()  # everything published before the marker was handled
        for peer in c.peers.values():
            assert not [tag for tag in peer.tags() if tag.startswith('x-')], peer.tags()
        for server, peer in (('A', 'a1'), ('B', 'b1')):
            stats = c.peers[peer].ask('stats', None)
            assert stats['rejected'] == 4, (server, stats)
            log = c.log(server)
            assert 'Rejected a pubsub message' in log
            assert 'Traceback' not in log
