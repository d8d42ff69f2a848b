"""Catch-all ``'*'`` event and namespace handlers, and ``namespaces='*'``
(forward spec 2.2 and 2.3), on servers and clients."""
from __future__ import annotations

import asyncio
from unittest import mock

import pytest

import socketio
from socketio import packet


def recorder(calls, name):
    def handler(*args):
        calls.append((name, args))
        return name
    return handler


def server_with_all_handlers(**kwargs):
    server = socketio.Server(async_mode='threading', async_handlers=False, **kwargs)
    calls = []
    server.on('ev', recorder(calls, 'ns.ev'), namespace='/a')
    server.on('*', recorder(calls, 'ns.*'), namespace='/a')
    server.on('ev', recorder(calls, '*.ev'), namespace='*')
    server.on('*', recorder(calls, '*.*'), namespace='*')
    return server, calls


@pytest.mark.parametrize('event, namespace, expected', [
    ('ev', '/a', ('ns.ev', ('sid', 1, 2))),
    ('other', '/a', ('ns.*', ('other', 'sid', 1, 2))),
    ('ev', '/b', ('*.ev', ('/b', 'sid', 1, 2))),
    ('other', '/b', ('*.*', ('other', '/b', 'sid', 1, 2))),
])
def test_server_dispatch_order(event, namespace, expected):
    server, calls = server_with_all_handlers()
    assert server._trigger_event(event, namespace, 'sid', 1, 2) == expected[0]
    assert calls == [expected]


def test_server_reserved_events_skip_catch_all_events():
    server, calls = server_with_all_handlers()
    assert server._trigger_event('connect', '/a', 'sid', {}) is server.not_handled
    server.on('connect', recorder(calls, '*.connect'), namespace='*')
    assert server._trigger_event('connect', '/a', 'sid', {}) == '*.connect'
    assert server._trigger_event('disconnect', '/b', 'sid', 'r') is server.not_handled
    assert calls == [('*.connect', ('/a', 'sid', {}))]


def test_server_class_namespaces_after_decorators():
    server = socketio.Server(async_mode='threading', async_handlers=False)
    calls = []

    class Exact(socketio.Namespace):
        def on_ev(self, sid, data):
            calls.append(('exact', sid, data))
            return 'exact'

    class Any(socketio.Namespace):
        def on_ev(self, namespace, sid, data):
            calls.append(('any', namespace, sid, data))
            return 'any'

    server.register_namespace(Exact('/x'))
    server.register_namespace(Any('*'))
    assert server._trigger_event('ev', '/x', 's', 1) == 'exact'
    assert server._trigger_event('ev', '/y', 's', 2) == 'any'
    server.on('ev', recorder(calls, 'decorator'), namespace='/x')
    assert server._trigger_event('ev', '/x', 's', 3) == 'decorator'
    assert calls[:2] == [('exact', 's', 1), ('any', '/y', 's', 2)]


def connect_and_send(server, namespace, message):
    sent = []
    server._send_packet = lambda eio_sid, pkt: sent.append(pkt)
    server._send_eio_packet = lambda eio_sid, pkt: sent.append(
        packet.Packet(encoded_packet=pkt.data))
    server._handle_eio_connect('e1', {})
    server._handle_eio_message('e1', '0' + (namespace + ',' if namespace != '/' else ''))
    if message:
        server._handle_eio_message('e1', message)
    return sent


def test_namespaces_option_decides_which_namespaces_connect():
    server, calls = server_with_all_handlers()
    # a '*' handler alone does not open every namespace
    sent = connect_and_send(server, '/b', None)
    assert sent[-1].packet_type == packet.CONNECT_ERROR and sent[-1].data == 'Unable to connect'
    server, calls = server_with_all_handlers(namespaces='*')
    sent = connect_and_send(server, '/b', '2/b,7["hello","x"]')
    assert sent[0].packet_type == packet.CONNECT
    assert calls == [('*.*', ('hello', '/b', server.manager.sid_from_eio_sid('e1', '/b'),
                              'x'))]
    assert sent[-1].packet_type == packet.ACK and sent[-1].data == ['*.*']
    server = socketio.Server(async_mode='threading', namespaces=['/listed'])
    assert connect_and_send(server, '/listed', None)[-1].packet_type == packet.CONNECT
    server = socketio.Server(async_mode='threading', namespaces=['/listed'])
    assert connect_and_send(server, '/other', None)[-1].packet_type == packet.CONNECT_ERROR


