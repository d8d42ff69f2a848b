"""Security properties over live servers (see ``docs/security.rst``).

* The Admin UI namespace requires credentials: ``instrument()`` without
  ``auth`` raises, wrong or missing credentials are refused, and only an
  explicit ``auth=False`` lets anyone in.
* User sessions are per client: what one client's handlers store is never
  visible to another client, on the standard and the asyncio server.
"""
from __future__ import annotations

import pytest
from support import asgi_server, wsgi_server

import socketio

pytestmark = pytest.mark.e2e

KINDS = ['threading', 'asgi']
CREDENTIALS = {'username': 'admin', 'password': 's3cret'}


def make_server(kind: str, **options):
    if kind == 'threading':
        sio = socketio.Server(async_mode='threading', **options)
        return sio, wsgi_server(socketio.WSGIApp(sio))
    sio = socketio.AsyncServer(async_mode='asgi', **options)
    return sio, asgi_server(socketio.ASGIApp(sio))


def admin_connect(url: str, auth):
    """Connect to /admin; return the connected client or the refusal message."""
    client = socketio.Client(reconnection=False)
    errors = []
    client.on('connect_error', lambda data=None: errors.append(data), namespace='/admin')
    try:
        client.connect(url, namespaces=['/admin'], auth=auth, transports=['websocket'],
                       wait_timeout=5)
    except socketio.exceptions.ConnectionError as exc:
        return f'refused: {errors[0] if errors else exc}'
    return client


def stop_stats(admin) -> None:
    """Stop the Admin UI statistics task (on asyncio it died with Uvicorn's loop)."""
    stop = admin.shutdown()
    if stop is not None and hasattr(stop, 'close'):
        stop.close()


@pytest.mark.parametrize('kind', KINDS)
def test_admin_ui_requires_credentials(kind):
    sio, serve = make_server(kind)
    with pytest.raises(ValueError, match='auth must be specified'):
        sio.instrument()
    with pytest.raises(ValueError):
        sio.instrument(auth=None)
    admin = sio.instrument(auth=CREDENTIALS, server_stats_interval=60)
    try:
        with serve as url:
            for wrong in (None, {}, {'username': 'admin', 'password': 'guess'}, 'admin'):
                result = admin_connect(url, wrong)
                assert isinstance(result, str) and result.startswith('refused'), wrong
                assert 'authentication failed' in result, result
            client = admin_connect(url, dict(CREDENTIALS))
            assert not isinstance(client, str), client
            assert client.connected
            client.disconnect()
    finally:
        stop_stats(admin)


@pytest.mark.parametrize('kind', KINDS)
def test_admin_ui_open_only_when_explicitly_disabled(kind):
    sio, serve = make_server(kind)
    admin = sio.instrument(auth=False, server_stats_interval=60)
    with serve as url:
        client = admin_connect(url, None)
        assert not isinstance(client, str), client
        client.disconnect()
    stop_stats(admin)


@pytest.mark.parametrize('kind', KINDS)
def test_sessions_never_cross_clients(kind):
    sio, serve = make_server(kind)
    if kind == 'threading':
        def remember(sid, secret):
            with sio.session(sid) as session:
                session['secret'] = secret
            return 'ok'

        def recall(sid):
            return sio.get_session(sid).get('secret')
    else:
        async def remember(sid, secret):
            async with sio.session(sid) as session:
                session['secret'] = secret
            return 'ok'

        async def recall(sid):
            return (await sio.get_session(sid)).get('secret')

    sio.on('remember', remember)
    sio.on('recall', recall)
    with serve as url:
        alice, bob, eve = (socketio.Client(reconnection=False) for _ in range(3))
        for client in (alice, bob, eve):
            client.connect(url, transports=['websocket'])
        try:
            assert alice.call('remember', 'alice-token', timeout=10) == 'ok'
            assert bob.call('remember', 'bob-token', timeout=10) == 'ok'
            assert alice.call('recall', timeout=10) == 'alice-token'
            assert bob.call('recall', timeout=10) == 'bob-token'
            assert eve.call('recall', timeout=10) is None
            # a client that reconnects gets a fresh, empty session
            alice.disconnect()
            alice = socketio.Client(reconnection=False)
            alice.connect(url, transports=['websocket'])
            assert alice.call('recall', timeout=10) is None
            assert bob.call('recall', timeout=10) == 'bob-token'
        finally:
            for client in (alice, bob, eve):
                client.disconnect()
