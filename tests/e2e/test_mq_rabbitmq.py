"""KombuManager (amqp://) and AsyncAioPikaManager end to end on a real RabbitMQ.

After the scenarios, the test closes the broker side of every AMQP connection of one server
process with ``rabbitmqctl close_connection`` (other programs' connections are
left alone) and checks that the servers recover.
"""
import contextlib
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from conftest import free_port, require_service
from support import wait_for, wait_for_port

from e2e.mq_support import (
    check_kept_delivered,
    check_resumes,
    cluster,
    cluster_after_outage,
    emit_during_outage,
    run_all,
)

pytestmark = [pytest.mark.e2e, pytest.mark.broker]

AMQP = 'amqp://guest:guest@127.0.0.1:5672//'
RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server'


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


def children(pid):
    try:
        return [int(child) for child in
                Path(f'/proc/{pid}/task/{pid}/children').read_text().split()]
    except OSError:
        return []


@contextlib.contextmanager
def private_rabbitmq(port, home):
    """A RabbitMQ node of its own (name, port, data in ``home``), started by
    its start script; stopped by the PIDs of the script and of its Erlang VM."""
    home.mkdir(exist_ok=True)
    (home / 'plugins').write_text('[].')
    (home / 'rabbitmq.conf').write_text(f'listeners.tcp.local = 127.0.0.1:{port}\n'
                                        'loopback_users = none\n')
    env = dict(os.environ, HOME=str(home), RABBITMQ_NODENAME=f'socketio-test-{port}@localhost',
               RABBITMQ_DIST_PORT=str(free_port()),
               RABBITMQ_CONF_ENV_FILE=str(home / 'rabbitmq-env.conf'),
               RABBITMQ_CONFIG_FILE=str(home / 'rabbitmq.conf'),
               RABBITMQ_MNESIA_BASE=str(home / 'mnesia'), RABBITMQ_LOG_BASE=str(home / 'log'),
               RABBITMQ_ENABLED_PLUGINS_FILE=str(home / 'plugins'))
    proc = subprocess.Popen([RABBITMQ_SERVER], env=env, cwd=str(home),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, 60, proc)
        yield proc
    finally:
        vms = children(proc.pid)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
        for vm in vms:  # the start script normally stops its VM itself
            with contextlib.suppress(ProcessLookupError):
                os.kill(vm, signal.SIGKILL)


@pytest.mark.timeout(180)
@pytest.mark.parametrize('kind', ['kombu', 'aiopika'])
def test_private_rabbitmq_restarted(kind, tmp_path):
    """A private RabbitMQ stops under a running cluster and starts again
    (empty: the queues are not durable): what server A emits meanwhile is
    kept (up to the bound) and delivered once it is back, counted one by one."""
    if not os.path.exists(RABBITMQ_SERVER):
        require_service('127.0.0.1', -1, 'the rabbitmq-server start script')
    port = free_port()
    url = f'amqp://guest:guest@127.0.0.1:{port}//'
    home = tmp_path / 'rabbitmq'
    with cluster_after_outage(lambda: private_rabbitmq(port, home), kind, url, tmp_path,
                              options={'max_buffered_messages': 20}) as c:
        tags = emit_during_outage(c, sent=30, kept=20)
        with private_rabbitmq(port, home):
            check_kept_delivered(c, tags, kept=20)
            check_resumes(c, 'after-restart')
            for name in 'AB':
                assert c.log(name).count('Cannot receive from rabbitmq... retrying') == 1
                assert c.log(name).count('Receiving from rabbitmq again') == 1
