"""An asyncio Socket.IO server as an ASGI application, run by Uvicorn.

    python examples/server_asgi.py --port 5000
    # or: uvicorn examples.server_asgi:app --port 5000

``socketio.ASGIApp`` answers ``/socket.io/`` itself, serves ``static_files``
and passes every other request to ``other_asgi_app`` (any ASGI framework:
Starlette, FastAPI, Django...). Here that is a tiny hand-written app.

Events: ``echo`` answers with its data (an ack); ``broadcast`` sends ``news``
to every client.
"""
import argparse

import uvicorn

import socketio

sio = socketio.AsyncServer(async_mode='asgi')


async def other_app(scope, receive, send):
    """A minimal ASGI app for everything that is not Socket.IO."""
    if scope['type'] != 'http':
        return
    await send({'type': 'http.response.start', 'status': 200,
                'headers': [(b'content-type', b'text/plain')]})
    await send({'type': 'http.response.body',
                'body': b'an ASGI app is serving this page; Socket.IO lives at /socket.io/.'})

app = socketio.ASGIApp(sio, other_asgi_app=other_app)


@sio.event
async def connect(sid, environ, auth):
    print('connected', sid, 'auth:', auth)


@sio.event
async def echo(sid, data):
    return data  # the return value is the acknowledgement


@sio.event
async def broadcast(sid, data):
    await sio.emit('news', {'from': sid, 'data': data})  # no `to`: everyone


@sio.event
async def disconnect(sid, reason):
    print('disconnected', sid, reason)


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--port', type=int, default=5000)
    port = parser.parse_args().port
    print(f'listening on http://127.0.0.1:{port}', flush=True)
    uvicorn.run(app, host='127.0.0.1', port=port, log_level='warning')
