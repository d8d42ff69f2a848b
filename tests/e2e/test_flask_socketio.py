"""A real Flask-SocketIO application running on this package.

Flask-SocketIO is installed with ``pip install --no-deps flask-socketio`` (so
that it uses this python-socketio). Three layers are tested:

* its test client, ``socketio.test_client(app)``, which drives our server's
  internals directly (forward spec section 4);
* real sockets: the app served by Werkzeug in a thread with
  ``async_mode='threading'``, talked to by the JS socket.io-client and by our
  own Client;
* two Flask-SocketIO processes sharing a Redis message queue.
"""
from __future__ import annotations

import json
import sys
import threading
import uuid

import pytest
from conftest import free_port, in_ci, require_service
from support import ROOT, process, run_node, wait_for_port, wsgi_server

import socketio

try:
    import flask
    import flask_socketio
except ImportError:  # pragma: no cover
    if in_ci():
        raise  # scripts/_common.sh installs it: missing under CI is an error
    pytest.skip('Flask-SocketIO not installed (pip install --no-deps flask-socketio)',
                allow_module_level=True)

pytestmark = pytest.mark.e2e


def make_app(**socketio_options):
    """A Flask-SocketIO app using most of what Flask-SocketIO offers."""
    from flask import request, session
    from flask_socketio import (
        ConnectionRefusedError,
        Namespace,
        SocketIO,
        disconnect,
        emit,
        join_room,
        leave_room,
        rooms,
        send,
    )

    app = flask.Flask(__name__)
    app.config['SECRET_KEY'] = 'secret'
    socketio_options.setdefault('async_mode', 'threading')
    sio = SocketIO(app, **socketio_options)
    state = {'disconnects': [], 'chat_disconnects': [], 'answers': []}

    @app.route('/')
    def index():
        return 'flask here'

    @sio.on('connect')
    def connect(auth):
        auth = auth or {}
        if auth.get('token') == 'bad':
            raise ConnectionRefusedError('bad token', {'hint': 'use a good one'})
        if auth.get('token') == 'false':
            return False
        session['user'] = auth.get('user', 'anonymous')
        emit('welcome', {'sid': request.sid, 'user': session['user']})

    @sio.on('disconnect')
    def on_disconnect(reason):
        state['disconnects'].append((request.sid, reason))

    @sio.on('message')
    def message(data):
        send(data)  # back to the sender, as a "message" event

    @sio.on('json')
    def on_json(data):
        send({'echo': data}, json=True)

    @sio.on('echo')
    def echo(*args):
        return args if len(args) != 1 else args[0]

    @sio.on('join')
    def on_join(room):
        join_room(room)
        emit('joined', {'room': room, 'sid': request.sid}, to=room)

    @sio.on('leave')
    def on_leave(room):
        leave_room(room)
        return sorted(rooms())

    @sio.on('shout')
    def shout(room, text):
        emit('shouted', text, to=room)

    @sio.on('broadcast')
    def broadcast(text):
        emit('broadcasted', text, broadcast=True)

    @sio.on('my_rooms')
    def my_rooms():
        return sorted(rooms())

    @sio.on('set_user')
    def set_user(user):
        session['user'] = user

    @sio.on('whoami')
    def whoami():
        return session.get('user')

    @sio.on('background')
    def background():
        sid = request.sid

        def task():
            sio.sleep(0.05)
            sio.emit('from_thread', {'ok': True}, to=sid)

        sio.start_background_task(task)

    @sio.on('ask')
    def ask(n):
        sid = request.sid

        def answered(*answer):
            state['answers'].append(answer)
            sio.emit('answer_was', list(answer), to=sid)

        emit('question', n, callback=answered)

    @sio.on('kick')
    def kick():
        disconnect()

    @sio.on('*', namespace='/catch')
    def catch_all(event, *args):
        emit('caught', [event, *args])

    class Chat(Namespace):
        def on_connect(self, auth=None):
            emit('welcome', 'chat')

        def on_disconnect(self, reason=None):
            state['chat_disconnects'].append(reason)

        def on_echo(self, data):
            return ['chat', data]

        def on_join(self, room):
            join_room(room)
            emit('joined', room, to=room)

    sio.on_namespace(Chat('/chat'))
    return app, sio, state


def names(received):
    return [(r['name'], r['namespace']) for r in received]


# -- (a) Flask-SocketIO's test client ----------------------------------------------

def test_test_client_connect_emit_send_json():
    app, sio, state = make_app()
    client = sio.test_client(app, auth={'user': 'ann'})
    assert client.is_connected()
    received = client.get_received()
    assert received[0]['name'] == 'welcome'
    assert received[0]['args'][0]['user'] == 'ann'
    sid = received[0]['args'][0]['sid']
    assert sid == client.eio_sid or sid  # a Socket.IO sid
    client.send('plain text')
    assert client.get_received() == [{'name': 'message', 'args': 'plain text',
                                      'namespace': '/'}]
    client.send({'a': 1}, json=True)
    assert client.get_received() == [{'name': 'json', 'args': {'echo': {'a': 1}},
                                      'namespace': '/'}]
    assert client.emit('echo', {'n': 1}, callback=True) == {'n': 1}
    assert client.emit('echo', 1, 2, callback=True) == [1, 2]
    assert client.emit('echo', b'\x00\x01', callback=True) == b'\x00\x01'
    client.emit('set_user', 'bea')
    assert client.emit('whoami', callback=True) == 'bea'
    # the server keeps Flask-SocketIO's saved session in the environ it was given
    assert sio.server.environ[client.eio_sid]['saved_session']
    client.disconnect()
    assert not client.is_connected()
    assert state['disconnects'] == [(sid, 'client disconnect')]


