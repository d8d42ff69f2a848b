"""A ``socketio.AsyncServer(async_mode='sanic')`` attached to a Sanic app.

Usage: ``python sanic_server.py PORT``.

``sio.attach(app)`` adds the Engine.IO route to the Sanic application, which
also serves a plain HTTP route (``/hello``). Sanic runs in a single process
(no worker manager) and is stopped by PID by the test.
"""
import sys

from sanic import Sanic
from sanic.response import json as json_response

import socketio

PORT = int(sys.argv[1])

sio = socketio.AsyncServer(async_mode='sanic', cors_allowed_origins='*')
app = Sanic('sanic_socketio_e2e')
sio.attach(app)
users = {}
reasons = {}


@app.get('/hello')
async def hello(request):
    return json_response({'greeting': 'sanic', 'x': request.args.get('x')})


@sio.event
async def connect(sid, environ, auth):
    if not auth or auth.get('token') != 'secret':
        raise socketio.exceptions.ConnectionRefusedError('bad token')
    users[sid] = auth.get('user')
    await sio.save_session(sid, {'user': auth.get('user')})


@sio.event
async def disconnect(sid, reason):
    reasons[sid] = reason


@sio.event
async def echo(sid, data):
    return data


@sio.event
async def whoami(sid):
    session = await sio.get_session(sid)
    return {'sid': sid, 'user': session['user'], 'async_mode': sio.async_mode,
            'transport': sio.transport(sid)}


@sio.event
async def ping_me(sid, data):
    return await sio.call('pong', data, to=sid, timeout=5)


@sio.event
async def kick_me(sid):
    await sio.disconnect(sid)


@sio.event
async def reason_of(sid, other):
    return reasons.get(other)


if __name__ == '__main__':
    app.run(host='127.0.0.1', port=PORT, single_process=True, access_log=False,
            debug=False, motd=False)
