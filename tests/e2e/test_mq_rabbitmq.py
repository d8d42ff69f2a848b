"""KombuManager (amqp://) and AsyncAioPikaManager end to end on a real RabbitMQ.

After the scenarios, the test closes the broker side of every AMQP connection of one server
process with ``rabbitmqctl close_connection`` (other programs' connections are
left alone) and checks that the servers recover.
"""
import re
import shutil
import subprocess

import pytest
from conftest import require_service
from support import wait_for

from e2e.mq_support import check_resumes, cluster, run_all

pytestmark = [pytest.mark.e2e, pytest.mark.broker]

AMQP = 'amqp://guest:guest@127.0.0.1:5672//'




def amqp_ports(pid):
    """Local ports of the TCP connections process ``pid`` has open to port 5672."""
    out = subprocess.run(['ss', '-tnpH', 'state', 'established', 'dport', '= :5672'],
                         capture_output=True, text=True, timeout=10).stdout
    return [int(m.group(1)) for line in out.splitlines() if f'pid={pid},' in line
            for m in [re.search(r'127\.0\.0\.1:(\d+)\s+127\.0\.0\.1:5672', line)] if m]


def close_connections(ports):
    """Have RabbitMQ close the connections whose client side uses ``ports``."""
    listing = subprocess.run(['rabbitmqctl', 'list_connections', 'pid', 'peer_port',
                              '--quiet', '--no-table-headers'],
                             capture_output=True, text=True, timeout=30, check=True).stdout
    pids = [pid for pid, port in (line.split() for line in listing.splitlines()
                                  if len(line.split()) == 2) if int(port) in ports]
    assert len(pids) == len(ports), listing
    for pid in pids:
        subprocess.run(['rabbitmqctl', 'close_connection', pid, 'closed by the test'],
                       capture_output=True, text=True, timeout=30, check=True)


@pytest.mark.parametrize('kind', ['kombu', 'aiopika'])
def test_cluster_and_connection_closed_by_broker(kind, tmp_path):
    """Every scenario, then a broker-side close of server A's connections."""
    require_service('127.0.0.1', 5672, 'RabbitMQ')
    if not (shutil.which('rabbitmqctl') and shutil.which('ss')):
        require_service('127.0.0.1', -1, 'rabbitmqctl and ss')
    with cluster(kind, AMQP, tmp_path) as c:
        run_all(c)
        pid = c.procs['A'].pid
        ports = wait_for(lambda: amqp_ports(pid), what='the AMQP connections of A', timeout=15)
        close_connections(ports)
        wait_for(lambda: 'Cannot receive from rabbitmq' in c.log('A'),
                 what='the listener to notice', timeout=15)
        check_resumes(c, 'after-close')
        assert not set(ports) & set(amqp_ports(pid))  # new connections were made
