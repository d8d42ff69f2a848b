"""Two Socket.IO servers sharing a PostgreSQL database as their message queue.

    pip install "python-socketio[postgres,asyncio_client]" uvicorn
    python examples/postgres_cluster.py --url postgresql://postgres@localhost/test

Each server has an ``AsyncPostgresManager`` on the same database and channel,
so an emit in one server reaches the clients of the other. In production
each server is a process of its own (often on several machines, behind a
load balancer with sticky sessions); here both run in this program, on two
ports, so that one command shows the whole path: a client of server 1 asks
its server to broadcast, and the client of server 2 prints what arrives. The
second message is 20,000 characters long, more than a PostgreSQL ``NOTIFY``
can carry: the manager stores it in a table and notifies a reference to it.
The standard ``socketio.Server`` works the same with ``socketio.PostgresManager``.
"""
import argparse
import asyncio
import socket

import uvicorn

import socketio


def make_app(url, channel):
    """One Socket.IO server: ``shout`` broadcasts to every client of every server."""
    mgr = socketio.AsyncPostgresManager(url, channel=channel)
    sio = socketio.AsyncServer(async_mode='asgi', client_manager=mgr)

    @sio.event
    async def shout(sid, text):
        await sio.emit('news', text)  # no `to`: every client, on every server
        return 'ok'

    return socketio.ASGIApp(sio)


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


async def serve(app, port):
    """Run ``app`` with Uvicorn in this event loop until the returned server is told to exit."""
    server = uvicorn.Server(uvicorn.Config(app, host='127.0.0.1', port=port,
                                           log_level='warning'))
    task = asyncio.ensure_future(server.serve())
    while not server.started:
        if task.done():
            task.result()  # raises what stopped the server
        await asyncio.sleep(0.05)
    return server, task


async def next_news(client, timeout=10):
    """The next ``news`` that is not a probe."""
    while True:
        event, text = await client.receive(timeout=timeout)
        if event == 'news' and not text.startswith('probe-'):
            return text


async def main(url, channel):
    ports = [free_port(), free_port()]
    servers = [await serve(make_app(url, channel), port) for port in ports]
    try:
        async with socketio.AsyncSimpleClient() as one, socketio.AsyncSimpleClient() as two:
            await one.connect(f'http://127.0.0.1:{ports[0]}', transports=['websocket'])
            await two.connect(f'http://127.0.0.1:{ports[1]}', transports=['websocket'])
            # A server starts listening to the database when its first client
            # connects: send probes until one goes through.
            for attempt in range(50):
                await one.call('shout', f'probe-{attempt}', timeout=10)
                try:
                    event, text = await two.receive(timeout=0.5)
                    if text.startswith('probe-'):
                        break
                except socketio.exceptions.TimeoutError:
                    pass
            else:
                raise SystemExit('the servers never heard each other')

            await one.call('shout', 'hello from server 1', timeout=10)
            await one.call('shout', 'x' * 20000, timeout=10)
            print(f'the client of server 2 got {await next_news(two)!r}')
            print(f'the client of server 2 got a message of {len(await next_news(two))} '
                  'characters')
    finally:
        for server, task in servers:
            server.should_exit = True
            await task


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--url', default='postgresql://postgres@localhost/test',
                        help='PostgreSQL URL')
    parser.add_argument('--channel', default='socketio', help='channel shared by the servers')
    args = parser.parse_args()
    asyncio.run(main(args.url, args.channel))
