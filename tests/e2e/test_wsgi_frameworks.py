"""End to end: ``socketio.WSGIApp`` / ``socketio.Middleware`` with real web
frameworks and every tested async mode of the standard server.

* threading mode is served by Werkzeug (``tests.support.wsgi_server``):
  a real Flask app, a Django-style plain WSGI callable, static files and a
  custom ``socketio_path``;
* eventlet, gevent and gevent_uwsgi (under uWSGI) monkey-patch the standard
  library, so each runs in a subprocess
  (``tests/e2e/servers/wsgi_async_mode_server.py``) stopped by PID.

Our ``socketio.Client`` drives the servers (the JavaScript client is covered
in ``test_server_js.py``); plain HTTP goes through ``requests``.
"""
import os
import shutil
import sys
import threading
import time

import pytest
import requests
from conftest import free_port, require_service
from support import ROOT, process, python_process, wsgi_server

import socketio

pytestmark = pytest.mark.e2e


def make_sio():
    sio = socketio.Server(async_mode='threading')

    @sio.event
    def echo(sid, data):
        return {'echo': data, 'path': sio.get_environ(sid)['PATH_INFO']}

    return sio


def connect(url, **kwargs):
    client = socketio.Client(reconnection=False)
    client.connect(url, wait_timeout=5, **kwargs)
    return client


def test_flask_app():
    flask = pytest.importorskip('flask')
    app = flask.Flask(__name__)

    @app.route('/hello')
    def hello():
        return flask.jsonify(greeting='world', args=flask.request.args.get('x'))

    sio = make_sio()
    app.wsgi_app = socketio.WSGIApp(sio, app.wsgi_app)  # the manual's recipe
    with wsgi_server(app) as url:
        r = requests.get(url + '/hello?x=1', timeout=5)
        assert r.status_code == 200 and r.json() == {'greeting': 'world', 'args': '1'}
        assert requests.get(url + '/missing', timeout=5).status_code == 404  # Flask's 404
        for transports in (['polling'], ['websocket']):
            client = connect(url, transports=transports)
            try:
                assert client.call('echo', 'flask') == {'echo': 'flask', 'path': '/socket.io/'}
            finally:
                client.disconnect()


def test_flask_app_passed_whole():
    """``socketio.WSGIApp(sio, flask_app)`` also works with the app object itself."""
    flask = pytest.importorskip('flask')
    app = flask.Flask(__name__)
    app.add_url_rule('/', 'index', lambda: 'index page')
    sio = make_sio()
    with wsgi_server(socketio.WSGIApp(sio, app)) as url:
        assert requests.get(url + '/', timeout=5).text == 'index page'
        client = connect(url, transports=['websocket'])
        try:
            assert client.call('echo', 1)['echo'] == 1
        finally:
            client.disconnect()


def django_style_application(environ, start_response):
    """What ``django.core.wsgi.get_wsgi_application()`` looks like to WSGI."""
    body = f'django saw {environ["REQUEST_METHOD"]} {environ["PATH_INFO"]}'.encode()
    start_response('200 OK', [('Content-Type', 'text/plain; charset=utf-8'),
                              ('Content-Length', str(len(body)))])
    return [body]


@pytest.mark.parametrize('wrapper', [socketio.WSGIApp, socketio.Middleware])
def test_django_style_wsgi_callable(wrapper):
    sio = make_sio()
    application = wrapper(sio, django_style_application)
    with wsgi_server(application) as url:
        assert requests.get(url + '/admin/', timeout=5).text == 'django saw GET /admin/'
        assert requests.post(url + '/api', timeout=5).text == 'django saw POST /api'
        client = connect(url)
        try:
            assert client.call('echo', 'dj') == {'echo': 'dj', 'path': '/socket.io/'}
        finally:
            client.disconnect()


def test_static_files(tmp_path):
    (tmp_path / 'index.html').write_text('<h1>chat</h1>')
    (tmp_path / 'static').mkdir()
    (tmp_path / 'static' / 'app.js').write_text('console.log(1)')
    (tmp_path / 'static' / 'style.css').write_text('body{}')
    sio = make_sio()
    app = socketio.WSGIApp(sio, static_files={
        '/': str(tmp_path / 'index.html'),
        '/static': str(tmp_path / 'static'),
        '/download': {'filename': str(tmp_path / 'static' / 'app.js'),
                      'content_type': 'application/octet-stream'},
    })
    with wsgi_server(app) as url:
        r = requests.get(url + '/', timeout=5)
        assert r.text == '<h1>chat</h1>' and r.headers['Content-Type'].startswith('text/html')
        r = requests.get(url + '/static/app.js', timeout=5)
        assert r.text == 'console.log(1)'
        assert 'javascript' in r.headers['Content-Type']
        r = requests.get(url + '/static/style.css', timeout=5)
        assert r.headers['Content-Type'].startswith('text/css')
        r = requests.get(url + '/download', timeout=5)
        assert r.headers['Content-Type'] == 'application/octet-stream'
        assert requests.get(url + '/static/missing.js', timeout=5).status_code == 404
        assert requests.get(url + '/nothing-here', timeout=5).status_code == 404
        client = connect(url, transports=['websocket'])
        try:
            assert client.call('echo', 'static')['echo'] == 'static'
        finally:
            client.disconnect()


