"""The client of examples/server_recovery.py: recovery, timeouts, bursts.

    python examples/client_recovery.py --url http://127.0.0.1:5000 --ticks 10

It prints the ``tick`` events of the server until it has seen ``--ticks`` of
them. When its connection drops, it connects again by itself; the server
recovers its session, so ``client.recovered`` is true and the ticks go on
without a hole. (Stop the network for a moment, or put a proxy in between and
cut it, to see it.)

It also answers the server's ``question``, emits an event whose answer comes
too late (``timeout=1``: its ``on_timeout`` runs, its callback never does),
and sends 50 ``note`` events at once: over long-polling (``--transport
polling``) they travel in one HTTP request.
"""
import argparse
import asyncio

import socketio

client = socketio.AsyncClient(reconnection_delay=0.2, reconnection_delay_max=1)
seen = []
enough = asyncio.Event()
wanted = 10


@client.event
async def connect():
    print(f'connected as {client.get_sid()}, recovered: {client.recovered}', flush=True)


@client.event
async def disconnect(reason):
    print(f'disconnected: {reason}', flush=True)


@client.event
async def tick(count):
    print(f'tick {count}', flush=True)
    seen.append(count)
    if len(seen) >= wanted:
        enough.set()


@client.event
async def question(text):
    return 'yes'  # the acknowledgement the server waits for


async def main(url, transport):
    await client.connect(url, auth={'name': 'example'},
                         transports=[transport] if transport else None)
    timed_out = asyncio.Event()
    await client.emit('slow', 2, callback=lambda answer: print('too late:', answer),
                      timeout=1, on_timeout=timed_out.set)
    for n in range(50):
        await client.emit('note', f'note {n}')
    print('notes:', await client.call('notes', timeout=10), flush=True)
    await asyncio.wait_for(timed_out.wait(), 10)
    print('slow: no answer within 1 second', flush=True)
    await asyncio.wait_for(enough.wait(), 120)
    holes = sorted(set(range(seen[0], seen[-1] + 1)) - set(seen))
    print(f'ticks {seen[0]} to {seen[-1]}, missing: {holes}', flush=True)
    await client.disconnect()


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--url', default='http://127.0.0.1:5000')
    parser.add_argument('--ticks', type=int, default=10)
    parser.add_argument('--transport', choices=['websocket', 'polling'])
    args = parser.parse_args()
    wanted = args.ticks
    asyncio.run(main(args.url, args.transport))
