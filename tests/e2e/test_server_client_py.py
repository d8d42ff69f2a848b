"""End to end: ``socketio.Server`` (threading mode) with our own ``socketio.Client``.

Same server set-up as ``test_server_js.py`` (Werkzeug threaded server via
``tests.support.wsgi_server``, WebSocket through simple-websocket), the
Python client on the other side.
"""
import threading

import pytest
from support import wait_for, wsgi_server

import socketio
from socketio import handler_threads
from socketio.exceptions import ConnectionError, ConnectionRefusedError, TimeoutError

pytestmark = pytest.mark.e2e

TRANSPORTS = [['polling'], ['websocket'], None]


class State:
    def __init__(self):
        self.auth = {}
        self.reasons = {}
        self.received = {}
        self.callbacks = {}


@pytest.fixture(scope='module')
def server():
    state = State()
    sio = socketio.Server(async_mode='threading', ping_interval=5)

    @sio.event
    def connect(sid, environ, auth):
        if auth and auth.get('refuse'):
            raise ConnectionRefusedError('go away', {'why': auth['refuse']})
        state.auth[sid] = auth

    @sio.event
    def disconnect(sid, reason):
        state.reasons[sid] = reason

    @sio.event
    def echo(sid, *args):
        state.received[sid] = args
        return args

    @sio.event
    def ask_client(sid, data, timeout=5):
        try:
            return sio.call('question', data, to=sid, timeout=timeout)
        except TimeoutError:
            return 'timeout'

    @sio.event
    def emit_with_callback(sid, data):
        sio.emit('with_cb', data, to=sid,
                 callback=lambda *args: state.callbacks.__setitem__(sid, args))

    @sio.event
    def push_binary(sid):
        sio.emit('binary', (b'\x00\x01', {'deep': [b'\xff']}), to=sid)

    @sio.event
    def join(sid, room):
        sio.enter_room(sid, room)
        return sorted(sio.rooms(sid))

    @sio.event
    def leave(sid, room):
        sio.leave_room(sid, room)

    @sio.event
    def close(sid, room):
        sio.close_room(room)

    @sio.event
    def to_room(sid, room, msg, skip_self):
        sio.emit('room_msg', msg, to=room, skip_sid=sid if skip_self else None)
        sio.emit('sentinel', msg)

    @sio.event
    def whoami(sid):
        return threading.current_thread().name, threading.get_ident()

    barrier = threading.Barrier(3, timeout=5)

    @sio.event
    def gather(sid):
        try:
            barrier.wait()
            return 'together'
        except threading.BrokenBarrierError:
            return 'alone'

    @sio.event
    def kick_me(sid):
        sio.disconnect(sid)

    @sio.event
    def transport(sid):
        return sio.transport(sid)

    @sio.on('echo', namespace='/chat')
    def chat_echo(sid, data):
        return {'ns': '/chat', 'sid': sid, 'data': data}

    @sio.on('disconnect', namespace='/chat')
    def chat_disconnect(sid, reason):
        state.reasons[sid] = reason

    with wsgi_server(socketio.WSGIApp(sio)) as url:
        yield url, sio, state


@pytest.fixture
def make_client():
    clients = []

    def make(url, transports=None, namespaces=None, auth=None, **kwargs):
        client = socketio.Client(reconnection=False, **kwargs)
        clients.append(client)
        return client, lambda: client.connect(url, transports=transports,
                                              namespaces=namespaces, auth=auth,
                                              wait_timeout=5)

    yield make
    for client in clients:
        if client.connected:
            client.disconnect()


