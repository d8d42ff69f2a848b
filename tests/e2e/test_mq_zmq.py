"""ZmqManager end to end, through the forwarder of examples/zmq_forwarder.py."""
import pytest
from conftest import free_port
from support import python_process

from e2e.mq_support import check_resumes, cluster, cluster_after_outage, run_all

pytestmark = [pytest.mark.e2e, pytest.mark.broker]


def forwarder(sink, pub):
    return python_process('examples/zmq_forwarder.py', '--sink-port', str(sink),
                          '--pub-port', str(pub), port=pub)


@pytest.fixture(scope='module')
def zmq_url():
    sink, pub = free_port(), free_port()
    with forwarder(sink, pub):
        yield f'zmq+tcp://127.0.0.1:{sink}+{pub}'


def test_cluster(zmq_url, tmp_path):
    with cluster('zmq', zmq_url, tmp_path) as c:
        run_all(c)


def test_forwarder_restarted(tmp_path):
    """The forwarder stops while the cluster runs and comes back on the same
    ports: an emit meanwhile neither hangs nor crashes a server, and the
    sockets reconnect by themselves."""
    sink, pub = free_port(), free_port()
    with cluster_after_outage(lambda: forwarder(sink, pub), 'zmq',
                              f'zmq+tcp://127.0.0.1:{sink}+{pub}', tmp_path) as c:
        c.peers['a1'].ask('emit', {'event': 'msg', 'data': 'while-down'}, timeout=20)
        with forwarder(sink, pub):
            check_resumes(c, 'after-restart')
