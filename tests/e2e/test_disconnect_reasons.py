"""Disconnect reasons (forward spec 2.7) observed on both sides over real
sockets: the server's ``disconnect(sid, reason)`` and the client's
``disconnect(reason)`` handlers, plus the fallback for handlers without it."""
from __future__ import annotations

import asyncio
import threading

import pytest
from support import asgi_server, wsgi_server

import socketio

pytestmark = pytest.mark.e2e

SERVER = socketio.Server.reason
CLIENT = socketio.Client.reason


class Observed:
    """Reasons seen by the server and the client, with events to wait on."""

    def __init__(self):
        self.server, self.client = [], []
        self.server_done, self.client_done = threading.Event(), threading.Event()

    def wait(self):
        assert self.server_done.wait(10), 'server disconnect handler not called'
        assert self.client_done.wait(10), 'client disconnect handler not called'
        return self.server, self.client


@pytest.fixture(scope='module')
def server_setup():
    sio = socketio.Server(async_mode='threading', ping_interval=0.3, ping_timeout=0.5)
    state = {'observed': None}

    @sio.event
    def disconnect(sid, reason):
        state['observed'].server.append(reason)
        state['observed'].server_done.set()

    @sio.on('kick')
    def kick(sid):
        sio.disconnect(sid)

    @sio.on('close_transport')
    def close_transport(sid):
        sio.eio.disconnect(sio.manager.eio_sid_from_sid(sid, '/'))

    @sio.event
    def legacy(sid):
        return 'ok'

    @sio.on('disconnect', namespace='/legacy')
    def legacy_disconnect(sid):  # a handler without the reason argument
        state['observed'].server.append('legacy:' + sid)
        state['observed'].server_done.set()

    with wsgi_server(socketio.WSGIApp(sio)) as url:
        yield url, state


def connect_client(url, observed, namespace='/', **kwargs):
    client = socketio.Client(reconnection=False, handle_sigint=False)

    @client.on('disconnect', namespace=namespace)
    def on_disconnect(reason):
        observed.client.append(reason)
        observed.client_done.set()

    client.connect(url, namespaces=[namespace], transports=['websocket'], **kwargs)
    return client


def new_observed(state):
    state['observed'] = Observed()
    return state['observed']


def test_client_disconnect(server_setup):
    url, state = server_setup
    observed = new_observed(state)
    connect_client(url, observed).disconnect()
    assert observed.wait() == ([SERVER.CLIENT_DISCONNECT], [CLIENT.CLIENT_DISCONNECT])


def test_server_disconnect(server_setup):
    url, state = server_setup
    observed = new_observed(state)
    client = connect_client(url, observed)
    client.emit('kick')
    assert observed.wait() == ([SERVER.SERVER_DISCONNECT], [CLIENT.SERVER_DISCONNECT])
    client.disconnect()


def test_server_closes_the_engineio_session(server_setup):
    url, state = server_setup
    observed = new_observed(state)
    client = connect_client(url, observed)
    client.emit('close_transport')
    assert observed.wait() == ([SERVER.SERVER_DISCONNECT], [CLIENT.SERVER_DISCONNECT])
    client.disconnect()


def test_ping_timeout(server_setup):
    url, state = server_setup
    observed = new_observed(state)
    client = socketio.Client(reconnection=False, handle_sigint=False)

    @client.event
    def disconnect(reason):
        observed.client.append(reason)
        observed.client_done.set()

    client.connect(url, transports=['websocket'])
    send = client.eio._send_packet
    client.eio._send_packet = lambda pkt: None if pkt.packet_type == 3 else send(pkt)  # no PONG
    server_reasons, client_reasons = observed.wait()
    assert server_reasons == [SERVER.PING_TIMEOUT]
    # the server writes an Engine.IO CLOSE packet as it drops the WebSocket;
    # whether the client reads it before the socket closes is a race
    assert client_reasons in ([CLIENT.SERVER_DISCONNECT], [CLIENT.TRANSPORT_ERROR])
    client.disconnect()


def test_transport_closed_abruptly(server_setup):
    url, state = server_setup
    observed = new_observed(state)
    client = connect_client(url, observed)
    client.eio.ws.close()  # the WebSocket goes away without a CLOSE packet
    server_reasons, client_reasons = observed.wait()
    assert server_reasons == [SERVER.TRANSPORT_CLOSE]
    assert client_reasons == [CLIENT.TRANSPORT_ERROR]
    client.disconnect()


def test_handlers_without_reason_still_work(server_setup):
    url, state = server_setup
    observed = new_observed(state)
    client = socketio.Client(reconnection=False, handle_sigint=False)

    @client.on('disconnect', namespace='/legacy')
    def legacy_client_disconnect():
        observed.client.append('legacy')
        observed.client_done.set()

    client.connect(url, namespaces=['/legacy'], transports=['websocket'])
    sid = client.get_sid('/legacy')
    client.disconnect()
    assert observed.wait() == (['legacy:' + sid], ['legacy'])


def test_asyncio_server_and_client_reasons():
    sio = socketio.AsyncServer(async_mode='asgi')
    server_reasons = []

    class Chat(socketio.AsyncNamespace):
        async def on_disconnect(self, sid, reason):
            server_reasons.append(reason)

        async def on_kick(self, sid):
            await self.disconnect(sid)

    sio.register_namespace(Chat('/chat'))

    async def main(url):
        client_reasons = []
        done = asyncio.Event()
        client = socketio.AsyncClient(reconnection=False, handle_sigint=False)

        @client.on('disconnect', namespace='/chat')
        async def on_disconnect(reason):
            client_reasons.append(reason)
            done.set()

        for action in ('kick', 'leave'):
            done.clear()
            await client.connect(url, namespaces=['/chat'], transports=['websocket'])
            if action == 'kick':
                await client.emit('kick', namespace='/chat')
                await asyncio.wait_for(done.wait(), 10)
                await client.disconnect()
            else:
                await client.disconnect()
                await asyncio.wait_for(done.wait(), 10)
            for _ in range(500):
                if len(server_reasons) == len(client_reasons):
                    break
                await asyncio.sleep(0.01)
        return client_reasons

    with asgi_server(socketio.ASGIApp(sio)) as url:
        client_reasons = asyncio.run(asyncio.wait_for(main(url), 30))
    assert client_reasons == [CLIENT.SERVER_DISCONNECT, CLIENT.CLIENT_DISCONNECT]
    assert server_reasons == [SERVER.SERVER_DISCONNECT, SERVER.CLIENT_DISCONNECT]
