"""Our ``socketio.Server`` speaking the protocol of tests/js/client_node_server.js.

Used by the Client end-to-end tests in two ways: ``build_server()`` is served
in a thread by tests/e2e/test_client_py.py, and running this file
(``python client_server.py PORT``) serves it as a separate process, for the
reconnection tests that stop the server by PID and start it again.

Namespaces: ``/`` (refuses when ``auth['refuse']`` is set), ``/chat``
(requires ``auth['token'] == 'secret'``), ``/private`` (always refuses).
Events on ``/`` and ``/chat``: echo, describe, whoami, push, push_binary,
ask, ask_briefly, kick, reasons (see the Node script for their meaning). ``silent`` has no
handler, so it is never acknowledged.
"""
from __future__ import annotations

import sys
from typing import Any, Callable, Dict, List

import socketio


def describe(value: Any) -> Any:
    """JSON description of a value: bytes become ``{'$bin': hex}``."""
    if isinstance(value, (bytes, bytearray)):
        return {'$bin': bytes(value).hex()}
    if isinstance(value, (list, tuple)):
        return [describe(v) for v in value]
    if isinstance(value, dict):
        return {k: describe(v) for k, v in value.items()}
    return value


def build_server(**kwargs: Any) -> socketio.Server:
    """Return a threading-mode server with the test protocol installed."""
    sio = socketio.Server(async_mode='threading', ping_interval=5, ping_timeout=5, **kwargs)
    sio.reasons = reasons = []  # type: ignore[attr-defined]
    auths: Dict[str, Any] = {}

    def refuse(message: str, data: Any) -> None:
        raise socketio.exceptions.ConnectionRefusedError(message, data)

    @sio.on('connect')
    def connect(sid: str, environ: Dict[str, Any], auth: Any = None) -> None:
        auth = auth or {}
        if auth.get('refuse'):
            refuse('refused by /', {'code': 401, 'nsp': '/'})
        auths[sid] = auth

    @sio.on('connect', namespace='/chat')
    def connect_chat(sid: str, environ: Dict[str, Any], auth: Any = None) -> None:
        auth = auth or {}
        if auth.get('token') != 'secret':
            refuse('not authorized', {'code': 403, 'token': auth.get('token')})
        auths[sid] = auth

    @sio.on('connect', namespace='/private')
    def connect_private(sid: str, environ: Dict[str, Any], auth: Any = None) -> None:
        refuse('private', {'code': 403, 'why': 'private'})

    def install(nsp: str) -> None:
        @sio.on('disconnect', namespace=nsp)
        def disconnect(sid: str, reason: str) -> None:
            reasons.append([nsp, reason])

        @sio.on('echo', namespace=nsp)
        def echo(sid: str, *args: Any) -> Any:
            return args

        @sio.on('describe', namespace=nsp)
        def describe_args(sid: str, *args: Any) -> Any:
            return describe(args)

        @sio.on('whoami', namespace=nsp)
        def whoami(sid: str) -> Any:
            return {'nsp': nsp, 'id': sid, 'auth': auths.get(sid, {}),
                    'transport': sio.transport(sid, namespace=nsp)}

        @sio.on('push', namespace=nsp)
        def push(sid: str, event: str, *args: Any) -> Any:
            sio.emit(event, args, to=sid, namespace=nsp)
            return ()

        @sio.on('push_binary', namespace=nsp)
        def push_binary(sid: str) -> Any:
            sio.emit('binary', ({'top': bytes([0, 1, 2, 255]),
                                 'list': [b'xy', {'deep': b'z'}]}, 'text', 42),
                     to=sid, namespace=nsp)
            return ()

        def asker(timeout: float) -> Callable[..., Any]:
            def ask(sid: str, event: str, *args: Any) -> Any:
                try:
                    return {'answer': sio.call(event, args, to=sid, namespace=nsp,
                                               timeout=timeout)}
                except socketio.exceptions.TimeoutError:
                    return {'error': 'operation has timed out'}
            return ask

        sio.on('ask', asker(5), namespace=nsp)
        sio.on('ask_briefly', asker(0.3), namespace=nsp)

        @sio.on('kick', namespace=nsp)
        def kick(sid: str) -> Any:
            def later() -> None:
                sio.sleep(0.02)
                sio.disconnect(sid, namespace=nsp)
            sio.start_background_task(later)
            return ()

        @sio.on('reasons', namespace=nsp)
        def get_reasons(sid: str) -> List[Any]:
            return [list(r) for r in reasons]

    install('/')
    install('/chat')
    return sio


def main(port: int) -> None:
    """Serve the test server on 127.0.0.1:``port`` until killed."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Handler(WSGIRequestHandler):
        def connection_dropped(self, error: BaseException, environ: Any = None) -> None:
            self.close_connection = True  # a finished WebSocket: no more HTTP

        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass

    app = socketio.WSGIApp(build_server())
    server = make_server('127.0.0.1', port, app, threaded=True, request_handler=Handler)
    print('{"listening": %d}' % port, flush=True)
    server.serve_forever()


if __name__ == '__main__':
    main(int(sys.argv[1]))
