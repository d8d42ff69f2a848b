"""Servers for the end-to-end benchmark, one per process.

Usage: ``python benchmarks/servers.py KIND PORT`` with KIND one of

* ``sio-asgi``: :class:`socketio.AsyncServer` under Uvicorn;
* ``sio-wsgi``: :class:`socketio.Server` (threading mode) under the WSGI
  server named by ``--wsgi`` (default ``werkzeug``);
* ``eio-asgi`` / ``eio-wsgi``: the same with a bare python-engineio server,
  the ceiling under us.

Workloads, the same for every kind: an ``echo`` event is acknowledged with
its argument (bare Engine.IO: a message starting with ``e`` is sent back),
and a ``bcast`` event is emitted as ``msg`` to every client (bare
Engine.IO: a message starting with ``b`` is sent to every client, in a loop).
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import engineio  # noqa: E402

import socketio  # noqa: E402

KINDS = ('sio-asgi', 'sio-wsgi', 'eio-asgi', 'eio-wsgi')


def sio_async_app() -> object:
    sio = socketio.AsyncServer(async_mode='asgi')

    @sio.on('echo')
    async def echo(sid, data):
        return data

    @sio.on('bcast')
    async def bcast(sid, data):
        await sio.emit('msg', data)

    return socketio.ASGIApp(sio)


def sio_sync_app() -> object:
    sio = socketio.Server(async_mode='threading')

    @sio.on('echo')
    def echo(sid, data):
        return data

    @sio.on('bcast')
    def bcast(sid, data):
        sio.emit('msg', data)

    return socketio.WSGIApp(sio)


def eio_async_app() -> object:
    eio = engineio.AsyncServer(async_mode='asgi')
    clients = {}

    @eio.on('connect')
    async def connect(sid, environ):
        clients[sid] = True

    @eio.on('disconnect')
    async def disconnect(sid, reason=None):
        clients.pop(sid, None)

    @eio.on('message')
    async def message(sid, data):
        if data[0] == 'e':
            await eio.send(sid, data)
        elif data[0] == 'b':
            for client in list(clients):
                await eio.send(client, data)

    return engineio.ASGIApp(eio)


def eio_sync_app() -> object:
    eio = engineio.Server(async_mode='threading')
    clients = {}

    @eio.on('connect')
    def connect(sid, environ):
        clients[sid] = True

    @eio.on('disconnect')
    def disconnect(sid, reason=None):
        clients.pop(sid, None)

    @eio.on('message')
    def message(sid, data):
        if data[0] == 'e':
            eio.send(sid, data)
        elif data[0] == 'b':
            for client in list(clients):
                eio.send(client, data)

    return engineio.WSGIApp(eio)


def serve_asgi(app: object, port: int) -> None:
    import uvicorn
    uvicorn.run(app, host='127.0.0.1', port=port, log_level='warning', access_log=False,
                lifespan='off')


def serve_wsgi(app: object, port: int, server: str) -> None:
    if server == 'werkzeug':
        from werkzeug.serving import make_server
        make_server('127.0.0.1', port, app, threaded=True).serve_forever()
    else:  # pragma: no cover - optional
        raise SystemExit(f'unknown WSGI server {server}')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('kind', choices=KINDS)
    parser.add_argument('port', type=int)
    parser.add_argument('--wsgi', default='werkzeug')
    args = parser.parse_args()
    if args.kind == 'sio-asgi':
        serve_asgi(sio_async_app(), args.port)
    elif args.kind == 'eio-asgi':
        serve_asgi(eio_async_app(), args.port)
    elif args.kind == 'sio-wsgi':
        serve_wsgi(sio_sync_app(), args.port, args.wsgi)
    else:
        serve_wsgi(eio_sync_app(), args.port, args.wsgi)


if __name__ == '__main__':
    main()