def test_test_client_refusals():
    app, sio, state = make_app()
    refused = sio.test_client(app, auth={'token': 'bad'})
    assert not refused.is_connected()
    rejected = sio.test_client(app, auth={'token': 'false'})
    assert not rejected.is_connected()
    anonymous = sio.test_client(app)
    assert anonymous.is_connected()
    assert anonymous.get_received()[0]['args'][0]['user'] == 'anonymous'


def test_test_client_rooms_and_outside_emits():
    app, sio, state = make_app()
    one = sio.test_client(app, auth={'user': 'one'})
    two = sio.test_client(app, auth={'user': 'two'})
    three = sio.test_client(app)
    for client in (one, two, three):
        client.get_received()
    one.emit('join', 'red')
    two.emit('join', 'red')
    assert [r['args'][0]['room'] for r in one.get_received()] == ['red', 'red']
    assert len(two.get_received()) == 1 and three.get_received() == []
    three.emit('shout', 'red', 'hello reds')
    assert one.get_received()[0]['args'] == ['hello reds']
    assert two.get_received()[0]['args'] == ['hello reds']
    assert three.get_received() == []
    rooms_of_one = one.emit('my_rooms', callback=True)
    assert 'red' in rooms_of_one and len(rooms_of_one) == 2  # its own room too
    rooms_of_two = two.emit('leave', 'red', callback=True)
    assert 'red' not in rooms_of_two and len(rooms_of_two) == 1
    three.emit('shout', 'red', 'again')
    assert one.get_received()[0]['args'] == ['again'] and two.get_received() == []
    # emits from outside any handler
    sio.emit('news', {'n': 1})
    assert all(c.get_received()[0]['args'] == [{'n': 1}] for c in (one, two, three))
    sio.emit('news', 'only red', to='red')
    assert one.get_received()[0]['args'] == ['only red']
    assert two.get_received() == [] and three.get_received() == []
    sio.send('hello all')
    assert all(c.get_received() == [{'name': 'message', 'args': 'hello all', 'namespace': '/'}]
               for c in (one, two, three))
    three.emit('broadcast', 'b')
    assert all(c.get_received()[0]['args'] == ['b'] for c in (one, two, three))


def test_test_client_namespaces_and_catch_all():
    app, sio, state = make_app()
    client = sio.test_client(app, namespace='/chat')
    assert client.is_connected('/chat')
    assert client.get_received('/chat') == [{'name': 'welcome', 'args': ['chat'],
                                             'namespace': '/chat'}]
    assert client.emit('echo', 5, namespace='/chat', callback=True) == ['chat', 5]
    client.emit('join', 'blue', namespace='/chat')
    assert client.get_received('/chat')[0]['args'] == ['blue']
    client.connect(namespace='/catch')
    assert client.is_connected('/catch')
    client.emit('anything', 1, 'two', namespace='/catch')
    assert client.get_received('/catch') == [{'name': 'caught',
                                              'args': [['anything', 1, 'two']],
                                              'namespace': '/catch'}]
    client.disconnect(namespace='/chat')
    assert not client.is_connected('/chat') and client.is_connected('/catch')
    assert state['chat_disconnects'] == ['client disconnect']


def test_test_client_server_side_disconnect():
    app, sio, state = make_app()
    client = sio.test_client(app)
    client.emit('kick')
    assert not client.is_connected()
    assert state['disconnects'][-1][1] == 'server disconnect'


# -- (b) real sockets ----------------------------------------------------------------------

@pytest.fixture(scope='module')
def served_app():
    app, sio, state = make_app(cors_allowed_origins='*')
    with wsgi_server(app) as url:  # app.wsgi_app is Flask-SocketIO's middleware
        yield url, sio, state


def test_flask_route_still_served(served_app):
    import urllib.request

    url, _, _ = served_app
    with urllib.request.urlopen(url + '/') as response:
        assert response.read() == b'flask here'


