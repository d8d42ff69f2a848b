"""The Socket.IO Admin UI protocol, played by a JS socket.io-client against
instrumented standard and asyncio servers over real sockets."""
from __future__ import annotations

import contextlib
import json
import threading

import pytest
from support import asgi_server, run_node, wsgi_server

import socketio

pytestmark = pytest.mark.e2e

AUTH = {'username': 'admin', 'password': 'secret'}


def sync_app(**kwargs):
    sio = socketio.Server(async_mode='threading')

    @sio.on('hello')
    def hello(sid, data):
        sio.enter_room(sid, 'lobby')
        sio.emit('greeting', 'hi', to=sid)
        return 'ok'

    instrumented = sio.instrument(server_stats_interval=0.3, **kwargs)
    return sio, instrumented, socketio.WSGIApp(sio)


def async_app(**kwargs):
    sio = socketio.AsyncServer(async_mode='asgi')

    @sio.on('hello')
    async def hello(sid, data):
        await sio.enter_room(sid, 'lobby')
        await sio.emit('greeting', 'hi', to=sid)
        return 'ok'

    instrumented = sio.instrument(server_stats_interval=0.3, **kwargs)
    return sio, instrumented, socketio.ASGIApp(sio, on_shutdown=sio.shutdown)


def check_development(result):
    assert result['error'] is None
    assert result['config']['supportedFeatures'][0] == 'AGGREGATED_EVENTS'
    assert 'ALL_EVENTS' in result['config']['supportedFeatures']
    admin_sockets = result['allSockets']
    assert [s['nsp'] for s in admin_sockets] == ['/admin']
    assert admin_sockets[0]['handshake']['url'] == '/socket.io/'
    client = result['clientSid']
    assert {'nsp': '/', 'id': client} in [{'nsp': c['nsp'], 'id': c['id']}
                                         for c in result['connected']]
    assert ['/', client, ['hello', {'n': 1}]] in result['received']
    assert ['/', client, ['greeting', 'hi']] in result['sent']
    assert ['/', 'lobby', client] in result['roomsJoined']
    assert ['/', client, 'client disconnect'] in result['disconnected']
    assert result['ack'] == 'ok'
    stats = result['stats']
    assert {'serverId', 'hostname', 'pid', 'uptime', 'clientsCount', 'pollingClientsCount',
            'aggregatedEvents', 'namespaces'} <= set(stats)
    assert {'name': '/admin', 'socketsCount': 1} in stats['namespaces']
    assert result['totals']['rawConnection'] >= 1
    assert result['totals']['packetsIn'] >= 1 and result['totals']['bytesOut'] > 0


@contextlib.contextmanager
def serve(sio, app):
    """Serve the app; shut the Socket.IO server down before the web server stops
    (the asyncio one through the ASGI lifespan ``on_shutdown``)."""
    if sio.is_asyncio_based():
        with asgi_server(app) as url:
            yield url
        return
    with wsgi_server(app) as url:
        try:
            yield url
        finally:
            sio.shutdown()


@pytest.mark.parametrize('make_app', [sync_app, async_app], ids=['sync', 'asyncio'])
def test_admin_ui_development(node_modules, make_app):
    sio, instrumented, app = make_app(auth=AUTH)
    with serve(sio, app) as url:
        result = run_node('admin_ui.js', url, json.dumps(AUTH), 'development')
        check_development(result)
        refused = run_node('admin_ui.js', url, json.dumps({'username': 'admin',
                                                           'password': 'wrong'}))
        assert refused['error'] == 'authentication failed'
        assert refused['config'] is None
        assert instrumented.stats_task is not None
    assert instrumented.stats_task is None  # stopped by shutdown()


def test_admin_ui_production_read_only(node_modules):
    sio, instrumented, app = sync_app(auth=[AUTH, {'token': 't'}], mode='production',
                                      read_only=True)
    with serve(sio, app) as url:
        result = run_node('admin_ui.js', url, json.dumps({'token': 't'}), 'production')
    assert result['error'] is None
    assert result['config'] == {'supportedFeatures': ['AGGREGATED_EVENTS']}
    assert set(result['events']) == {'config', 'server_stats'}
    assert result['totals']['rawConnection'] >= 2
    assert result['ack'] == 'ok'
    assert instrumented.stats_task is None


@pytest.mark.parametrize('make_app', [sync_app, async_app], ids=['sync', 'asyncio'])
def test_admin_disconnect_with_close_closes_the_connection(make_app):
    """The Admin UI's "disconnect" with close: the client's whole connection
    goes, the server says why, the admin socket stays."""
    sio, instrumented, app = make_app(auth=False)
    reasons = []
    server_saw, client_saw = threading.Event(), threading.Event()

    def disconnect(sid, reason):
        reasons.append(reason)
        server_saw.set()

    sio.on('disconnect', disconnect)
    with serve(sio, app) as url:
        target = socketio.Client(reconnection=False)
        target.on('disconnect', lambda *reason: client_saw.set())
        target.connect(url, transports=['websocket'])
        admin_client = socketio.Client(reconnection=False)
        admin_client.connect(url, namespaces=['/admin'], transports=['websocket'])
        try:
            admin_client.emit('_disconnect', ('/', True, target.get_sid()), namespace='/admin')
            assert server_saw.wait(10) and client_saw.wait(10)
            assert reasons == ['server disconnect']
            assert admin_client.connected  # only the target was closed
        finally:
            target.disconnect()
            admin_client.disconnect()
