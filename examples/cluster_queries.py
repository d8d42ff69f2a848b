"""Asking a cluster of Socket.IO servers: who is there, what do they answer.

    pip install "python-socketio[redis,asyncio_client]" uvicorn
    python examples/cluster_queries.py --url redis://localhost:6379/0

Two servers share a Redis channel (``AsyncRedisManager``; any message-queue
manager works the same, and so does the standard ``socketio.Server``). In
production each server is a process of its own; here both run in this
program, on two ports, so that one command shows the whole path. Ann is a
client of server 1, Bob and Cid of server 2. Server 1 then:

* lists every client of the cluster with ``fetch_sockets()``,
* asks all of them a question with ``call_all()`` and prints each answer,
* puts Bob, a client of server 2, in a room with ``sockets_join()``,
* asks server 2 how many clients it has with ``server_side_emit()``,
* disconnects the clients of that room with ``disconnect_sockets()``.

See docs/cluster.rst.
"""
import argparse
import asyncio
import socket
import time

import uvicorn

import socketio


def make_server(url, channel, name):
    """One Socket.IO server, whose manager shares ``channel`` with the others."""
    mgr = socketio.AsyncRedisManager(url, channel=channel)
    sio = socketio.AsyncServer(async_mode='asgi', client_manager=mgr)

    @sio.on_server_event('how_many')
    async def how_many():
        """Another server asks: the answer goes back to it."""
        return name, len(list(mgr.get_participants('/', None)))

    return sio


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


async def serve(sio, port):
    """Run a server with Uvicorn in this event loop."""
    server = uvicorn.Server(uvicorn.Config(socketio.ASGIApp(sio), host='127.0.0.1',
                                           port=port, log_level='warning'))
    task = asyncio.ensure_future(server.serve())
    while not server.started:
        if task.done():
            task.result()  # raises what stopped the server
        await asyncio.sleep(0.05)
    return server, task


async def client(name, port, answer):
    """A client that answers the ``question`` event with ``answer``."""
    sio = socketio.AsyncClient(reconnection=False)
    sio.on('question', lambda text: answer)
    sio.gone = asyncio.Event()
    sio.on('disconnect', lambda *reason: sio.gone.set())
    await sio.connect(f'http://127.0.0.1:{port}', transports=['websocket'])
    return sio


async def main(url, channel):
    ports = [free_port(), free_port()]
    one, two = make_server(url, channel, 'server 1'), make_server(url, channel, 'server 2')
    servers = [await serve(one, ports[0]), await serve(two, ports[1])]
    clients = {'Ann': await client('Ann', ports[0], 'pizza'),
               'Bob': await client('Bob', ports[1], ('sushi', 'or ramen')),
               'Cid': await client('Cid', ports[1], None)}
    names = {c.get_sid(): name for name, c in clients.items()}
    try:
        # a server takes a fraction of a second to hear the others once it starts
        deadline = time.monotonic() + 15
        while len(sockets := await one.fetch_sockets()) < len(clients):
            if time.monotonic() > deadline:
                raise SystemExit('the servers never heard each other')
            await asyncio.sleep(0.1)
        hosts = {one.manager.host_id: 'server 1', two.manager.host_id: 'server 2'}
        for s in sorted(sockets, key=lambda s: names[s.sid]):
            print(f'{names[s.sid]} is connected to {hosts[s.host_id]} by {s.transport}')

        answers = await one.call_all('question', 'lunch?', timeout=5)
        for sid, answer in sorted(answers.items(), key=lambda item: names[item[0]]):
            print(f'{names[sid]} answered {answer!r}')
        print(f'no answer from {sorted(names[sid] for sid in answers.missing_sids)}, '
              f'servers that did not report: {answers.missing_hosts}')

        await one.sockets_join('lunch', to=clients['Bob'].get_sid())
        in_room = await one.fetch_sockets(room='lunch')
        print(f'in room lunch: {[names[s.sid] for s in in_room]}')

        print(f'the other servers say: {list(await one.server_side_emit("how_many", timeout=5))}')

        await one.disconnect_sockets(room='lunch')
        await asyncio.wait_for(clients['Bob'].gone.wait(), 5)
        print(f'Bob connected: {clients["Bob"].connected}')
    finally:
        for c in clients.values():
            if c.connected:
                await c.disconnect()
        for server, task in servers:
            server.should_exit = True
            await task


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--url', default='redis://localhost:6379/0', help='Redis URL')
    parser.add_argument('--channel', default='cluster-example',
                        help='channel shared by the servers')
    args = parser.parse_args()
    asyncio.run(main(args.url, args.channel))
