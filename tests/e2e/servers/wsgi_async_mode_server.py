"""A ``socketio.Server`` in eventlet, gevent or gevent_uwsgi mode, run as its
own process.

Usage: ``python wsgi_async_mode_server.py eventlet|gevent PORT``, or under
uWSGI for gevent_uwsgi: ``uwsgi --http 127.0.0.1:PORT --gevent 100
--http-websockets --wsgi-file wsgi_async_mode_server.py --pyargv
gevent_uwsgi`` (uWSGI serves the module's ``application``).

The modes monkey-patch the standard library, so they never run inside the
test process. eventlet is served with ``eventlet.wsgi``; gevent with gevent's
``pywsgi`` and gevent-websocket's ``WebSocketHandler`` (what python-engineio's
gevent mode expects for WebSocket); gevent_uwsgi by uWSGI's gevent loop and
its WebSocket API. The eventlet and gevent programs print ``ready`` once
they listen; every server runs until it is stopped by PID.
"""
import sys

MODE = sys.argv[1]

if MODE == 'eventlet':
    import eventlet
    eventlet.monkey_patch()
elif MODE in ('gevent', 'gevent_uwsgi'):
    from gevent import monkey
    monkey.patch_all()
else:  # pragma: no cover
    raise SystemExit(f'unknown mode {MODE!r}')

import socketio  # noqa: E402  (after monkey-patching)

sio = socketio.Server(async_mode=MODE, ping_interval=2)
reasons = {}


@sio.event
def connect(sid, environ, auth):
    if auth and auth.get('refuse'):
        raise socketio.exceptions.ConnectionRefusedError('refused', auth['refuse'])


@sio.event
def disconnect(sid, reason):
    reasons[sid] = reason


@sio.event
def whoami(sid):
    return {'sid': sid, 'async_mode': sio.async_mode, 'eio_async_mode': sio.eio.async_mode,
            'transport': sio.transport(sid)}


@sio.event
def echo(sid, *args):
    return args


@sio.event
def ask(sid, data):
    return sio.call('question', data, to=sid, timeout=5)


@sio.event
def later(sid, delay):
    """Answer from a background task after sleeping the async mode's way."""
    def task():
        sio.sleep(delay)
        sio.emit('later', {'slept': delay}, to=sid)

    sio.start_background_task(task)


@sio.event
def join(sid, room):
    sio.enter_room(sid, room)


@sio.event
def to_room(sid, room, msg):
    sio.emit('room_msg', msg, to=room, skip_sid=sid)


@sio.event
def kick_me(sid):
    sio.disconnect(sid)


@sio.event
def reason_of(sid, other):
    return reasons.get(other)


app = application = socketio.WSGIApp(sio)

if MODE == 'eventlet':
    import eventlet.wsgi

    listener = eventlet.listen(('127.0.0.1', int(sys.argv[2])))
    print('ready', flush=True)
    eventlet.wsgi.server(listener, app, log_output=False)
elif MODE == 'gevent':
    from gevent import pywsgi
    from geventwebsocket.handler import WebSocketHandler

    server = pywsgi.WSGIServer(('127.0.0.1', int(sys.argv[2])), app,
                               handler_class=WebSocketHandler, log=None)
    print('ready', flush=True)
    server.serve_forever()