@pytest.mark.parametrize('transports', TRANSPORTS)
def test_connect_auth_acks_binary_and_call(server, make_client, transports):
    url, sio, state = server
    client, connect = make_client(url, transports=transports, auth={'user': 'ann'})
    got = {'binary': threading.Event(), 'with_cb': threading.Event()}
    seen = {}

    @client.on('question')
    def question(data):
        return {'answer': data['n'] * 2}

    @client.on('binary')
    def binary(top, nested):
        seen['binary'] = (top, nested)
        got['binary'].set()

    @client.on('with_cb')
    def with_cb(data):
        got['with_cb'].set()
        return data.upper(), b'\x02'

    connect()
    sid = client.get_sid()
    assert sid
    assert wait_for(lambda: state.auth.get(sid) == {'user': 'ann'})

    values = (None, True, 1, -2.5, 'üñí 😀', [1, [2]], {'a': {'b': None}})
    assert client.call('echo', values) == values
    assert client.call('echo', (b'\x00\xff', {'list': [b'x', {'deep': b'y'}]})) == \
        (b'\x00\xff', {'list': [b'x', {'deep': b'y'}]})
    assert state.received[sid] == (b'\x00\xff', {'list': [b'x', {'deep': b'y'}]})

    acked = threading.Event()
    result = []
    client.emit('echo', 'single', callback=lambda *a: (result.append(a), acked.set()))
    assert acked.wait(5) and result == [('single',)]

    assert client.call('ask_client', {'n': 21}) == {'answer': 42}

    client.emit('emit_with_callback', 'shout')
    assert got['with_cb'].wait(5)
    assert wait_for(lambda: state.callbacks.get(sid) == ('SHOUT', b'\x02'))

    client.emit('push_binary')
    assert got['binary'].wait(5)
    assert seen['binary'] == (b'\x00\x01', {'deep': [b'\xff']})

    if transports is None:
        assert wait_for(lambda: client.transport() == 'websocket')
    expected = transports[0] if transports else 'websocket'
    assert client.transport() == expected
    assert client.call('transport') == expected


def test_client_call_timeout_when_server_does_not_ack(server, make_client):
    url, sio, state = server
    client, connect = make_client(url, transports=['websocket'])
    connect()
    with pytest.raises(TimeoutError):
        client.call('no_such_event', timeout=0.3)  # unhandled: no ACK is sent


def test_server_call_timeout(server, make_client):
    url, sio, state = server
    client, connect = make_client(url, transports=['websocket'])
    client.on('question', lambda data: None)  # answers with no arguments
    connect()
    assert client.call('ask_client', {'n': 1}) is None
    release = threading.Event()
    client.on('question', lambda data: release.wait(5))
    # a client handler that takes too long: the server's call() times out
    assert client.call('ask_client', ({'n': 1}, 0.3), timeout=5) == 'timeout'
    release.set()


def test_custom_namespace(server, make_client):
    url, sio, state = server
    client, connect = make_client(url, transports=['websocket'], namespaces=['/', '/chat'])
    connect()
    chat_sid = client.get_sid('/chat')
    assert chat_sid and chat_sid != client.get_sid('/')
    assert client.call('echo', 'hi', namespace='/chat') == \
        {'ns': '/chat', 'sid': chat_sid, 'data': 'hi'}


def test_unknown_namespace_refused(server, make_client):
    url, sio, state = server
    client, connect = make_client(url, transports=['websocket'], namespaces=['/nope'])
    errors = []
    client.on('connect_error', lambda *a: errors.append(a), namespace='/nope')
    with pytest.raises(ConnectionError):
        connect()
    assert errors == [('Unable to connect',)]


def test_refused_with_data(server, make_client):
    url, sio, state = server
    client, connect = make_client(url, transports=['websocket'], auth={'refuse': 'banned'})
    errors = []
    client.on('connect_error', lambda *a: errors.append(a))
    with pytest.raises(ConnectionError):
        connect()
    assert errors == [({'message': 'go away', 'data': {'why': 'banned'}},)]


