"""ZmqManager end to end, through the forwarder of examples/zmq_forwarder.py."""
import pytest
from conftest import free_port
from support import python_process

from e2e.mq_support import cluster, run_all

pytestmark = [pytest.mark.e2e, pytest.mark.broker]


@pytest.fixture(scope='module')
def zmq_url():
    sink, pub = free_port(), free_port()
    with python_process('examples/zmq_forwarder.py', '--sink-port', str(sink),
                        '--pub-port', str(pub), port=pub):
        yield f'zmq+tcp://127.0.0.1:{sink}+{pub}'


def test_cluster(zmq_url, tmp_path):
    with cluster('zmq', zmq_url, tmp_path) as c:
        run_all(c)
