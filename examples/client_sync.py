"""A standard (blocking) Socket.IO client.

    python examples/client_sync.py --url http://127.0.0.1:5000

Works with any of the server examples: it asks the server to echo a value
(``call`` waits for the acknowledgement), asks it to broadcast, waits for the
``news`` event that comes back, and disconnects.
"""
import argparse
import threading

import socketio

sio = socketio.Client()
news_arrived = threading.Event()


@sio.event
def connect():
    print('connected as', sio.get_sid())


@sio.event
def news(data):  # handlers are named after the event they receive
    print('news:', data['data'])
    news_arrived.set()


@sio.event
def disconnect(reason):
    print('disconnected:', reason)


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--url', default='http://127.0.0.1:5000')
    url = parser.parse_args().url

    sio.connect(url, auth={'token': 'example'})  # returns once connected
    print('echo:', sio.call('echo', {'text': 'hello'}, timeout=10))
    sio.emit('broadcast', 'hi everyone')
    if not news_arrived.wait(10):
        raise SystemExit('no news from the server')
    sio.disconnect()
