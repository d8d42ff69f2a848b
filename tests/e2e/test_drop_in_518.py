"""python-socketio 5.18 behaviours over real sockets: two-step admission,
private sid rooms, misspelled keywords, 404 answers, acknowledgements of
events without a handler; with our clients and the official JS client."""
from __future__ import annotations

import asyncio
import threading
from typing import Any, Dict, List

import pytest
from support import asgi_server, run_node, wait_for, wsgi_server

import socketio

pytestmark = pytest.mark.e2e


def make_app(flavour: str, release: threading.Event, seen: Dict[str, List[Any]]) -> Any:
    """A server whose connect handler broadcasts, joins a room, emits to the
    room and to the client, then waits for ``release`` and refuses clients
    whose auth says so."""
    if flavour == 'asyncio':
        sio: Any = socketio.AsyncServer(async_mode='asgi')

        @sio.event
        async def connect(sid: str, environ: Any, auth: Any) -> Any:
            await sio.emit('news', 'while connecting')
            await sio.enter_room(sid, 'lobby')
            await sio.emit('lobby', 'while connecting', to='lobby')
            await sio.emit('welcome', sid, to=sid)
            if (auth or {}).get('wait'):
                await asyncio.get_running_loop().run_in_executor(None, release.wait, 10)
            return not (auth or {}).get('refuse')

        @sio.event
        async def join(sid: str, room: str) -> Any:
            try:
                await sio.enter_room(sid, room)
            except ValueError as exc:
                return str(exc)
            return 'joined'

        @sio.event
        async def typo(sid: str) -> Any:
            try:
                await sio.emit('secret', 1, rooms='vip')
            except TypeError as exc:
                return type(exc).__name__
            return 'sent'

        return socketio.ASGIApp(sio), sio

    sio = socketio.Server(async_mode='threading')

    @sio.event
    def connect(sid: str, environ: Any, auth: Any) -> Any:
        sio.emit('news', 'while connecting')
        sio.enter_room(sid, 'lobby')
        sio.emit('lobby', 'while connecting', to='lobby')
        sio.emit('welcome', sid, to=sid)
        if (auth or {}).get('wait'):
            release.wait(10)
        return not (auth or {}).get('refuse')

    @sio.event
    def join(sid: str, room: str) -> Any:
        try:
            sio.enter_room(sid, room)
        except ValueError as exc:
            return str(exc)
        return 'joined'

    @sio.event
    def typo(sid: str) -> Any:
        try:
            sio.emit('secret', 1, rooms='vip')
        except TypeError as exc:
            return type(exc).__name__
        return 'sent'

    return socketio.WSGIApp(sio), sio


class Recorder:
    """A standard client that records every event it receives."""

    def __init__(self) -> None:
        self.events: List[Any] = []
        self.client = socketio.Client(reconnection=False, handle_sigint=False)
        self.client.on('*', lambda event, *args: self.events.append((event, *args)))

    def connect(self, url: str, auth: Any = None) -> None:
        self.client.connect(url, auth=auth, transports=['websocket'], wait_timeout=10)


@pytest.fixture(params=['standard', 'asyncio'])
def server(request):
    release = threading.Event()
    seen: Dict[str, List[Any]] = {}
    app, sio = make_app(request.param, release, seen)
    serve = asgi_server if request.param == 'asyncio' else wsgi_server
    with serve(app) as url:
        yield url, sio, release
        release.set()


def test_a_pre_connected_client_waits_for_its_acceptance(server):
    url, sio, release = server
    early = Recorder()
    early.connect(url)
    early.client.call('join', 'lobby', timeout=5)
    early.events.clear()

    late = Recorder()
    connecting = threading.Thread(target=late.connect, args=(url, {'wait': True}), daemon=True)
    connecting.start()
    # while the late client's connect handler waits, the others get its emits
    wait_for(lambda: ('lobby', 'while connecting') in early.events, 10, 'the room emit')
    assert ('news', 'while connecting') in early.events
    assert late.events == [] and late.client.namespaces == {}  # no CONNECT reply yet
    release.set()
    connecting.join(10)
    assert late.client.connected
    # then only what was emitted to the client itself, after its CONNECT
    wait_for(lambda: late.events, 10, 'the welcome')
    assert late.events == [('welcome', late.client.get_sid())]
    for client in (early, late):
        client.client.disconnect()


def test_a_refused_client_receives_no_application_event(server):
    url, sio, release = server
    refused = Recorder()
    with pytest.raises(socketio.exceptions.ConnectionError):
        refused.connect(url, {'refuse': True})
    assert refused.events == []
    release.set()


def test_sid_rooms_are_private_and_typos_fail(server):
    url, sio, release = server
    alice, bob = Recorder(), Recorder()
    alice.connect(url)
    bob.connect(url)
    try:
        assert bob.client.call('join', alice.client.get_sid(), timeout=5) == \
            'cannot enter a sid room'
        assert bob.client.call('join', bob.client.get_sid(), timeout=5) == 'joined'
        assert bob.client.call('typo', timeout=5) == 'TypeError'
    finally:
        alice.client.disconnect()
        bob.client.disconnect()


def test_the_js_client_gets_its_welcome_after_connecting(server, node_modules):
    url, sio, release = server
    release.set()
    result = run_node('welcome_client.js', url)
    assert result['ok'], result


def test_an_asyncio_client_against_a_404_gets_a_connection_error():
    from aiohttp import web

    async def scenario() -> List[str]:
        app = web.Application()
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, '127.0.0.1', 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        errors = []
        try:
            for transports in (None, ['websocket'], ['polling']):
                client = socketio.AsyncClient(reconnection=False)
                with pytest.raises(socketio.exceptions.ConnectionError) as info:
                    await client.connect(f'http://127.0.0.1:{port}', transports=transports)
                errors.append(str(info.value))
        finally:
            await runner.cleanup()
        return errors

    errors = asyncio.run(scenario())
    assert all('404' in error for error in errors), errors
