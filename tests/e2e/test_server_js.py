"""End to end: ``socketio.Server`` driven by the official JavaScript client.

The server runs with ``async_mode='threading'`` behind ``socketio.WSGIApp``
under :func:`tests.support.wsgi_server`: Werkzeug's threaded development
server, which hands its raw socket to python-engineio so that simple-websocket
can speak WebSocket on it. It is pure Python, needs no monkey-patching and
serves long-polling and WebSocket on one port, which is what this test needs
(eventlet and gevent are covered in ``test_wsgi_frameworks.py``).

``tests/js/server_interop.js`` (socket.io-client 4.8.4) runs every scenario
once against the live server -- each core scenario with polling only,
WebSocket only and polling upgraded to WebSocket -- and prints one JSON
summary. The tests below assert on that summary and on what the server saw.
"""
import builtins
import hashlib
import threading

import pytest
from support import run_node, wait_for, wsgi_server

import socketio
from socketio.exceptions import ConnectionRefusedError, TimeoutError

pytestmark = pytest.mark.e2e

JSON_VALUES = [
    None, True, False, 0, -1, 9007199254740991, -2.5, 1.25e-7, '', 'plain',
    'üñíçødé ☃ 😀 \u2028 "quoted" \\ back\nline\ttab', [], {}, [1, [2, [3, [4]]]],
    {'a': {'b': {'c': None, 'd': [True, 'x']}}, 'ключ': 'значение'},
]
MB = 1024 * 1024


def type_names(values):
    return [type(v).__name__ for v in values]


class Recorder:
    """What the server saw, filled in by the handlers of :func:`make_server`."""

    def __init__(self):
        self.lock = threading.Lock()
        self.auth = {}
        self.environ_ok = {}
        self.reasons = {}
        self.last_types = {}
        self.chat = {}
        self.callback_args = {}


