"""socketio.Client end to end against the official Node.js socket.io 4.8 server.

The server is tests/js/client_node_server.js, started as a process on a free
port and stopped by PID. Every ``test_scenario_*`` of test_client_py.py runs
here again with this module's ``url`` fixture (same protocol, other server);
the tests below are about the Node server only.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from conftest import free_port
from support import node_process

from socketio import exceptions

from . import test_client_py as scenarios
from .test_client_py import AUTH, Recorder, connected, make_client, reconnection_scenario, until

pytestmark = pytest.mark.e2e

SCRIPT = 'client_node_server.js'

# the shared scenarios, collected again in this module (with the Node ``url``)
globals().update({name: getattr(scenarios, name) for name in dir(scenarios)
                  if name.startswith('test_scenario_')})


def start_node_server(port: int) -> Any:
    return node_process(SCRIPT, str(port), port=port)


@pytest.fixture(scope='module')
def node_url(node_modules: Path) -> Iterator[str]:
    port = free_port()
    with start_node_server(port):
        yield f'http://127.0.0.1:{port}'


@pytest.fixture
def url(node_url: str) -> str:
    return node_url


def test_node_sees_client_namespace_disconnect(url: str) -> None:
    with connected(url) as c:
        c.emit('echo')
    with connected(url, namespaces=['/']) as observer:
        reasons = observer.call('reasons', timeout=5)
    assert ['/', 'client namespace disconnect'] in reasons
    assert ['/chat', 'client namespace disconnect'] in reasons


def test_node_unknown_namespace_is_refused(url: str) -> None:
    errors = Recorder()
    c = make_client()
    c.on('connect_error', errors.handler('nope'), namespace='/nope')
    with pytest.raises(exceptions.ConnectionError, match='/nope'):
        c.connect(url, namespaces=['/', '/nope'])
    assert errors.named('nope') == [({'message': 'Invalid namespace'},)]
    until(lambda: c.eio.state == 'disconnected', what='engine.io closed')


def test_node_server_calls_client_that_answers_with_binary(url: str) -> None:
    with connected(url, auth=AUTH) as c:
        c.on('question', lambda *args: {'got': list(args), 'bin': b'\x00\x01'},
             namespace='/chat')
        answer = c.call('ask', ('question', b'\xff', {'n': [b'\x01']}), namespace='/chat',
                        timeout=10)
        assert answer == {'answer': {'got': [b'\xff', {'n': [b'\x01']}], 'bin': b'\x00\x01'}}


def test_reconnection_after_node_server_restart(node_modules: Path) -> None:
    reconnection_scenario(start_node_server)
