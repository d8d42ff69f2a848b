"""Cancelling an AsyncClient task that waits (in ``call()``, ``wait()``,
``connect()`` or the reconnection loop) ends it at once and runs its
clean-up, against our AsyncServer under Uvicorn."""
from __future__ import annotations

import asyncio
import threading
from typing import Any, Iterator, List

import pytest
from conftest import free_port
from support import asgi_server, wait_for

import socketio

pytestmark = pytest.mark.e2e


class Server:
    """An AsyncServer whose ``hold`` event and ``/slow`` namespace wait until
    the test releases them."""

    def __init__(self) -> None:
        self.sio = socketio.AsyncServer(async_mode='asgi', namespaces=['/', '/slow'])
        self.holding = threading.Event()
        self.slow_connecting = threading.Event()
        self.release: Any = None  # an asyncio.Event on the server's loop
        self.loop: Any = None

        @self.sio.event
        async def hold(sid: str) -> str:
            await self._wait_released(self.holding)
            return 'released'

        @self.sio.event
        async def echo(sid: str, data: Any) -> Any:
            return data

        @self.sio.on('connect', namespace='/slow')
        async def slow_connect(sid: str, environ: Any) -> None:
            await self._wait_released(self.slow_connecting)

    async def _wait_released(self, started: threading.Event) -> None:
        if self.release is None:
            self.loop = asyncio.get_running_loop()
            self.release = asyncio.Event()
        started.set()
        await asyncio.wait_for(self.release.wait(), 30)

    def release_all(self) -> None:
        if self.release is not None:
            self.loop.call_soon_threadsafe(self.release.set)


@pytest.fixture
def server() -> Iterator[Any]:
    srv = Server()
    with asgi_server(socketio.ASGIApp(srv.sio)) as url:
        srv.url = url
        yield srv
        srv.release_all()


async def cancelled(task: asyncio.Task) -> None:
    """Cancel ``task`` and check it ends at once, cancelled."""
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 2)


async def started(event: threading.Event) -> None:
    await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, event.wait, 10), 15)


def test_cancelling_a_call_forgets_its_callback(server):
    async def scenario() -> None:
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(server.url, wait_timeout=5)
        try:
            task = asyncio.ensure_future(client.call('hold', timeout=30))
            await started(server.holding)
            assert len(client.callbacks['/']) == 2  # the counter and the callback
            await cancelled(task)
            assert list(client.callbacks['/']) == [0]
            assert await client.call('echo', 'still fine', timeout=5) == 'still fine'
        finally:
            await client.disconnect()

    asyncio.run(scenario())


def test_cancelling_wait_leaves_the_client_connected(server):
    async def scenario() -> None:
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(server.url, wait_timeout=5)
        try:
            task = asyncio.ensure_future(client.wait())
            await asyncio.sleep(0)  # let it start waiting
            await cancelled(task)
            assert client.connected
            assert await client.call('echo', 1, timeout=5) == 1
        finally:
            await client.disconnect()

    asyncio.run(scenario())


def test_cancelling_connect_closes_the_half_open_connection(server):
    async def scenario() -> socketio.AsyncClient:
        client = socketio.AsyncClient(reconnection=False)
        task = asyncio.ensure_future(client.connect(server.url, namespaces=['/slow'],
                                                    wait_timeout=30))
        await started(server.slow_connecting)
        assert len(server.sio.eio.sockets) == 1
        await cancelled(task)
        assert not client.connected and client.eio.state != 'connected'
        return client

    asyncio.run(scenario())
    server.release_all()
    wait_for(lambda: not server.sio.eio.sockets, 10, 'the server to see the connection end')


def test_cancelling_the_reconnection_loop_ends_it_and_reports_the_final_disconnect():
    finals: List[str] = []

    async def scenario() -> socketio.AsyncClient:
        client = socketio.AsyncClient(reconnection_delay=30, reconnection_delay_max=30,
                                      randomization_factor=0)
        client.on('__disconnect_final', lambda: finals.append('/'))
        # nobody listens there: connect(retry=True) runs the reconnection loop
        task = asyncio.ensure_future(client.connect(f'http://127.0.0.1:{free_port()}',
                                                    retry=True))
        while not client._reconnecting:
            await asyncio.sleep(0.01)
        await cancelled(task)
        return client

    client = asyncio.run(scenario())
    assert finals == ['/']
    assert not client._reconnecting
    assert client not in socketio.base_client.reconnecting_clients
