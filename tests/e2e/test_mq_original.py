"""A cluster that mixes our server with an original python-socketio 5.18.1
server on one Redis channel, as during a rolling upgrade: emits to everyone,
rooms and sids, with text and binary data, acknowledgements, room changes and
disconnects cross between them, in both directions, exactly once.

The original runs as a separate process from a throw-away venv (see
``e2e/original.py``).
"""
import pytest
from conftest import require_service

from e2e.mq_support import check_callbacks, check_disconnects, check_emits, check_rooms, cluster
from e2e.original import VERSION, original_python

pytestmark = [pytest.mark.e2e, pytest.mark.broker]

REDIS = 'redis://127.0.0.1:6379/0'


@pytest.mark.timeout(300)
@pytest.mark.parametrize('kind', ['aioredis', 'redis'])
def test_mixed_cluster_with_the_original(kind, tmp_path):
    require_service('127.0.0.1', 6379, 'Redis')
    original = original_python()
    # server A is ours, server B the original; the write-only emitter is ours
    with cluster(kind, REDIS, tmp_path, pythons={'B': original}) as c:
        version = c.procs['B'].args[0]
        assert version == original and VERSION in original
        check_emits(c)
        check_callbacks(c)
        check_rooms(c)
        check_disconnects(c)
        check_cluster_requests_ignored(c)


def check_cluster_requests_ignored(c):
    """Our cluster requests and heartbeats reach the original, which skips
    them without a word: it is not a peer (it sends no heartbeat), so our
    server neither waits for it nor reports it, and it goes on working."""
    p = c.peers
    result = p['a1'].ask('fetch', {'timeout': 5})
    assert sorted(s['sid'] for s in result['sockets']) == sorted(
        peer.sid for name, peer in p.items() if name[0] == 'a' and peer.client.connected)
    assert result['missing_hosts'] == []
    assert p['a2'].ask('server_emit', {'event': 'ping', 'data': 'x', 'timeout': 5}) == \
        {'answers': [], 'hosts': [], 'missing_hosts': []}
    assert p['a1'].ask('sockets_join', {'rooms': 'mixed', 'room': p['a2'].sid}) == 'ok'
    check_callbacks(c)
    # werkzeug's own lines aside (a WebSocket frame that a closing
    # connection still carried, read as a request: harmless, not ours)
    log = '\n'.join(line for line in c.log('B').splitlines() if ' werkzeug ' not in line)
    assert 'Traceback' not in log and 'ERROR' not in log, log
