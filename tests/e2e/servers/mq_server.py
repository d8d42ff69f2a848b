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

Cluster requests (docs/cluster.rst), where the release has them:
``call_all``, ``fetch``, ``sockets_join``, ``sockets_leave``,
``disconnect_sockets``, ``server_emit`` (their arguments in one dict, the
result as JSON) and ``host_id``. Server-side events: ``ping`` answers
``pong:<host_id>:<data>``, ``note`` is recorded and ``notes`` returns them.
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

    if hasattr(sio, 'call_all'):
        ops = ClusterOps(sio, mgr)
        for name in CLUSTER_OPS:
            sio.on(name, getattr(ops, name))
        sio.on_server_event('ping', ops.on_ping)
        sio.on_server_event('note', ops.on_note)

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

    if hasattr(sio, 'call_all'):
        ops = AsyncClusterOps(sio, mgr)
        for name in CLUSTER_OPS:
            sio.on(name, getattr(ops, name))
        sio.on_server_event('ping', ops.on_ping)
        sio.on_server_event('note', ops.on_note)

    return socketio.ASGIApp(sio)


CLUSTER_OPS = ('call_all', 'fetch', 'sockets_join', 'sockets_leave', 'disconnect_sockets',
               'server_emit', 'host_id', 'notes')


def call_result(results):
    return {'answers': dict(results), 'missing_sids': results.missing_sids,
            'missing_hosts': results.missing_hosts}


def fetch_result(sockets):
    return {'sockets': [dict(s._asdict(), rooms=sorted(map(str, s.rooms))) for s in sockets],
            'missing_hosts': sockets.missing_hosts}


def server_emit_result(answers):
    if answers is None:
        return None
    return {'answers': list(answers), 'hosts': answers.hosts,
            'missing_hosts': answers.missing_hosts}


class ClusterOps:
    """The cluster requests for clients to drive, on a ``socketio.Server``."""

    def __init__(self, sio, mgr):
        self.sio, self.mgr, self.received = sio, mgr, []

    def call_all(self, sid, spec):
        return call_result(self.sio.call_all(spec['event'], spec.get('data'), to=spec.get('to'),
                                             skip_sid=spec.get('skip_sid'),
                                             timeout=spec.get('timeout', 10)))

    def fetch(self, sid, spec):
        return fetch_result(self.sio.fetch_sockets(room=spec.get('room'),
                                                   timeout=spec.get('timeout', 5)))

    def sockets_join(self, sid, spec):
        self.sio.sockets_join(spec['rooms'], room=spec.get('room'))
        return 'ok'

    def sockets_leave(self, sid, spec):
        self.sio.sockets_leave(spec['rooms'], room=spec.get('room'))
        return 'ok'

    def disconnect_sockets(self, sid, spec):
        self.sio.disconnect_sockets(room=spec.get('room'), close=spec.get('close', False))
        return 'ok'

    def server_emit(self, sid, spec):
        return server_emit_result(self.sio.server_side_emit(
            spec['event'], spec.get('data'), timeout=spec.get('timeout')))

    def host_id(self, sid, *_):
        return self.mgr.host_id

    def notes(self, sid, *_):
        return self.received

    def on_ping(self, data):
        return f'pong:{self.mgr.host_id}:{data}'

    def on_note(self, *args):
        self.received.append(list(args))


class AsyncClusterOps(ClusterOps):
    """The same on a ``socketio.AsyncServer``."""

    async def call_all(self, sid, spec):
        return call_result(await self.sio.call_all(
            spec['event'], spec.get('data'), to=spec.get('to'), skip_sid=spec.get('skip_sid'),
            timeout=spec.get('timeout', 10)))

    async def fetch(self, sid, spec):
        return fetch_result(await self.sio.fetch_sockets(room=spec.get('room'),
                                                         timeout=spec.get('timeout', 5)))

    async def sockets_join(self, sid, spec):
        await self.sio.sockets_join(spec['rooms'], room=spec.get('room'))
        return 'ok'

    async def sockets_leave(self, sid, spec):
        await self.sio.sockets_leave(spec['rooms'], room=spec.get('room'))
        return 'ok'

    async def disconnect_sockets(self, sid, spec):
        await self.sio.disconnect_sockets(room=spec.get('room'), close=spec.get('close', False))
        return 'ok'

    async def server_emit(self, sid, spec):
        return server_emit_result(await self.sio.server_side_emit(
            spec['event'], spec.get('data'), timeout=spec.get('timeout')))

    async def on_ping(self, data):
        return f'pong:{self.mgr.host_id}:{data}'


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
