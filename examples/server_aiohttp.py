"""An asyncio Socket.IO server attached to an aiohttp web application.

    python examples/server_aiohttp.py --port 5000

``AsyncServer.attach`` adds the ``/socket.io/`` routes to the aiohttp app;
aiohttp serves both long-polling and WebSocket itself.

Events: ``echo`` answers with its data (an ack); ``broadcast`` sends ``news``
to every client.
"""
import argparse

from aiohttp import web

import socketio

sio = socketio.AsyncServer(async_mode='aiohttp')
app = web.Application()
sio.attach(app)


async def index(request):
    return web.Response(text='aiohttp is serving this page; Socket.IO lives at /socket.io/.')

app.router.add_get('/', index)


@sio.event
async def connect(sid, environ, auth):
    print('connected', sid, 'auth:', auth)


@sio.event
async def echo(sid, data):
    return data  # the return value is the acknowledgement


@sio.event
async def broadcast(sid, data):
    await sio.emit('news', {'from': sid, 'data': data})  # async methods are awaited


@sio.event
async def disconnect(sid, reason):
    print('disconnected', sid, reason)


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--port', type=int, default=5000)
    port = parser.parse_args().port
    web.run_app(app, host='127.0.0.1', port=port, print=lambda *_: print(
        f'listening on http://127.0.0.1:{port}', flush=True))
