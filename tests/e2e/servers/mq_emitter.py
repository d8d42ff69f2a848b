"""An external (write-only) emitter for the message-queue e2e tests.

Usage: ``mq_emitter.py KIND URL CHANNEL``; it prints ``ready``, then reads one
JSON list of commands per line on stdin and prints ``done`` when all of them
were published. Commands are objects: ``{"op": "emit", "event", "data", "to", "skip_sid",
"binary"}``, ``{"op": "disconnect", "sid"}``, ``{"op": "enter_room" |
"leave_room", "sid", "room"}``, ``{"op": "close_room", "room"}``,
``{"op": "garbage"}`` (publishes invalid messages straight on the channel) and
``{"op": "publish_raw", "message"}`` (publishes a message dict as it is, unsigned),
and the cluster actions ``{"op": "sockets_join" | "sockets_leave", "rooms", "room"}``,
``{"op": "disconnect_sockets", "room", "close"}`` and ``{"op": "server_emit", "event",
"data"}`` (without answers).
"""
import asyncio
import json
import sys

from mq_server import SYNC_KINDS, make_manager

GARBAGE = b'this is {not json'
#: a reference to a large PostgreSQL message that does not exist
DANGLING_REF = '{"ref": -1}'


def run_command(mgr, command):
    """Return what performing ``command`` returns (an awaitable for async kinds)."""
    op = command['op']
    if op == 'emit':
        data = command.get('data')
        if command.get('binary'):
            data = data.encode()
        return mgr.emit(command['event'], data, namespace='/', room=command.get('to'),
                        skip_sid=command.get('skip_sid'))
    if op == 'disconnect':
        return mgr.disconnect(command['sid'], '/')
    if op in ('enter_room', 'leave_room'):
        return getattr(mgr, op)(command['sid'], '/', command['room'])
    if op == 'close_room':
        return mgr.close_room(command['room'], '/')
    if op == 'publish_raw':  # straight to the broker: not signed by the manager
        return mgr._publish(command['message'])
    if op in ('sockets_join', 'sockets_leave'):
        return getattr(mgr, op)(command['rooms'], '/', room=command.get('room'))
    if op == 'disconnect_sockets':
        return mgr.disconnect_sockets('/', room=command.get('room'),
                                      close=command.get('close', False))
    if op == 'server_emit':
        return mgr.server_side_emit(command['event'], command.get('data'), '/')
    raise ValueError(op)


def sync_garbage(kind, mgr):
    if kind == 'redis':
        if mgr.redis is None:
            mgr._redis_connect()
        mgr.redis.publish(mgr.channel, GARBAGE)
        mgr.redis.publish(mgr.channel, json.dumps({'method': 'emit', 'event': 'x'}))
    elif kind == 'kombu':
        mgr.producer.publish(GARBAGE)
        mgr.producer.publish(json.dumps({'method': 'emit', 'event': 'x'}))
    elif kind == 'kafka':
        producer = mgr._kafka_producer()
        producer.send(mgr.channel, value=GARBAGE, key=mgr.channel.encode())
        producer.send(mgr.channel, value=b'{"method": "bogus"}', key=mgr.channel.encode())
        producer.flush(5)
    elif kind == 'zmq':
        mgr.sink.send(GARBAGE)
        mgr.sink.send(json.dumps({'type': 'message', 'channel': mgr.channel,
                                  'data': {'method': 'emit', 'event': 'x'}}).encode())
    elif kind == 'nats':
        client = mgr._publisher()
        client.publish(mgr.channel, GARBAGE)
        client.publish(mgr.channel, b'{"method": "emit", "event": "x"}')
        client.flush(5)
    elif kind == 'postgres':
        connection = mgr._publisher()
        for payload in (GARBAGE.decode(), '{"method": "emit", "event": "x"}', DANGLING_REF):
            connection.execute('SELECT pg_notify(%s, %s)', (mgr.channel, payload))


async def async_garbage(kind, mgr):
    if kind == 'aioredis':
        if mgr.redis is None:
            mgr._redis_connect()
        await mgr.redis.publish(mgr.channel, GARBAGE)
        await mgr.redis.publish(mgr.channel, json.dumps({'method': 'emit', 'event': 'x'}))
    elif kind == 'aionats':
        client = await mgr._publisher()
        await client.publish(mgr.channel, GARBAGE)
        await client.publish(mgr.channel, b'{"method": "emit", "event": "x"}')
        await client.flush(5)
    elif kind == 'aiopostgres':
        connection = await mgr._publisher()
        for payload in (GARBAGE.decode(), '{"method": "emit", "event": "x"}', DANGLING_REF):
            await connection.execute('SELECT pg_notify(%s, %s)', (mgr.channel, payload))
    else:
        import aio_pika
        exchange = await mgr._publisher()
        await exchange.publish(aio_pika.Message(GARBAGE), routing_key='*')
        await exchange.publish(aio_pika.Message(b'{"method": "emit"}'), routing_key='*')


def main():
    kind, url, channel = sys.argv[1:4]
    mgr = make_manager(kind, url, channel, write_only=True)
    loop = asyncio.new_event_loop()

    async def run_async(commands):
        for command in commands:
            if command['op'] == 'garbage':
                await async_garbage(kind, mgr)
            else:
                await run_command(mgr, command)

    print('ready', flush=True)
    for line in sys.stdin:
        commands = json.loads(line)
        if kind in SYNC_KINDS:
            for command in commands:
                if command['op'] == 'garbage':
                    sync_garbage(kind, mgr)
                else:
                    run_command(mgr, command)
        else:
            loop.run_until_complete(run_async(commands))
        print('done', flush=True)
    if kind == 'kafka':
        mgr._kafka_producer().close(5)
    elif kind == 'zmq':  # let the queued frames leave before exiting
        mgr.sink.close(linger=2000)
        mgr.sink.context.term()
    elif kind == 'aiopika':
        loop.run_until_complete(mgr._close_publisher())
    elif kind == 'aioredis' and mgr.redis is not None:
        loop.run_until_complete(mgr.redis.aclose())
    elif kind in ('nats', 'postgres') and mgr.publisher is not None:
        mgr.publisher.close()
    elif kind in ('aionats', 'aiopostgres') and mgr.publisher is not None:
        loop.run_until_complete(mgr.publisher.close())
    loop.close()


if __name__ == '__main__':
    main()
