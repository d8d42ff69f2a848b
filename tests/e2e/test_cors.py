"""CORS and Origin checks, sent as real HTTP/WebSocket requests to live servers.

Both the standard server (Werkzeug, threading) and the AsyncServer (Uvicorn)
are tested. The rules come from Engine.IO and are documented in
``docs/security.rst``:

* default (``cors_allowed_origins=None``): only the server's own origin;
* a list or a string: exactly those origins (the server's own origin too only
  if listed); ``'*'`` or a list containing ``'*'``: any origin;
* a callable decides per origin;
* ``[]``: no Origin check and no CORS headers at all;
* a request without an ``Origin`` header (not a browser) is always served;
* a refused origin gets ``400`` on polling *and* on the WebSocket handshake.
"""
from __future__ import annotations

import pytest
import requests
import websocket
from support import asgi_server, wsgi_server

import socketio

pytestmark = pytest.mark.e2e

EVIL = 'http://evil.example'
APP = 'https://app.example'
HANDSHAKE = '/socket.io/?EIO=4&transport=polling'
# Werkzeug answers a refused WebSocket handshake with 400, Uvicorn with 403
REFUSED = (400, 403)


def serve(kind: str, **options):
    if kind == 'threading':
        sio = socketio.Server(async_mode='threading', **options)
        return wsgi_server(socketio.WSGIApp(sio))
    sio = socketio.AsyncServer(async_mode='asgi', **options)
    return asgi_server(socketio.ASGIApp(sio))


def handshake(url: str, origin=None, method='GET', **headers):
    if origin is not None:
        headers['Origin'] = origin
    return requests.request(method, url + HANDSHAKE, headers=headers, timeout=10)


def websocket_status(url: str, origin: str) -> int:
    """Status of a direct WebSocket handshake with ``Origin`` (101 = accepted)."""
    ws_url = url.replace('http://', 'ws://') + '/socket.io/?EIO=4&transport=websocket'
    try:
        ws = websocket.create_connection(ws_url, origin=origin, timeout=10)
    except websocket.WebSocketBadStatusException as exc:
        return exc.status_code
    try:
        assert ws.recv().startswith('0{')  # the Engine.IO OPEN packet
    finally:
        ws.close()
    return 101


KINDS = ['threading', 'asgi']


@pytest.mark.parametrize('kind', KINDS)
def test_default_allows_only_the_same_origin(kind):
    with serve(kind) as url:
        same = handshake(url, origin=url)
        assert same.status_code == 200 and same.text.startswith('0{')
        assert same.headers['Access-Control-Allow-Origin'] == url
        assert same.headers['Access-Control-Allow-Credentials'] == 'true'

        evil = handshake(url, origin=EVIL)
        assert evil.status_code == 400
        assert 'Access-Control-Allow-Origin' not in evil.headers
        assert websocket_status(url, EVIL) in REFUSED
        assert websocket_status(url, url) == 101

        # not a browser: no Origin header, no CORS headers, served
        plain = handshake(url)
        assert plain.status_code == 200
        assert 'Access-Control-Allow-Origin' not in plain.headers


@pytest.mark.parametrize('kind', KINDS)
def test_explicit_list(kind):
    with serve(kind, cors_allowed_origins=[APP, 'http://other.example']) as url:
        ok = handshake(url, origin=APP)
        assert ok.status_code == 200
        assert ok.headers['Access-Control-Allow-Origin'] == APP
        assert handshake(url, origin=EVIL).status_code == 400
        # the list replaces the default: the server's own origin is not implied
        assert handshake(url, origin=url).status_code == 400
        assert websocket_status(url, EVIL) in REFUSED
        assert websocket_status(url, APP) == 101


@pytest.mark.parametrize('kind', KINDS)
def test_single_string_and_credentials_off(kind):
    with serve(kind, cors_allowed_origins=APP, cors_credentials=False) as url:
        ok = handshake(url, origin=APP)
        assert ok.status_code == 200
        assert ok.headers['Access-Control-Allow-Origin'] == APP
        assert 'Access-Control-Allow-Credentials' not in ok.headers
        assert handshake(url, origin=EVIL).status_code == 400


@pytest.mark.parametrize('kind', KINDS)
def test_wildcard_allows_any_origin(kind):
    with serve(kind, cors_allowed_origins='*') as url:
        response = handshake(url, origin=EVIL)
        assert response.status_code == 200
        assert response.headers['Access-Control-Allow-Origin'] == EVIL
        assert websocket_status(url, EVIL) == 101


@pytest.mark.parametrize('kind', KINDS)
def test_callable_decides(kind):
    seen = []

    def allowed(origin):
        seen.append(origin)
        return origin.endswith('.trusted.example')

    with serve(kind, cors_allowed_origins=allowed) as url:
        assert handshake(url, origin='https://a.trusted.example').status_code == 200
        assert handshake(url, origin=EVIL).status_code == 400
        assert {'https://a.trusted.example', EVIL} <= set(seen)


@pytest.mark.parametrize('kind', KINDS)
def test_empty_list_disables_cors_handling(kind):
    with serve(kind, cors_allowed_origins=[]) as url:
        response = handshake(url, origin=EVIL)
        assert response.status_code == 200
        assert 'Access-Control-Allow-Origin' not in response.headers
        assert 'Access-Control-Allow-Credentials' not in response.headers


@pytest.mark.parametrize('kind', KINDS)
def test_preflight(kind):
    with serve(kind, cors_allowed_origins=[APP]) as url:
        response = handshake(url, origin=APP, method='OPTIONS',
                             **{'Access-Control-Request-Method': 'POST',
                                'Access-Control-Request-Headers': 'content-type'})
        assert response.status_code == 200
        assert response.headers['Access-Control-Allow-Origin'] == APP
        assert 'POST' in response.headers['Access-Control-Allow-Methods']
        assert response.headers['Access-Control-Allow-Headers'] == 'content-type'
        refused = handshake(url, origin=EVIL, method='OPTIONS',
                            **{'Access-Control-Request-Method': 'POST'})
        assert refused.status_code == 400