def make_server(rec: Recorder) -> socketio.Server:
    sio = socketio.Server(async_mode='threading', max_http_buffer_size=3 * MB,
                          ping_interval=5)

    @sio.event
    def connect(sid, environ, auth):
        refuse = (auth or {}).get('refuse')
        if refuse == 'data':
            raise ConnectionRefusedError('not allowed', {'code': 42})
        if refuse == 'false':
            return False
        if refuse == 'builtin':
            raise builtins.ConnectionRefusedError('nope')
        with rec.lock:
            rec.auth[sid] = auth
            rec.environ_ok[sid] = sio.get_environ(sid) is environ and \
                environ['PATH_INFO'] == '/socket.io/'
        return None

    @sio.event
    def disconnect(sid, reason):
        with rec.lock:
            rec.reasons[sid] = reason

    @sio.event
    def whoami(sid):
        return {'sid': sid, 'auth': rec.auth.get(sid)}

    @sio.event
    def echo(sid, *args):
        rec.last_types[sid] = type_names(args) + [
            type(x).__name__ for a in args if isinstance(a, dict) for x in a.get('list', [])]
        return args

    @sio.event
    def last_types(sid):
        return rec.last_types.get(sid)

    @sio.event
    def send_me_binary(sid):
        sio.emit('bin', (b'\x00\xff', {'nested': [b'abc'], 'text': 'ok'}), to=sid)

    @sio.event
    def emit_with_callback(sid):
        def callback(*args):
            rec.callback_args[sid] = args
            sio.emit('cb_result', [args[0], args[1], args[2].hex()], to=sid)

        sio.emit('ask', 'life', to=sid, callback=callback)

    @sio.event
    def server_call(sid, n, timeout=5):
        try:
            return sio.call('question', {'n': n}, to=sid, timeout=timeout)
        except TimeoutError:
            return 'timed out'

    @sio.event
    def send_sequence(sid, count):
        for i in range(count):
            sio.emit('seq', i, to=sid)

    @sio.event
    def big(sid, data):
        raw = data.encode() if isinstance(data, str) else data
        return {'length': len(data), 'sha256': hashlib.sha256(raw).hexdigest(),
                'type': type(data).__name__}

    @sio.event
    def send_big(sid, size):
        sio.emit('big_back', ('0123456789abcdef' * (size // 16)), to=sid)

    @sio.event
    def transport(sid):
        return sio.transport(sid)

    @sio.event
    def send_me(sid):
        sio.send('hello via send', to=sid)

    @sio.event
    def remember(sid, value):
        with sio.session(sid) as session:
            session['value'] = value
        return True

    @sio.event
    def recall(sid):
        return {'value': sio.get_session(sid)['value'], 'session': sio.get_session(sid)}

    @sio.event
    def later(sid, delay):
        def task():
            sio.sleep(delay)
            sio.emit('later', {'slept': delay}, to=sid)

        sio.start_background_task(task)

    @sio.event
    def kick_me(sid):
        sio.disconnect(sid)

    @sio.event
    def join(sid, room):
        sio.enter_room(sid, room)
        return True

    @sio.event
    def leave(sid, room):
        sio.leave_room(sid, room)
        return True

    @sio.event
    def close(sid, room):
        sio.close_room(room)
        return True

    @sio.event
    def my_rooms(sid):
        return sorted(sio.rooms(sid))

    @sio.event
    def room_emit(sid, req):
        skip = req.get('skip')
        sio.emit('room_msg', req['msg'], to=req['room'],
                 skip_sid=sid if skip is True else skip)
        sio.emit('sentinel')
        return True

    @sio.on('connect', namespace='/chat')
    def chat_connect(sid, environ, auth):
        rec.chat[sid] = auth

    @sio.on('echo', namespace='/chat')
    def chat_echo(sid, data):
        return {'ns': '/chat', 'data': data, 'auth': rec.chat.get(sid),
                'rooms': sio.rooms(sid, namespace='/chat')}

    @sio.on('disconnect', namespace='/chat')
    def chat_disconnect(sid, reason):
        with rec.lock:
            rec.reasons[sid] = reason

    return sio


def make_ordered_server() -> socketio.Server:
    sio = socketio.Server(async_mode='threading', async_handlers=False)
    seen = {}

    @sio.event
    def seq(sid, i):
        seen.setdefault(sid, []).append(i)

    @sio.event
    def ping(sid):
        return True

    @sio.event
    def seq_done(sid):
        return seen.pop(sid, [])

    return sio


@pytest.fixture(scope='module')
def interop(node_modules):
    rec = Recorder()
    sio = make_server(rec)
    with wsgi_server(socketio.WSGIApp(sio)) as url, \
            wsgi_server(socketio.WSGIApp(make_ordered_server())) as ordered_url:
        summary = run_node('server_interop.js', url, ordered_url, timeout=50)
        # the last disconnects may still be in flight when node exits
        expected = [summary.get(k, {}).get('sid') for k in
                    ('clientDisconnectWs', 'clientDisconnectPolling')]
        wait_for(lambda: all(sid in rec.reasons for sid in expected if sid))
        yield summary, rec, sio


def test_no_errors(interop):
    summary, _, _ = interop
    assert summary['errors'] == []


@pytest.mark.parametrize('mode,transport', [('polling', 'polling'),
                                            ('websocket', 'websocket'),
                                            ('upgrade', 'websocket')])
def test_connect_auth_and_transport(interop, mode, transport):
    summary, rec, _ = interop
    out = summary[mode]
    sid = out['sid']
    assert out['whoami'] == {'sid': sid, 'auth': {'token': 'abc', 'label': mode}}
    assert rec.auth[sid] == {'token': 'abc', 'label': mode}
    assert rec.environ_ok[sid] is True
    assert out['clientTransport'] == transport
    assert out['serverTransport'] == transport


@pytest.mark.parametrize('mode', ['polling', 'websocket', 'upgrade'])
def test_json_types_and_unicode(interop, mode):
    out = interop[0][mode]
    assert out['typesOk'] is True
    assert out['typesSeen'] == type_names(JSON_VALUES)


@pytest.mark.parametrize('mode', ['polling', 'websocket', 'upgrade'])
def test_binary_both_directions(interop, mode):
    out = interop[0][mode]
    assert out['binaryTopOk'] is True
    assert out['binaryNestedOk'] is True
    # the server handler received real bytes, top level and nested
    assert out['binarySeen'] == ['bytes', 'dict', 'bytes', 'dict']
    assert out['serverBinary'] == {'top': '00ff', 'nested': '616263', 'text': 'ok'}


@pytest.mark.parametrize('mode', ['polling', 'websocket', 'upgrade'])
def test_acks_and_call_both_directions(interop, mode):
    summary, rec, _ = interop
    out = summary[mode]
    assert out['callbackResult'] == ['answer to life', 7, '6f6b']
    assert rec.callback_args[out['sid']] == ('answer to life', 7, b'ok')
    assert out['serverCall'] == {'doubled': 42}
    assert out['serverCallTimeout'] == 'timed out'


@pytest.mark.parametrize('mode', ['polling', 'websocket', 'upgrade'])
def test_custom_namespace(interop, mode):
    summary, rec, _ = interop
    out = summary[mode]
    assert out['sameEngine'] is True
    assert out['chatSid'] != out['sid']
    assert out['chatEcho'] == {'ns': '/chat', 'data': 'in chat', 'auth': {'room': 'blue'},
                               'rooms': [out['chatSid']]}
    assert out['chatConnectedAfterLeave'] is False
    assert wait_for(lambda: rec.reasons.get(out['chatSid']) == 'client disconnect')


@pytest.mark.parametrize('mode', ['polling', 'websocket', 'upgrade'])
def test_large_messages_and_order(interop, mode):
    out = interop[0][mode]
    assert out['serverToClientOrdered'] is True
    assert out['bigToServer'] == dict(out['bigExpected'], type='str')
    assert out['bigExpected']['length'] == MB
    assert out['bigFromServer'] == out['bigExpected']
    assert out['bigBinaryToServer'] == dict(out['bigBinaryExpected'], type='bytes')


@pytest.mark.parametrize('mode', ['polling', 'websocket', 'upgrade'])
def test_send_session_and_background_task(interop, mode):
    out = interop[0][mode]
    assert out['message'] == 'hello via send'
    value = {'label': mode, 'n': 1}
    assert out['recalled'] == {'value': value, 'session': {'value': value}}
    assert out['later'] == {'slept': 0.05}


@pytest.mark.parametrize('mode', ['polling', 'websocket', 'upgrade'])
def test_server_disconnect(interop, mode):
    summary, rec, _ = interop
    out = summary[mode]
    assert out['kickReason'] == 'io server disconnect'
    assert rec.reasons[out['sid']] == 'server disconnect'


@pytest.mark.parametrize('key', ['clientDisconnectWs', 'clientDisconnectPolling'])
def test_client_disconnect(interop, key):
    summary, rec, _ = interop
    out = summary[key]
    assert out['clientReason'] == 'io client disconnect'
    assert rec.reasons[out['sid']] == 'client disconnect'


def test_refusals(interop):
    out = interop[0]['refusals']
    assert out['withData'] == {'message': 'not allowed', 'data': {'code': 42}}
    assert out['byFalse'] == {'message': 'Connection rejected by server', 'data': None}
    assert out['builtin'] == {'message': 'Connection refused by server', 'data': None}
    # python-socketio answers an unknown namespace with the bare string
    # "Unable to connect" (contract: forward.md 2.1); the JS client reads
    # ``data.message`` of it, so it reports a connect_error with no message
    assert out['unknownNamespace'] == {'message': ''}


def test_rooms_skip_sid_and_close_room(interop):
    summary, _, sio = interop
    out = summary['rooms']
    assert out['c1Rooms'] == sorted([out['c1Sid'], 'red'])
    assert out['c1RoomsAfterClose'] == [out['c1Sid']]
    assert out['got'] == {
        'c1': ['red+blue', 'after-leave'],
        'c2': ['red-skip-self', 'red+blue'],
        'c3': ['red+blue', 'all-but-two'],
    }
    assert 'red' not in sio.manager.rooms.get('/', {})


def test_200_messages_reach_the_server_in_order(interop):
    out = interop[0]['ordered']
    assert out['websocket'] == list(range(200))
    assert out['polling'] == list(range(200))


def test_everyone_left(interop):
    _, rec, sio = interop
    assert wait_for(lambda: sio.manager.rooms == {}), sio.manager.rooms
    assert wait_for(lambda: sio.environ == {}), sio.environ
