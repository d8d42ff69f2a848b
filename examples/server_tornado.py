"""An asyncio Socket.IO server inside a Tornado web application.

    python examples/server_tornado.py --port 5000

``socketio.get_tornado_handler`` returns a Tornado request handler class for
the server; route ``/socket.io/`` to it next to the application's own handlers.

Events: ``echo`` answers with its data (an ack); ``broadcast`` sends ``news``
to every client.
"""
import argparse
import asyncio

import tornado.web

import socketio

sio = socketio.AsyncServer(async_mode='tornado')


class MainHandler(tornado.web.RequestHandler):
    def get(self):
        self.write('Tornado is serving this page; Socket.IO lives at /socket.io/.')


@sio.event
async def connect(sid, environ, auth):
    print('connected', sid, 'auth:', auth)


@sio.event
async def echo(sid, data):
    return data  # the return value is the acknowledgement


@sio.event
async def broadcast(sid, data):
    await sio.emit('news', {'from': sid, 'data': data})  # no `to`: everyone


@sio.event
async def disconnect(sid, reason):
    print('disconnected', sid, reason)


def make_app():
    return tornado.web.Application([
        (r'/', MainHandler),
        (r'/socket.io/', socketio.get_tornado_handler(sio)),
    ])


async def main(port):
    make_app().listen(port, address='127.0.0.1')
    print(f'listening on http://127.0.0.1:{port}', flush=True)
    await asyncio.Event().wait()  # serve until the process is stopped


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--port', type=int, default=5000)
    asyncio.run(main(parser.parse_args().port))
