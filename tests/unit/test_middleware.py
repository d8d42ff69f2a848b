"""Unit tests of socketio.WSGIApp / socketio.Middleware (core.md 8.6)."""
from unittest import mock

import engineio

import socketio
from socketio import middleware


def test_is_engineio_wsgi_app():
    assert issubclass(socketio.WSGIApp, engineio.WSGIApp)
    assert issubclass(socketio.Middleware, socketio.WSGIApp)
    assert socketio.WSGIApp is middleware.WSGIApp


def test_constructors_do_not_validate_apps():
    middleware.Middleware('foo', None)
    middleware.WSGIApp(None, 'foo')


def test_wsgi_routing():
    mock_wsgi_app = mock.MagicMock()
    mock_sio_app = 'foo'
    m = middleware.Middleware(mock_sio_app, mock_wsgi_app)
    environ = {'PATH_INFO': '/foo'}
    start_response = 'foo'
    m(environ, start_response)
    mock_wsgi_app.assert_called_once_with(environ, start_response)


def test_sio_routing():
    mock_wsgi_app = 'foo'
    mock_sio_app = mock.Mock()
    mock_sio_app.handle_request = mock.MagicMock()
    m = middleware.Middleware(mock_sio_app, mock_wsgi_app)
    environ = {'PATH_INFO': '/socket.io/'}
    start_response = 'foo'
    assert m(environ, start_response) is mock_sio_app.handle_request.return_value
    mock_sio_app.handle_request.assert_called_once_with(environ, start_response)


def test_404():
    mock_wsgi_app = None
    mock_sio_app = mock.Mock()
    m = middleware.Middleware(mock_sio_app, mock_wsgi_app)
    environ = {'PATH_INFO': '/foo/bar'}
    start_response = mock.MagicMock()
    r = m(environ, start_response)
    assert r == [b'Not Found']
    start_response.assert_called_once_with("404 Not Found", [('Content-Type', 'text/plain')])
    mock_sio_app.handle_request.assert_not_called()


def test_custom_socketio_path():
    sio_app = mock.Mock()
    wsgi_app = mock.MagicMock()
    m = socketio.WSGIApp(sio_app, wsgi_app, socketio_path='/custom/path/')
    m({'PATH_INFO': '/custom/path/'}, 'sr')
    sio_app.handle_request.assert_called_once_with({'PATH_INFO': '/custom/path/'}, 'sr')
    m({'PATH_INFO': '/socket.io/'}, 'sr')
    wsgi_app.assert_called_once_with({'PATH_INFO': '/socket.io/'}, 'sr')
    m2 = socketio.Middleware(sio_app, wsgi_app, socketio_path='other')
    m2({'PATH_INFO': '/other/'}, 'sr')
    assert sio_app.handle_request.call_count == 2


def test_static_files(tmp_path):
    (tmp_path / 'index.html').write_text('<h1>hi</h1>')
    sio_app = mock.Mock()
    m = socketio.WSGIApp(sio_app, static_files={'/': str(tmp_path / 'index.html'),
                                                '/static': str(tmp_path)})
    start_response = mock.MagicMock()
    body = b''.join(m({'PATH_INFO': '/', 'REQUEST_METHOD': 'GET'}, start_response))
    assert body == b'<h1>hi</h1>'
    status, headers = start_response.call_args.args
    assert status == '200 OK' and ('Content-Type', 'text/html') in headers
    start_response.reset_mock()
    body = b''.join(m({'PATH_INFO': '/static/index.html', 'REQUEST_METHOD': 'GET'},
                      start_response))
    assert body == b'<h1>hi</h1>'
    sio_app.handle_request.assert_not_called()


def test_wsgi_app_looked_up_at_request_time():
    """Flask-SocketIO replaces ``wsgi_app`` on the instance after construction."""
    m = socketio.WSGIApp(mock.Mock(), mock.MagicMock())
    replacement = mock.MagicMock(return_value=[b'replaced'])
    m.wsgi_app = replacement
    assert m({'PATH_INFO': '/x'}, 'sr') == [b'replaced']


def test_subclass_like_flask_socketio():
    calls = []

    class _SocketIOMiddleware(socketio.WSGIApp):
        def __init__(self, socketio_app, flask_app, socketio_path='socket.io'):
            self.flask_app = flask_app
            super().__init__(socketio_app, flask_app.wsgi_app, socketio_path=socketio_path)

        def __call__(self, environ, start_response):
            calls.append(environ['PATH_INFO'])
            return super().__call__(environ, start_response)

    flask_app = mock.MagicMock()
    sio = mock.Mock()
    m = _SocketIOMiddleware(sio, flask_app, socketio_path='sio')
    m({'PATH_INFO': '/sio/'}, 'sr')
    m({'PATH_INFO': '/page'}, 'sr')
    sio.handle_request.assert_called_once()
    flask_app.wsgi_app.assert_called_once_with({'PATH_INFO': '/page'}, 'sr')
    assert calls == ['/sio/', '/page']
