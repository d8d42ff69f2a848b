"""A Socket.IO server sharing a message queue, for the message-queue e2e tests.

Usage: ``mq_server.py KIND URL PORT CHANNEL LOGFILE``. KIND is one of
``redis``, ``kombu``, ``kafka``, ``zmq``, ``nats``, ``postgres``
(``socketio.Server`` in threading mode under Werkzeug) or ``aioredis``,
``aiopika``, ``aionats``, ``aiopostgres`` (``socketio.AsyncServer`` under
Uvicorn). Warnings and errors are logged to LOGFILE.

Clients drive it with events: ``join`` (enter a room), ``emit`` (emit as told),
``call`` (call a client, possibly on another server, and return its answer),
``kick`` (disconnect a sid), ``enter`` / ``leave`` (move any sid in or out of
a room), ``close`` (close a room), ``stats`` (the manager's counters). The
environment variable MQ_OPTIONS may hold JSON of more manager arguments.
"""
import json
import logging
import os
import sys

import socketio

SYNC_KINDS = ('redis', 'kombu', 'kafka', 'zmq', 'nats', 'postgres')
LOGGER = logging.getLogger('mq_server')  # WARNING and up, to the log file


def make_manager(kind, url, channel, write_only=False):
    """Build the manager of ``kind``."""
    names = {'redis': 'RedisManager', 'kombu': 'KombuManager', 'kafka': 'KafkaManager',
             'zmq': 'ZmqManager', 'nats': 'NatsManager', 'postgres': 'PostgresManager',
             'aioredis': 'AsyncRedisManager', 'aiopika': 'AsyncAioPikaManager',
             'aionats': 'AsyncNatsManager', 'aiopostgres': 'AsyncPostgresManager'}
    cls = getattr(socketio, names[kind])  # by name: an original release lacks some
    # MQ_OPTIONS: JSON of more keyword arguments (secret, max_buffered_messages)
    options = json.loads(os.environ.get('MQ_OPTIONS') or '{}')
    return cls(url, channel=channel, write_only=write_only, **options)


def counters(mgr):
    return {'dropped': mgr.dropped_messages, 'rejected': mgr.rejected_messages,
            'kept': len(mgr._backlog)}


def sync_app(mgr):
    sio = socketio.Server(client_manager=mgr, async_mode='threading', logger=LOGGER)

    @sio.on('join')
    def join(sid, room):
        sio.enter_room(sid, room)
        return 'joined'

    @sio.on('emit')
    def emit(sid, spec):
        data = spec.get('data')
        if spec.get('binary'):
            data = data.encode()
        sio.emit(spec['event'], data, to=spec.get('to'), skip_sid=spec.get('skip_sid'))
        return 'ok'

    @sio.on('call')
    def call(sid, spec):
        return sio.call(spec['event'], spec.get('data'), to=spec['to'], timeout=15)

    @sio.on('kick')
    def kick(sid, target):
        sio.disconnect(target)
        return 'ok'

    @sio.on('enter')
    def enter(sid, spec):
        sio.enter_room(spec['sid'], spec['room'])
        return 'ok'

    @sio.on('leave')
    def leave(sid, spec):
        sio.leave_room(spec['sid'], spec['room'])
        return 'ok'

    @sio.on('close')
    def close(sid, room):
        sio.close_room(room)
        return 'ok'

    @sio.on('stats')
    def stats(sid, *_):
        return counters(mgr)

    return socketio.WSGIApp(sio)


def async_app(mgr):
    sio = socketio.AsyncServer(client_manager=mgr, async_mode='asgi', logger=LOGGER)

    @sio.on('join')
    async def join(sid, room):
        await sio.enter_room(sid, room)
        return 'joined'

    @sio.on('emit')
    async def emit(sid, spec):
        data = spec.get('data')
        if spec.get('binary'):
            data = data.encode()
        await sio.emit(spec['event'], data, to=spec.get('to'), skip_sid=spec.get('skip_sid'))
        return 'ok'

    @sio.on('call')
    async def call(sid, spec):
        return await sio.call(spec['event'], spec.get('data'), to=spec['to'], timeout=15)

    @sio.on('kick')
    async def kick(sid, target):
        await sio.disconnect(target)
        return 'ok'

    @sio.on('enter')
    async def enter(sid, spec):
        await sio.enter_room(spec['sid'], spec['room'])
        return 'ok'

    @sio.on('leave')
    async def leave(sid, spec):
        await sio.leave_room(spec['sid'], spec['room'])
        return 'ok'

    @sio.on('close')
    async def close(sid, room):
        await sio.close_room(room)
        return 'ok'

    @sio.on('stats')
    async def stats(sid, *_):
        return counters(mgr)

    return socketio.ASGIApp(sio)


def main():
    kind, url, port, channel, logfile = sys.argv[1:6]
    logging.basicConfig(filename=logfile, level=logging.WARNING,
                        format='%(asctime)s %(name)s %(levelname)s %(message)s')
    logging.getLogger('werkzeug').setLevel(logging.ERROR)
    mgr = make_manager(kind, url, channel)
    if kind in SYNC_KINDS:
        from werkzeug.serving import make_server
        make_server('127.0.0.1', int(port), sync_app(mgr), threaded=True).serve_forever()
    else:
        import uvicorn
        uvicorn.run(async_app(mgr), host='127.0.0.1', port=int(port), log_level='warning')


if __name__ == '__main__':
    main()
