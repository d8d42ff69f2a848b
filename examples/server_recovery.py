"""Connections that survive: an asyncio server with connection state recovery
and acknowledgement timeouts, run by Uvicorn.

    python examples/server_recovery.py --port 5000
    python examples/client_recovery.py --url http://127.0.0.1:5000

Every client joins the room ``ticks``, which gets a ``tick`` event with a
counter every ``--interval`` seconds. When a client's connection drops (the
network, not a deliberate disconnect) and it comes back within two minutes,
it keeps its sid, its rooms and its session, and receives the ticks it
missed, in order: the connect handler sees ``sio.is_recovered(sid)``.

The server asks each new client a ``question`` and gives it five seconds to
answer (``emit(..., callback=..., timeout=5, on_timeout=...)``). Clients may
send ``note`` events in bursts, over WebSocket or long-polling alike.
"""
import argparse
import asyncio

import uvicorn

import socketio

sio = socketio.AsyncServer(async_mode='asgi', connection_state_recovery={
    'max_disconnection_duration': 120,  # seconds a session is kept
})
interval = 1.0


async def ticker():
    count = 0
    while True:
        await sio.sleep(interval)
        await sio.emit('tick', count, to='ticks')
        count += 1


async def start_ticker():
    sio.start_background_task(ticker)

app = socketio.ASGIApp(sio, on_startup=start_ticker)


@sio.event
async def connect(sid, environ, auth):
    if sio.is_recovered(sid):  # same sid, rooms and session; missed ticks sent
        session = await sio.get_session(sid)
        print(f'{session["name"]} is back ({sid})', flush=True)
        return
    name = (auth or {}).get('name', 'anonymous')
    print(f'{name} connected ({sid})', flush=True)
    await sio.enter_room(sid, 'ticks')
    await sio.save_session(sid, {'name': name, 'notes': 0})

    def answered(answer):
        print(f'{name} answered: {answer}', flush=True)

    def no_answer():
        print(f'{name} did not answer in time', flush=True)

    await sio.emit('question', 'still there?', to=sid, callback=answered, timeout=5,
                   on_timeout=no_answer)


@sio.event
async def note(sid, text):
    async with sio.session(sid) as session:
        session['notes'] += 1


@sio.event
async def notes(sid):
    return (await sio.get_session(sid))['notes']


@sio.event
async def slow(sid, seconds):
    await sio.sleep(seconds)  # the client gave up waiting before this answer
    return 'finally'


@sio.event
async def disconnect(sid, reason):
    print(f'{sid} disconnected ({reason})', flush=True)


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--port', type=int, default=5000)
    parser.add_argument('--interval', type=float, default=1.0,
                        help='seconds between two ticks')
    args = parser.parse_args()
    interval = args.interval
    print(f'listening on http://127.0.0.1:{args.port}', flush=True)
    asyncio.run(uvicorn.Server(uvicorn.Config(app, host='127.0.0.1', port=args.port,
                                              log_level='warning')).serve())
