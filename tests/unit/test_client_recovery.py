"""Connection state recovery in ``Client``/``AsyncClient``: the private
session id and offset sent on reconnection, offsets taken off the events,
``recovered``."""
from __future__ import annotations

import asyncio
from typing import Any, List

import pytest

import socketio


@pytest.fixture(params=['standard', 'asyncio'])
def client(request: Any) -> Any:
    is_async = request.param == 'asyncio'
    c = (socketio.AsyncClient if is_async else socketio.Client)(reconnection=False)
    c.sent = []
    c.run = (lambda result: asyncio.run(result)) if is_async else (lambda result: result)

    def send(data: Any) -> Any:
        c.sent.append(data)
        return asyncio.sleep(0) if is_async else None

    async def eio_disconnect(abort: bool = False) -> None:
        c.eio.state = 'disconnected'

    c.eio.send = send
    c.eio.disconnect = eio_disconnect if is_async else (
        lambda abort=False: setattr(c.eio, 'state', 'disconnected'))
    c.connection_namespaces = ['/', '/chat']
    c.connected = True
    return c


def test_connect_data(client: Any) -> None:
    assert client._connect_data('/', None) == {}
    assert client._connect_data('/', {'t': 1}) == {'t': 1}
    client._pids['/'] = 'p'
    assert client._connect_data('/', None) == {'pid': 'p'}  # no offset yet
    client._offsets['/'] = 'o'
    assert client._connect_data('/', {'t': 1}) == {'pid': 'p', 'offset': 'o', 't': 1}
    assert client._connect_data('/', 'a string') == 'a string'
    assert client._connect_data('/chat', None) == {}


def test_sessions_offsets_and_recovered(client: Any) -> None:
    got: List[Any] = []
    client.on('news', lambda *args: got.append(args))
    client.on('news', lambda *args: got.append(args), namespace='/chat')
    client.on('ask', lambda *args: args)
    run = client.run
    run(client._handle_eio_message('0{"sid":"s1","pid":"p1"}'))
    run(client._handle_eio_message('0/chat,{"sid":"s2"}'))  # no recovery there
    assert client.namespaces == {'/': 's1', '/chat': 's2'}
    assert client._pids == {'/': 'p1'} and client.recovered is False
    run(client._handle_eio_message('2["news","a","off1"]'))
    run(client._handle_eio_message('2["news","off2"]'))
    run(client._handle_eio_message('2["news"]'))
    run(client._handle_eio_message('2["news",1]'))
    run(client._handle_eio_message('2/chat,["news","kept"]'))
    run(client._handle_eio_message('27["ask","no offset with an ack id"]'))
    assert got == [('a',), (), (), (1,), ('kept',)]
    assert client._offsets == {'/': 'off2'}
    assert client.sent[-1] == '37["no offset with an ack id"]'
    # reconnection: the CONNECT packets carry the pid and the last offset
    client.connection_auth = {'token': 't'}
    run(client._handle_eio_connect())
    assert client.sent[-2:] == ['0{"pid":"p1","offset":"off2","token":"t"}',
                                '0/chat,{"token":"t"}']
    client.namespaces = {}
    run(client._handle_eio_message('0{"sid":"s1","pid":"p1"}'))
    run(client._handle_eio_message('0/chat,{"sid":"s3"}'))
    assert client.is_recovered('/') and not client.is_recovered('/chat')
    assert client.recovered is False  # not every namespace
    client.namespaces.pop('/chat')
    assert client.recovered is True
    # a new session: the offset of the old one is forgotten
    client.namespaces = {}
    run(client._handle_eio_message('0{"sid":"s9","pid":"p9"}'))
    assert client.recovered is False and client._pids == {'/': 'p9'}
    assert '/' not in client._offsets


def test_deliberate_disconnects_forget_the_session(client: Any) -> None:
    run = client.run
    run(client._handle_eio_message('0{"sid":"s1","pid":"p1"}'))
    run(client._handle_eio_message('0/chat,{"sid":"s2","pid":"p2"}'))
    run(client._handle_eio_message('2["x","o"]'))
    run(client._handle_eio_message('1/chat,'))  # the server kicks /chat
    assert client._pids == {'/': 'p1'} and client._offsets == {'/': 'o'}
    client.eio.state = 'connected'
    run(client.disconnect())
    assert client._pids == {} and client._offsets == {} and client.recovered is False
