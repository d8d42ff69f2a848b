"""Mixed flavours: the standard Client against AsyncServer (Uvicorn), and
AsyncClient against the standard Server (Werkzeug, threading mode)."""
from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, Dict, List

import pytest
from support import asgi_server, wait_for, wsgi_server

import socketio

pytestmark = pytest.mark.e2e


def add_handlers(sio: Any, seen: Dict[str, Any]) -> None:
    """The same application for both servers; each flavour's handlers may be
    plain functions, and AsyncServer's may also be coroutines."""

    @sio.event
    def connect(sid: str, environ: Any, auth: Any) -> Any:
        seen['auth'].append(auth)
        return (auth or {}).get('token') == 'secret' or False

    @sio.event
    def disconnect(sid: str, reason: str) -> None:
        seen['disconnects'][sid] = reason

    @sio.event
    def echo(sid: str, *args: Any) -> tuple:
        return args

    @sio.on('echo', namespace='/chat')
    def chat_echo(sid: str, *args: Any) -> tuple:
        return ('chat',) + args

    @sio.event
    def rooms(sid: str) -> List[str]:
        return sorted(sio.rooms(sid))


def async_server() -> tuple:
    sio = socketio.AsyncServer(async_mode='asgi', namespaces=['/', '/chat'],
                               ping_interval=1, ping_timeout=2)
    seen: Dict[str, Any] = {'auth': [], 'disconnects': {}}
    add_handlers(sio, seen)

    @sio.event
    async def ask(sid: str, question: Any) -> Any:
        return await sio.call('question', question, to=sid, timeout=5)

    @sio.event
    async def join(sid: str, room: str) -> List[str]:
        await sio.enter_room(sid, room)
        await sio.emit('in_room', room, to=room)
        return sorted(sio.rooms(sid))

    @sio.event
    async def kick_me(sid: str) -> None:
        await sio.disconnect(sid)

    return sio, seen


def sync_server() -> tuple:
    sio = socketio.Server(async_mode='threading', namespaces=['/', '/chat'])
    seen: Dict[str, Any] = {'auth': [], 'disconnects': {}}
    add_handlers(sio, seen)

    @sio.event
    def ask(sid: str, question: Any) -> Any:
        return sio.call('question', question, to=sid, timeout=5)

    @sio.event
    def join(sid: str, room: str) -> List[str]:
        sio.enter_room(sid, room)
        sio.emit('in_room', room, to=room)
        return sorted(sio.rooms(sid))

    @sio.event
    def kick_me(sid: str) -> None:
        sio.disconnect(sid)

    return sio, seen


def test_standard_client_against_async_server() -> None:
    sio, seen = async_server()
    with asgi_server(socketio.ASGIApp(sio, on_shutdown=sio.shutdown)) as url:
        client = socketio.Client(reconnection=False)
        got: Dict[str, Any] = {'disconnect': [], 'in_room': []}
        client.on('question', lambda q: {'answer': q['x'] * 2})
        client.on('disconnect', lambda reason: got['disconnect'].append(reason))
        client.on('in_room', lambda room: got['in_room'].append(room))
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(url, auth={'token': 'wrong'})
        client.connect(url, auth={'token': 'secret'}, namespaces=['/', '/chat'])
        try:
            assert client.call('echo', (1, 'ü', None, b'\x00\xff', {'n': [b'x']})) == \
                (1, 'ü', None, b'\x00\xff', {'n': [b'x']})
            assert client.call('echo', 'x', namespace='/chat') == ('chat', 'x')
            assert client.call('ask', {'x': 21}) == {'answer': 42}
            answered = threading.Event()
            client.emit('echo', 'cb', callback=lambda *a: answered.set())
            assert answered.wait(5)
            sid = client.get_sid()
            assert client.call('join', 'lobby') == sorted([sid, 'lobby'])
            wait_for(lambda: got['in_room'] == ['lobby'])
            client.disconnect()
            assert got['disconnect'] == [client.reason.CLIENT_DISCONNECT]
            wait_for(lambda: sid in seen['disconnects'])
            assert seen['disconnects'][sid] == sio.reason.CLIENT_DISCONNECT

            client.connect(url, auth={'token': 'secret'})
            sid = client.get_sid()
            client.emit('kick_me')
            wait_for(lambda: len(got['disconnect']) == 2)
            assert got['disconnect'][1] == client.reason.SERVER_DISCONNECT
            wait_for(lambda: sid in seen['disconnects'])
            assert seen['disconnects'][sid] == sio.reason.SERVER_DISCONNECT
        finally:
            client.disconnect()
    assert seen['auth'][:2] == [{'token': 'wrong'}, {'token': 'secret'}]


def test_async_client_against_standard_server() -> None:
    sio, seen = sync_server()
    with wsgi_server(socketio.WSGIApp(sio)) as url:

        async def main() -> Dict[str, Any]:
            client = socketio.AsyncClient(reconnection=False)
            got: Dict[str, Any] = {'disconnect': [], 'in_room': []}

            @client.event
            async def question(q: Any) -> Any:
                await asyncio.sleep(0)
                return {'answer': q['x'] * 2}

            @client.event
            async def disconnect(reason: str) -> None:
                got['disconnect'].append(reason)

            client.on('in_room', lambda room: got['in_room'].append(room))
            with pytest.raises(socketio.exceptions.ConnectionError):
                await client.connect(url, auth={'token': 'wrong'})
            await client.connect(url, auth={'token': 'secret'}, namespaces=['/', '/chat'])
            out: Dict[str, Any] = {}
            out['echo'] = await client.call('echo', (1, 'ü', None, b'\x00\xff', {'n': [b'x']}))
            out['chat'] = await client.call('echo', 'x', namespace='/chat')
            out['ask'] = await client.call('ask', {'x': 21})
            sid = client.get_sid()
            out['join'] = (await client.call('join', 'lobby')) == sorted([sid, 'lobby'])
            deadline = time.monotonic() + 5
            while not got['in_room'] and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            out['in_room'] = got['in_room']
            await client.disconnect()
            out['client_reason'] = list(got['disconnect'])
            out['sid'] = sid

            await client.connect(url, auth={'token': 'secret'})
            out['kicked_sid'] = client.get_sid()
            await client.emit('kick_me')
            await asyncio.wait_for(client.wait(), 5)
            out['kicked_reason'] = got['disconnect'][-1]
            await client.shutdown()
            return out

        out = asyncio.run(main())
        wait_for(lambda: out['sid'] in seen['disconnects']
                 and out['kicked_sid'] in seen['disconnects'])
    assert out['echo'] == (1, 'ü', None, b'\x00\xff', {'n': [b'x']})
    assert out['chat'] == ('chat', 'x')
    assert out['ask'] == {'answer': 42}
    assert out['join'] and out['in_room'] == ['lobby']
    assert out['client_reason'] == [socketio.AsyncClient.reason.CLIENT_DISCONNECT]
    assert seen['disconnects'][out['sid']] == sio.reason.CLIENT_DISCONNECT
    assert out['kicked_reason'] == socketio.AsyncClient.reason.SERVER_DISCONNECT
    assert seen['disconnects'][out['kicked_sid']] == sio.reason.SERVER_DISCONNECT
    assert seen['auth'][:2] == [{'token': 'wrong'}, {'token': 'secret'}]
