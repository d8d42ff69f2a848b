"""An asyncio Socket.IO client.

    python examples/client_async.py --url http://127.0.0.1:5000

The same conversation as client_sync.py, written with ``AsyncClient``:
every method that talks to the server is awaited, and handlers may be
coroutines.
"""
import argparse
import asyncio

import socketio

sio = socketio.AsyncClient()
news_arrived = asyncio.Event()


@sio.event
async def connect():
    print('connected as', sio.get_sid())


@sio.event
async def news(data):
    print('news:', data['data'])
    news_arrived.set()


@sio.event
async def disconnect(reason):
    print('disconnected:', reason)


async def main(url):
    await sio.connect(url, auth={'token': 'example'})
    print('echo:', await sio.call('echo', {'text': 'hello'}, timeout=10))
    await sio.emit('broadcast', 'hi everyone')
    await asyncio.wait_for(news_arrived.wait(), 10)
    await sio.disconnect()


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--url', default='http://127.0.0.1:5000')
    asyncio.run(main(parser.parse_args().url))