def test_rooms_skip_sid_and_close_room(server, make_client):
    url, sio, state = server
    clients, got, sentinels = [], {}, {}
    for name in ('c1', 'c2', 'c3'):
        client, connect = make_client(url, transports=['websocket'])
        got[name] = []
        sentinels[name] = []
        client.on('room_msg', lambda msg, name=name: got[name].append(msg))
        client.on('sentinel', lambda msg, name=name: sentinels[name].append(msg))
        connect()
        clients.append(client)
    c1, c2, c3 = clients

    def send(client, room, msg, skip_self=False):
        client.emit('to_room', (room, msg, skip_self))
        assert wait_for(lambda: all(msg in s for s in sentinels.values()))

    assert c1.call('join', 'red') == sorted([c1.get_sid(), 'red'])
    c2.call('join', 'red')
    c3.call('join', 'blue')
    send(c1, 'red', 'skip-self', skip_self=True)
    send(c3, ['red', 'blue'], 'red+blue')
    send(c3, c2.get_sid(), 'to-sid')
    c2.call('leave', 'red')
    send(c3, 'red', 'after-leave')
    c3.call('close', 'red')
    send(c3, 'red', 'after-close')
    assert got == {'c1': ['red+blue', 'after-leave'],
                   'c2': ['skip-self', 'red+blue', 'to-sid'],
                   'c3': ['red+blue']}


@pytest.mark.parametrize('transports', [['polling'], ['websocket']])
def test_disconnect_from_server(server, make_client, transports):
    url, sio, state = server
    client, connect = make_client(url, transports=transports, namespaces=['/', '/chat'])
    reasons = []
    done = threading.Event()

    @client.event
    def disconnect(reason):
        reasons.append(reason)
        done.set()

    connect()
    sid = client.get_sid()
    client.emit('kick_me')
    assert done.wait(5)
    assert reasons == [socketio.Client.reason.SERVER_DISCONNECT]
    assert wait_for(lambda: state.reasons.get(sid) == 'server disconnect')
    # the transport and the other namespace stay up
    assert client.call('echo', 'still here', namespace='/chat')['data'] == 'still here'


def test_handlers_run_on_reused_threads(server, make_client):
    url, sio, state = server
    client, connect = make_client(url, transports=['websocket'])
    connect()
    pool = handler_threads.shared
    seen = []
    for n in range(20):
        seen.append(tuple(client.call('whoami', timeout=5)))
        # the ack may arrive before its thread is back among the idle ones
        assert wait_for(lambda: pool._idle >= 1)
        if n == 0:
            threads = pool.threads
    assert {name for name, _ in seen} == {'socketio-handler'}
    # with a thread idle every time, the next nineteen handlers started no
    # thread: they ran on the threads the pool had (other tests' included)
    assert pool.threads == threads
    assert len({ident for _, ident in seen}) <= threads


def test_handlers_still_run_concurrently(server, make_client):
    url, sio, state = server
    results = []
    callers = []
    for _ in range(3):
        client, connect = make_client(url, transports=['websocket'])
        connect()
        callers.append(threading.Thread(
            target=lambda c=client: results.append(c.call('gather', timeout=10))))
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(15)
    # the three handlers met at a barrier: none waited for another to end
    assert results == ['together'] * 3


def test_disconnect_from_client_polling(server, make_client):
    url, sio, state = server
    client, connect = make_client(url, transports=['polling'], namespaces=['/', '/chat'])
    connect()
    sid, chat_sid = client.get_sid(), client.get_sid('/chat')
    client.disconnect()
    assert wait_for(lambda: sid in state.reasons and chat_sid in state.reasons)
    assert state.reasons[sid] == 'client disconnect'
    assert state.reasons[chat_sid] == 'client disconnect'


def test_disconnect_from_client_websocket(server, make_client):
    """The DISCONNECT packet races with the WebSocket close in python-engineio's
    client (it closes the socket while its write loop still holds queued
    packets), so the server sees either reason; both end the session."""
    url, sio, state = server
    client, connect = make_client(url, transports=['websocket'])
    connect()
    sid = client.get_sid()
    client.disconnect()
    assert wait_for(lambda: sid in state.reasons)
    assert state.reasons[sid] in ('client disconnect', 'transport close')
    assert wait_for(lambda: sio.manager.sid_from_eio_sid(sid, '/') is None)