def test_custom_socketio_path():
    sio = make_sio()
    app = socketio.WSGIApp(sio, django_style_application, socketio_path='/realtime/io')
    with wsgi_server(app) as url:
        # the default path now belongs to the wrapped app
        assert requests.get(url + '/socket.io/?EIO=4&transport=polling',
                            timeout=5).text.startswith('django saw GET /socket.io/')
        r = requests.get(url + '/realtime/io/?EIO=4&transport=polling', timeout=5)
        assert r.status_code == 200 and r.text.startswith('0{"sid":')
        for transports in (['polling'], ['websocket']):
            client = connect(url, socketio_path='realtime/io', transports=transports)
            try:
                assert client.call('echo', 'custom') == {'echo': 'custom',
                                                         'path': '/realtime/io/'}
            finally:
                client.disconnect()


# -- eventlet and gevent, each in its own process ----------------------------------------

def uwsgi_process(port):
    """The server script under uWSGI's gevent loop (gevent_uwsgi mode)."""
    uwsgi = shutil.which('uwsgi', path=os.path.dirname(sys.executable)) or \
        shutil.which('uwsgi')
    if uwsgi is None:
        require_service('127.0.0.1', -1, 'uwsgi (pip install uwsgi)')
    return process([uwsgi, '--http', f'127.0.0.1:{port}', '--gevent', '100',
                    '--http-websockets', '--master', '--die-on-term', '--disable-logging',
                    '--wsgi-file', str(ROOT / 'tests/e2e/servers/wsgi_async_mode_server.py'),
                    '--pyargv', 'gevent_uwsgi'], port=port, env={'PYTHONPATH': str(ROOT)})


@pytest.fixture(scope='module', params=['eventlet', 'gevent', 'gevent_uwsgi'])
def async_mode_server(request):
    mode = request.param
    pytest.importorskip('eventlet' if mode == 'eventlet' else 'gevent')
    if mode == 'gevent':
        pytest.importorskip('geventwebsocket')
    port = free_port()
    if mode == 'gevent_uwsgi':
        server = uwsgi_process(port)
    else:
        server = python_process('tests/e2e/servers/wsgi_async_mode_server.py', mode,
                                str(port), port=port)
    with server as proc:
        yield mode, f'http://127.0.0.1:{port}', proc


@pytest.mark.parametrize('transports', [['polling'], ['websocket'], None])
def test_async_mode_end_to_end(async_mode_server, transports):
    mode, url, proc = async_mode_server
    client = socketio.Client(reconnection=False)
    later = threading.Event()
    got = {}
    client.on('question', lambda data: data * 2)
    client.on('later', lambda data: (got.setdefault('later', data), later.set()))
    client.connect(url, transports=transports, wait_timeout=5, auth={'who': mode})
    try:
        if transports is None:
            deadline = time.monotonic() + 5
            while client.transport() != 'websocket' and time.monotonic() < deadline:
                time.sleep(0.02)
        info = client.call('whoami')
        assert info['async_mode'] == mode and info['eio_async_mode'] == mode
        assert info['transport'] == (transports[0] if transports else 'websocket')
        # gevent_uwsgi: Engine.IO's driver takes a binary WebSocket frame
        # whose first byte is >= 0x30 for text (uWSGI does not say which)
        binary = b'\x01bin' if mode == 'gevent_uwsgi' and transports != ['polling'] \
            else b'bin'
        payload = ('üñí', b'\x00\xff', {'nested': [binary]}, [1, 2.5, None, True])
        assert client.call('echo', payload) == payload
        assert client.call('ask', 21) == 42
        client.emit('later', 0.05)
        assert later.wait(5) and got['later'] == {'slept': 0.05}
    finally:
        client.disconnect()


def test_async_mode_rooms_refusal_and_disconnects(async_mode_server):
    mode, url, proc = async_mode_server
    c1 = socketio.Client(reconnection=False)
    c2 = socketio.Client(reconnection=False)
    received = []
    kicked = threading.Event()
    c2.on('room_msg', lambda msg: received.append(msg))
    c1.on('disconnect', lambda reason: kicked.set())
    c1.connect(url, transports=['websocket'], wait_timeout=5)
    c2.connect(url, transports=['websocket'], wait_timeout=5)
    try:
        c1.call('join', 'room')
        c2.call('join', 'room')
        c1.emit('to_room', ('room', 'hello'))
        deadline = time.monotonic() + 5
        while not received and time.monotonic() < deadline:
            time.sleep(0.02)
        assert received == ['hello']
        c1_sid = c1.get_sid()
        c1.emit('kick_me')
        assert kicked.wait(5)
        deadline = time.monotonic() + 5
        while c2.call('reason_of', c1_sid) is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert c2.call('reason_of', c1_sid) == 'server disconnect'
    finally:
        for c in (c1, c2):
            if c.connected:
                c.disconnect()
    refused = socketio.Client(reconnection=False)
    errors = []
    refused.on('connect_error', lambda data: errors.append(data))
    with pytest.raises(socketio.exceptions.ConnectionError):
        refused.connect(url, auth={'refuse': 'nope'}, wait_timeout=5)
    assert errors == [{'message': 'refused', 'data': 'nope'}]
    assert proc.poll() is None  # the server process is still alive
