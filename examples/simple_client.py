"""SimpleClient: Socket.IO from a script, without event handlers.

    python examples/simple_client.py --url http://127.0.0.1:5000

Events the server sends are queued; ``receive`` takes the next one, waiting
for it if needed. ``call`` sends an event and returns the server's
acknowledgement. Leaving the ``with`` block disconnects. (For asyncio, use
``socketio.AsyncSimpleClient`` with ``async with`` and ``await``.)
"""
import argparse

import socketio

parser = argparse.ArgumentParser()
parser.add_argument('--url', default='http://127.0.0.1:5000')
url = parser.parse_args().url

with socketio.SimpleClient() as sio:
    sio.connect(url, auth={'token': 'example'})
    print('connected as', sio.sid, 'over', sio.transport)

    print('echo:', sio.call('echo', {'text': 'hello'}, timeout=10))

    sio.emit('broadcast', 'hi everyone')
    event, data = sio.receive(timeout=10)  # -> ['news', {...}]
    print(f'{event}:', data['data'])
print('disconnected')