def test_unhandled_event_gets_no_ack():
    server = socketio.Server(async_mode='threading', async_handlers=False, namespaces='*')
    sent = connect_and_send(server, '/', '23["nobody"]')
    assert [p.packet_type for p in sent] == [packet.CONNECT]


def test_async_server_catch_all():
    server = socketio.AsyncServer(async_handlers=False)
    calls = []

    @server.on('*')
    async def any_event(event, sid, *args):
        calls.append((event, sid, args))
        return 'ok'

    @server.on('*', namespace='*')
    def anything(event, namespace, sid, *args):
        calls.append((event, namespace, sid, args))

    async def main():
        assert await server._trigger_event('ev', '/', 's', 1) == 'ok'
        assert await server._trigger_event('ev', '/n', 's', 2) is None

    asyncio.run(main())
    assert calls == [('ev', 's', (1,)), ('ev', '/n', 's', (2,))]


def client_with_all_handlers(cls=socketio.Client):
    client = cls(handle_sigint=False)
    calls = []
    client.on('ev', recorder(calls, 'ns.ev'), namespace='/a')
    client.on('*', recorder(calls, 'ns.*'), namespace='/a')
    client.on('ev', recorder(calls, '*.ev'), namespace='*')
    client.on('*', recorder(calls, '*.*'), namespace='*')
    return client, calls


@pytest.mark.parametrize('event, namespace, expected', [
    ('ev', '/a', ('ns.ev', (1,))),
    ('other', '/a', ('ns.*', ('other', 1))),
    ('ev', '/b', ('*.ev', ('/b', 1))),
    ('other', '/b', ('*.*', ('other', '/b', 1))),
])
def test_client_dispatch_order(event, namespace, expected):
    client, calls = client_with_all_handlers()
    client._trigger_event(event, namespace, 1)
    assert calls == [expected]


def test_client_star_namespace_only_when_namespace_has_no_handlers():
    client = socketio.Client(handle_sigint=False)
    calls = []
    client.on('known', recorder(calls, 'ns.known'), namespace='/a')
    client.on('ev', recorder(calls, '*.ev'), namespace='*')
    assert client._trigger_event('ev', '/a', 1) is client.not_handled
    client._trigger_event('ev', '/b', 1)
    assert calls == [('*.ev', ('/b', 1))]


def test_client_reserved_events():
    client, calls = client_with_all_handlers()
    for event in ('connect', 'connect_error', 'disconnect', '__disconnect_final'):
        assert client._trigger_event(event, '/a') is client.not_handled
    client.on('connect', recorder(calls, '*.connect'), namespace='*')
    client._trigger_event('connect', '/b')
    assert calls == [('*.connect', ('/b',))]


def test_client_does_not_connect_to_star_namespace():
    client, _ = client_with_all_handlers()
    client.eio.connect = mock.MagicMock()
    client.connect('http://x', wait=False)
    assert client.connection_namespaces == ['/a']


def test_async_client_catch_all_class_namespace():
    client = socketio.AsyncClient(handle_sigint=False)
    calls = []

    class Any(socketio.AsyncClientNamespace):
        async def on_ev(self, namespace, data):
            calls.append((namespace, data))
            return 'done'

    client.register_namespace(Any('*'))

    async def main():
        return await client._trigger_event('ev', '/z', 5)

    assert asyncio.run(main()) == 'done'
    assert calls == [('/z', 5)]