def test_js_client_against_flask_socketio(node_modules, served_app):
    url, sio, state = served_app
    result = run_node('flask_client.js', url)
    assert result['error'] is None
    assert result['welcome']['user'] == 'js'
    assert result['echo'] == {'n': [1, 2, 3]}
    assert result['multi'] == [1, 'two']
    assert result['whoami'] == 'renamed'  # the session outlives the event
    assert result['fromThread'] == {'ok': True}
    assert result['message'] == 'text'
    assert result['json'] == {'echo': {'k': 'v'}}
    assert result['chatWelcome'] == 'chat' and result['chatEcho'] == ['chat', 'x']
    assert result['joined'] == [{'room': 'green', 'sid': result['welcome']['sid']},
                                {'room': 'green', 'sid': result['otherSid']}]
    assert result['shouted'] == 'hi greens'
    assert 'green' in result['rooms']
    assert result['answerWas'] == [42, 'from js']
    assert result['refused'] == {'message': 'bad token', 'data': {'hint': 'use a good one'}}
    assert result['kickReason'] == 'io server disconnect'
    assert [42, 'from js'] in [list(a) for a in state['answers']]


def test_python_client_against_flask_socketio(served_app):
    url, sio, state = served_app
    client = socketio.Client(reconnection=False, handle_sigint=False)
    got = {}
    events = {name: threading.Event() for name in ('welcome', 'from_thread', 'answer_was')}

    @client.on('*')
    def on_any(event, *args):
        got[event] = args
        if event in events:
            events[event].set()

    @client.on('question')
    def question(n):
        return n + 1, 'from python'

    client.connect(url, auth={'user': 'py'}, namespaces=['/', '/chat'],
                   transports=['websocket'])
    try:
        assert events['welcome'].wait(10)
        assert got['welcome'][0]['user'] == 'py'
        assert client.call('echo', {'x': 1}, timeout=10) == {'x': 1}
        assert client.call('echo', 'c', namespace='/chat', timeout=10) == ['chat', 'c']
        client.emit('set_user', 'pyrenamed')
        assert client.call('whoami', timeout=10) == 'pyrenamed'
        client.emit('background')
        assert events['from_thread'].wait(10)
        client.emit('ask', 1)
        assert events['answer_was'].wait(10)
        assert got['answer_was'] == ([2, 'from python'],)
        sid = client.get_sid('/')
    finally:
        client.disconnect()
    deadline = threading.Event()
    for _ in range(200):
        if (sid, 'client disconnect') in state['disconnects']:
            break
        deadline.wait(0.02)
    assert (sid, 'client disconnect') in state['disconnects']


# -- (c) two processes sharing a Redis message queue ---------------------------------------

SERVE = """
import sys
sys.path[:0] = ['tests', 'tests/e2e']
from test_flask_socketio import make_app
app, sio, state = make_app(message_queue='redis://127.0.0.1:6379', channel=sys.argv[2])
sio.run(app, host='127.0.0.1', port=int(sys.argv[1]), allow_unsafe_werkzeug=True)
"""


def flask_process(port, channel):
    """Start the app in a process (waiting for its port is left to the caller)."""
    return process([sys.executable, '-c', SERVE, str(port), channel], cwd=ROOT)


@pytest.mark.broker
def test_two_processes_share_a_redis_queue():
    """Needs socketio.RedisManager (message-queue issue) and a Redis server."""
    require_service('127.0.0.1', 6379, 'Redis')
    channel = 'flask-socketio-test-' + uuid.uuid4().hex
    port1, port2 = free_port(), free_port()
    with flask_process(port1, channel) as proc1, flask_process(port2, channel) as proc2:
        wait_for_port(port1, 20, proc1)  # both processes start in parallel
        wait_for_port(port2, 20, proc2)
        clients, received = [], []
        got = threading.Event()
        for index, port in enumerate((port1, port2)):
            client = socketio.Client(reconnection=False, handle_sigint=False)

            def on_broadcast(text, index=index):
                received.append((index, text))
                if len(received) >= 2:
                    got.set()

            client.on('broadcasted', on_broadcast)
            client.connect(f'http://127.0.0.1:{port}', transports=['websocket'])
            clients.append(client)
        try:
            clients[0].emit('broadcast', 'across processes')
            assert got.wait(10), received
            assert sorted(received) == [(0, 'across processes'), (1, 'across processes')]
            # an external, write-only emitter (no app) reaches both processes too
            got.clear()
            received.clear()
            external = flask_socketio.SocketIO(message_queue='redis://127.0.0.1:6379',
                                               channel=channel)
            external.emit('broadcasted', 'from outside')
            assert got.wait(10), received
            assert sorted(received) == [(0, 'from outside'), (1, 'from outside')]
        finally:
            # (in parallel: against a server in another process, python-engineio's
            # WebSocket client waits ~3 s for the closing handshake)
            closing = [threading.Thread(target=client.disconnect) for client in clients]
            for thread in closing:
                thread.start()
            for thread in closing:
                thread.join(10)


def test_flask_socketio_sees_our_server_options():
    """Options given to Flask-SocketIO reach our Server and its Engine.IO server."""
    app = flask.Flask(__name__)
    sio = flask_socketio.SocketIO(async_mode='threading', allow_upgrades=False)
    sio.init_app(app, cookie='foo', message_queue=None)
    assert isinstance(sio.server, socketio.Server)
    assert sio.server.eio.allow_upgrades is False
    assert sio.server.eio.cookie == 'foo'
    assert flask_socketio.SocketIO.reason is socketio.Server.reason
    assert json.loads(json.dumps(sio.server.async_mode)) == 'threading'
