"""A Socket.IO server living next to a Flask application (WSGI, threads).

    python examples/server_flask.py --port 5000

``socketio.WSGIApp`` sends requests under ``/socket.io/`` to the Socket.IO
server and everything else to Flask. Flask's development server (Werkzeug)
handles WebSocket in ``threading`` mode through ``simple-websocket``. In
production, run ``app`` with Gunicorn instead (see docs/deployment.rst).

Events: ``echo`` answers with its data (an ack); ``broadcast`` sends ``news``
to every client.
"""
import argparse

from flask import Flask

import socketio

sio = socketio.Server(async_mode='threading')
app = Flask(__name__)
app.wsgi_app = socketio.WSGIApp(sio, app.wsgi_app)  # Flask handles the other URLs


@app.route('/')
def index():
    return 'Flask is serving this page; Socket.IO lives at /socket.io/.'


@sio.event
def connect(sid, environ, auth):
    print('connected', sid, 'auth:', auth)


@sio.event
def echo(sid, data):
    return data  # the return value is the acknowledgement


@sio.event
def broadcast(sid, data):
    sio.emit('news', {'from': sid, 'data': data})  # no `to`: everyone


@sio.event
def disconnect(sid, reason):
    print('disconnected', sid, reason)


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--port', type=int, default=5000)
    port = parser.parse_args().port
    print(f'listening on http://127.0.0.1:{port}', flush=True)
    app.run(host='127.0.0.1', port=port, threaded=True)
