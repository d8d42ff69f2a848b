"""Stopping servers and clients cleanly.

* ``shutdown()`` on a server with connected clients closes every client: the
  clients' ``disconnect`` handlers see ``'server disconnect'`` (a polling
  client between two requests sees ``'transport error'``), the server's
  own handlers run with the same reason, and afterwards no socketio/engineio
  thread (standard server) or asyncio task (AsyncServer) is left.
* A client whose ``disconnect()`` is called while it is reconnecting stops
  for good: it never connects again, even when the server comes back.
"""
from __future__ import annotations

import asyncio
import threading
import time
from typing import List

import pytest
from conftest import free_port
from support import asgi_server, wait_for, wsgi_server

import socketio

pytestmark = pytest.mark.e2e

CLIENTS = 3
SERVER_DISCONNECT = socketio.Server.reason.SERVER_DISCONNECT
TRANSPORT_ERROR = socketio.Client.reason.TRANSPORT_ERROR


def library_threads() -> List[threading.Thread]:
    """Alive threads running server-side socketio or engineio code.

    (Engine.IO *client* threads of a closed connection end on their own,
    up to ping_interval + ping_timeout later; they are not the server's.)
    """
    found = []
    for thread in threading.enumerate():
        target = getattr(thread, '_target', None)
        owner = getattr(target, '__self__', None)
        if type(owner).__module__ in ('engineio.client', 'engineio.async_client'):
            continue
        module = getattr(target, '__module__', '') or ''
        qualname = getattr(target, '__qualname__', '') or ''
        if module.startswith(('socketio', 'engineio', 'simple_websocket')) or \
                'engineio' in repr(target) or 'socketio' in repr(target) or \
                'Socket' in qualname:
            found.append(thread)
    return found


def library_tasks(loop: asyncio.AbstractEventLoop) -> List[str]:
    """Pending asyncio tasks of ``loop`` running socketio or engineio code."""
    async def collect():
        names = []
        for task in asyncio.all_tasks():
            if task is asyncio.current_task() or task.done():
                continue
            coro = task.get_coro()
            code = getattr(coro, 'cr_code', None) or getattr(coro, 'gi_code', None)
            filename = code.co_filename if code else ''
            if '/socketio/' in filename or '/engineio/' in filename:
                names.append(f'{code.co_name} ({filename})')
        return names
    return asyncio.run_coroutine_threadsafe(collect(), loop).result(5)


def make_server(kind: str):
    cls = socketio.Server if kind == 'threading' else socketio.AsyncServer
    sio = cls(async_mode='threading' if kind == 'threading' else 'asgi',
              namespaces=['/', '/chat'], ping_interval=1, ping_timeout=2)
    state = {'disconnects': [], 'loop': None}

    def on_connect(sid, environ):
        if kind == 'asgi':
            state['loop'] = asyncio.get_running_loop()

    def on_disconnect(sid, reason):
        state['disconnects'].append(reason)

    for ns in ('/', '/chat'):
        sio.on('connect', on_connect, namespace=ns)
        sio.on('disconnect', on_disconnect, namespace=ns)
    app = socketio.WSGIApp(sio) if kind == 'threading' else socketio.ASGIApp(sio)
    serve = wsgi_server if kind == 'threading' else asgi_server
    return sio, state, app, serve


@pytest.mark.parametrize('kind', ['threading', 'asgi'])
def test_shutdown_closes_every_client_with_a_reason(kind):
    threads_before = set(threading.enumerate())
    sio, state, app, serve = make_server(kind)
    with serve(app) as url:
        clients = []
        reasons: List[List[str]] = []
        for i in range(CLIENTS):
            client = socketio.Client(reconnection=False)
            got: List[str] = []
            client.on('disconnect', got.append)
            client.on('disconnect', lambda reason, got=got: got.append('chat:' + reason),
                      namespace='/chat')
            client.connect(url, namespaces=['/', '/chat'],
                           transports=['websocket'] if i else ['polling'])
            clients.append(client)
            reasons.append(got)
        assert all(c.connected for c in clients)

        if kind == 'threading':
            sio.shutdown()
        else:
            asyncio.run_coroutine_threadsafe(sio.shutdown(), state['loop']).result(10)

        for i, got in enumerate(reasons):
            wait_for(lambda got=got: len(got) == 2, what='client disconnect handlers')
            expected = [SERVER_DISCONNECT, 'chat:' + SERVER_DISCONNECT]
            if i == 0 and got != expected:
                # a polling client only gets the CLOSE packet when a GET is in
                # flight; otherwise its next GET is refused (a transport error)
                expected = [TRANSPORT_ERROR, 'chat:' + TRANSPORT_ERROR]
            assert got == expected
        assert not any(c.connected for c in clients)
        assert state['disconnects'] == [SERVER_DISCONNECT] * (2 * CLIENTS)
        assert sio.manager.rooms == {}
        assert all(s.closed for s in sio.eio.sockets.values())
        if kind == 'asgi':
            wait_for(lambda: library_tasks(state['loop']) == [], what='tasks to end')
        for client in clients:
            client.disconnect()  # a no-op now
    # the web server has stopped too: nothing of ours keeps running
    wait_for(lambda: not [t for t in library_threads() if t not in threads_before],
             what='library threads to end')


@pytest.mark.parametrize('client_class', [socketio.Client, socketio.AsyncClient])
def test_disconnect_during_reconnection_stops_for_good(client_class):
    port = free_port()
    sio, _, app, _ = make_server('asgi')
    connects = []
    sio.on('connect', lambda sid, environ: connects.append(sid))
    client = client_class(reconnection=True, reconnection_delay=0.05,
                          reconnection_delay_max=0.1, randomization_factor=0)
    final = threading.Event()
    client.on('__disconnect_final', final.set)

    if client_class is socketio.Client:
        def run(coro_fn):
            return coro_fn()
        loop = None
    else:
        loop = asyncio.new_event_loop()
        loop_thread = threading.Thread(target=loop.run_forever, daemon=True)
        loop_thread.start()

        def run(coro_fn):
            return asyncio.run_coroutine_threadsafe(coro_fn(), loop).result(15)

    try:
        with asgi_server(app, port=port) as url:
            run(lambda: client.connect(url, transports=['websocket']))
            assert client.connected and len(connects) == 1
        # the server is gone: the client notices and keeps trying
        wait_for(lambda: client._reconnecting, what='the reconnection loop')
        run(client.disconnect)
        wait_for(final.is_set, what='__disconnect_final')
        assert not client._reconnecting
        # the server comes back; the client must not
        with asgi_server(app, port=port):
            deadline = time.monotonic() + 1.0  # 10+ reconnection delays
            while time.monotonic() < deadline:
                assert not connects[1:], 'the client reconnected after disconnect()'
                time.sleep(0.05)
        assert not client.connected and not client._reconnecting
        task = client._reconnect_task
        if task is not None and hasattr(task, 'is_alive'):
            task.join(5)
            assert not task.is_alive()
    finally:
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)
            loop_thread.join(5)
            loop.close()
