"""Emit Socket.IO events from a process that is not a server (Celery-style).

A Celery worker, a cron job or a script often needs to tell connected clients
that something happened. If the Socket.IO servers share a Redis message queue::

    mgr = socketio.RedisManager('redis://localhost:6379/0')
    sio = socketio.Server(client_manager=mgr)

then any other process can emit through that queue with a *write-only*
manager: it publishes, never listens, and needs no server of its own::

    external_sio = socketio.RedisManager('redis://localhost:6379/0', write_only=True)
    external_sio.emit('job_done', {'job': 42}, room=user_sid)

Every server applies the emit to its own clients, so the event reaches the
client wherever it is connected. Messages on the queue are JSON (never pickle).
A write-only manager cannot ask for acknowledgement callbacks.

Run it against a server that uses a ``RedisManager`` on the same channel::

    python examples/write_only_emitter.py --url redis://localhost:6379/0 \\
        --event job_done --data '{"job": 42}' [--to ROOM_OR_SID] [--channel socketio]
"""
import argparse
import json

import socketio


def job_done(emitter, job_id, result, to=None):
    """What a Celery task would call when its work is finished."""
    emitter.emit('job_done', {'job': job_id, 'result': result}, room=to)


def main(argv=None):
    parser = argparse.ArgumentParser(description='Emit an event through a Redis queue.')
    parser.add_argument('--url', default='redis://localhost:6379/0', help='Redis URL')
    parser.add_argument('--channel', default='socketio',
                        help='channel shared with the servers (Flask-SocketIO: flask-socketio)')
    parser.add_argument('--event', default='job_done', help='event name')
    parser.add_argument('--data', default='{"job": 1, "result": "ok"}',
                        help='event data, as JSON')
    parser.add_argument('--namespace', default='/', help='namespace')
    parser.add_argument('--to', default=None, help='a room or sid (default: everyone)')
    args = parser.parse_args(argv)

    external_sio = socketio.RedisManager(args.url, channel=args.channel, write_only=True)
    external_sio.emit(args.event, json.loads(args.data), namespace=args.namespace,
                      room=args.to)
    print(f'emitted {args.event!r} to {args.to or "everyone"} on channel {args.channel!r}')


if __name__ == '__main__':
    main()
