"""NatsManager and AsyncNatsManager end to end on a real NATS server.

The machine's NATS on 127.0.0.1:4222 carries the cluster scenarios; the
fault test runs a private ``nats-server`` on a free port and restarts it
under a running cluster.
"""
import os
import shutil

import pytest
from conftest import free_port, require_service
from support import process, wait_for

from e2e.mq_support import (
    check_garbage,
    check_resumes,
    cluster,
    cluster_after_outage,
    run_all,
)

pytestmark = [pytest.mark.e2e, pytest.mark.broker]

NATS = 'nats://127.0.0.1:4222'
KINDS = ['nats', 'aionats']


def nats_server_binary():
    for path in (shutil.which('nats-server'), '/usr/sbin/nats-server'):
        if path and os.access(path, os.X_OK):
            return path
    require_service('127.0.0.1', -1, 'nats-server binary')


@pytest.mark.timeout(120)
@pytest.mark.parametrize('kind', KINDS)
def test_cluster(kind, tmp_path):
    """Every scenario: emits (text, binary, rooms, sids, skip_sid), callbacks,
    room changes, invalid messages and disconnects across two servers."""
    require_service('127.0.0.1', 4222, 'NATS')
    with cluster(kind, NATS, tmp_path) as c:
        run_all(c)


@pytest.mark.timeout(120)
@pytest.mark.parametrize('kind', KINDS)
def test_private_nats_restarted(kind, tmp_path):
    """A private nats-server stopped and started again under a running cluster."""
    binary = nats_server_binary()
    port = free_port()

    def nats_server():
        return process([binary, '-a', '127.0.0.1', '-p', str(port)], port=port)

    url = f'nats://127.0.0.1:{port}'
    with cluster_after_outage(nats_server, kind, url, tmp_path) as c:
        wait_for(lambda: all('Cannot receive from nats' in c.log(name) for name in 'AB'),
                 what='the listeners to notice the outage', timeout=15)
        # the broker is gone now: emitting must not hang nor crash
        c.peers['a1'].ask('emit', {'event': 'msg', 'data': 'lost'}, timeout=20)
        with nats_server():
            check_resumes(c, 'after-restart')
            check_garbage(c, 'g2')
