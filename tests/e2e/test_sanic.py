"""End to end: ``socketio.AsyncServer(async_mode='sanic')`` attached to a Sanic
application with ``sio.attach(app)`` (issue 5).

The server (``tests/e2e/servers/sanic_server.py``) runs as its own process,
stopped by PID. The same Sanic app answers a plain HTTP route; our
``socketio.Client`` and the JavaScript socket.io-client talk Socket.IO to it
over long-polling with upgrade and over WebSocket only.
"""
import json
import subprocess
import threading

import pytest
import requests
from conftest import JS_DIR, free_port
from support import python_process

import socketio

pytestmark = pytest.mark.e2e
pytest.importorskip('sanic')

AUTH = {'token': 'secret', 'user': 'ann'}
NESTED = {'blob': b'\x00\x01\xff', 'list': [b'a', {'deep': b'\x02' * 3, 'n': 1}], 's': 'é'}


@pytest.fixture(scope='module')
def url():
    port = free_port()
    with python_process('tests/e2e/servers/sanic_server.py', str(port), port=port):
        yield f'http://127.0.0.1:{port}'


def connect(url, transports, **kwargs):
    client = socketio.Client(reconnection=False)
    client.on('pong', lambda data: {'pong': data})
    client.connect(url, transports=transports, wait_timeout=5, **kwargs)
    return client


def test_plain_http_route(url):
    r = requests.get(url + '/hello?x=1', timeout=5)
    assert r.status_code == 200 and r.json() == {'greeting': 'sanic', 'x': '1'}
    assert requests.get(url + '/missing', timeout=5).status_code == 404


@pytest.mark.parametrize('transports', [['polling', 'websocket'], ['websocket']],
                         ids=['polling-upgrade', 'websocket-only'])
def test_python_client(url, transports):
    client = connect(url, transports, auth=AUTH)
    try:
        me = client.call('whoami', timeout=5)
        assert me == {'sid': client.get_sid(), 'user': 'ann', 'async_mode': 'sanic',
                      'transport': 'websocket'}
        assert client.transport() == 'websocket'
        assert client.call('echo', NESTED, timeout=5) == NESTED
        # the server's ``await sio.call('pong', ...)`` is answered by our handler
        assert client.call('ping_me', [1, b'\x03'], timeout=5) == {'pong': [1, b'\x03']}
    finally:
        client.disconnect()
    assert not client.connected
    # the server saw the client leave, with the client's reason
    other = connect(url, ['websocket'], auth=AUTH)
    try:
        assert other.call('reason_of', me['sid'], timeout=5) == 'client disconnect'
    finally:
        other.disconnect()


def test_refused_without_auth(url):
    client = socketio.Client(reconnection=False)
    errors = []
    client.on('connect_error', errors.append)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(url, auth={'token': 'wrong'}, transports=['polling'], wait_timeout=5)
    assert errors == [{'message': 'bad token'}]
    assert not client.connected


def test_server_disconnect(url):
    gone = threading.Event()
    reasons = []
    client = connect(url, ['websocket'], auth=AUTH)

    @client.event
    def disconnect(reason=None):
        reasons.append(reason)
        gone.set()

    client.emit('kick_me')
    assert gone.wait(5)
    assert reasons == [socketio.Client.reason.SERVER_DISCONNECT]
    assert not client.connected


JS_SCRIPT = r"""
const { io } = require('socket.io-client');
const url = process.argv[1];
const out = {};
const finish = (code) => { console.log(JSON.stringify(out)); process.exit(code); };
setTimeout(() => { out.error = 'timeout'; finish(1); }, 15000);
async function run(transports) {
  const s = io(url, { auth: { token: 'secret', user: 'js' }, transports, reconnection: false,
                      forceNew: true });
  s.on('pong', (data, cb) => cb({ js: data }));
  await new Promise((resolve, reject) => { s.once('connect', resolve);
                                           s.once('connect_error', reject); });
  const ack = (...a) => s.timeout(5000).emitWithAck(...a);
  const r = { whoami: await ack('whoami'), transport: s.io.engine.transport.name };
  const echoed = await ack('echo', { bin: Buffer.from([0, 1, 255]), n: [1, 'two'] });
  r.echo = { bin: Array.from(echoed.bin), n: echoed.n };
  r.pong = await ack('ping_me', 7);
  const gone = new Promise((resolve) => s.once('disconnect', resolve));
  s.emit('kick_me');
  r.reason = await gone;
  return r;
}
(async () => {
  out.upgrade = await run(['polling', 'websocket']);
  out.websocket = await run(['websocket']);
  finish(0);
})().catch((e) => { out.error = String(e); finish(1); });
"""


def test_js_client(url, node_modules):
    result = subprocess.run(['node', '-e', JS_SCRIPT, url], cwd=str(JS_DIR),
                            capture_output=True, text=True, timeout=25)
    assert result.returncode == 0, result.stdout + result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    for key in ('upgrade', 'websocket'):
        r = out[key]
        assert r['whoami']['user'] == 'js' and r['whoami']['async_mode'] == 'sanic'
        assert r['transport'] == 'websocket'
        assert r['echo'] == {'bin': [0, 1, 255], 'n': [1, 'two']}
        assert r['pong'] == {'js': 7}
        assert r['reason'] == 'io server disconnect'
