"""Demo chat: nicknames, rooms, who is online, and acknowledged messages.

Run it with ``bash scripts/demo.sh`` or directly::

    python examples/chat/app.py                 # http://127.0.0.1:5000
    python examples/chat/app.py --port 5001
    python examples/chat/app.py --redis redis://127.0.0.1:6379/0

The server is a standard :class:`socketio.Server` in ``threading`` mode,
wrapped in :class:`socketio.WSGIApp` (which also serves the web page) and run
by Werkzeug's threaded development server, which handles WebSocket through
the ``simple-websocket`` package.

With ``--redis URL`` (or the ``SOCKETIO_REDIS`` environment variable) the
server uses :class:`socketio.RedisManager`, so several processes, for example
on ports 5000 and 5001, share one chat: a message sent to a room reaches the
room's members on every process. The list of who is online is then also kept
in Redis, because each process only knows its own clients.

Events the browser (or any Socket.IO client) can emit, all acknowledged:

``hello``
    -> ``{"nickname", "rooms"}``: the nickname given by ``auth`` or made up
``set_nickname`` ``{"nickname"}``
    -> ``{"ok", "nickname"}``
``join`` / ``leave`` ``{"room"}``
    -> ``{"ok", "room", "users"}``
``list_rooms``
    -> ``[{"name", "count"}, ...]``
``message`` ``{"room", "text", "id"}``
    -> ``{"ok", "id", "time"}``; the ack is what the page shows as "delivered"

Events the server emits: ``message`` (to the room, except the sender),
``users`` ``{"room", "users"}`` (to the room) and ``rooms`` (to everyone).
"""
from __future__ import annotations

import argparse
import atexit
import logging
import os
import signal
import sys
import threading
import time
import uuid
from typing import Dict, List, Optional

import socketio

HERE = os.path.dirname(os.path.abspath(__file__))
STATIC = os.path.join(HERE, 'static')
DEFAULT_ROOMS = ['lobby']
MAX_NICKNAME = 24
MAX_ROOM = 32
MAX_TEXT = 2000


# ---------------------------------------------------------------------------
# Who is online: a small store of (room, sid) -> nickname.
# ---------------------------------------------------------------------------
class MemoryPresence:
    """Presence for a single process, kept in a dictionary."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: Dict[str, Dict[str, str]] = {}  # room -> {sid: nickname}

    def add(self, room: str, sid: str, nickname: str) -> None:
        with self.lock:
            self.entries.setdefault(room, {})[sid] = nickname

    def remove(self, room: str, sid: str) -> None:
        with self.lock:
            members = self.entries.get(room, {})
            members.pop(sid, None)
            if not members:
                self.entries.pop(room, None)

    def members(self, room: str) -> List[str]:
        with self.lock:
            return sorted(self.entries.get(room, {}).values(), key=str.lower)

    def counts(self) -> Dict[str, int]:
        with self.lock:
            return {room: len(members) for room, members in self.entries.items()}


class RedisPresence:
    """Presence shared by several processes through Redis.

    Each process writes its own hash (field ``room\\0sid``, value nickname)
    with a short expiry that a background thread keeps renewing, so entries
    of a process that died disappear by themselves.
    """

    ttl = 30

    def __init__(self, url: str) -> None:
        import redis  # only needed with --redis

        self.redis = redis.Redis.from_url(url, decode_responses=True)
        self.key = 'socketio-demo-chat:presence:' + uuid.uuid4().hex
        thread = threading.Thread(target=self._keep_alive, daemon=True)
        thread.start()

    def _keep_alive(self) -> None:
        while True:
            time.sleep(self.ttl / 3)
            try:
                self.redis.expire(self.key, self.ttl)
            except Exception:  # Redis restarting: try again later
                pass

    def add(self, room: str, sid: str, nickname: str) -> None:
        self.redis.hset(self.key, f'{room}\0{sid}', nickname)
        self.redis.expire(self.key, self.ttl)

    def remove(self, room: str, sid: str) -> None:
        self.redis.hdel(self.key, f'{room}\0{sid}')

    def _all(self):
        for key in self.redis.scan_iter('socketio-demo-chat:presence:*'):
            for field, nickname in self.redis.hgetall(key).items():
                room, _, _sid = field.partition('\0')
                yield room, nickname

    def members(self, room: str) -> List[str]:
        return sorted((nick for r, nick in self._all() if r == room), key=str.lower)

    def counts(self) -> Dict[str, int]:
        counts: Dict[str, int] = {}
        for room, _nick in self._all():
            counts[room] = counts.get(room, 0) + 1
        return counts

    def close(self) -> None:
        try:
            self.redis.delete(self.key)
        except Exception:
            pass


# ---------------------------------------------------------------------------
# The Socket.IO server and its event handlers.
# ---------------------------------------------------------------------------
def clean(data, key: str, limit: int) -> str:
    """Take ``data[key]`` from untrusted input as a short single-line string."""
    value = data.get(key) if isinstance(data, dict) else None
    text = value if isinstance(value, str) else ''
    return ' '.join(text.split())[:limit]


def create_server(redis_url: Optional[str] = None) -> socketio.Server:
    if redis_url:
        manager = socketio.RedisManager(redis_url)
        presence = RedisPresence(redis_url)
        atexit.register(presence.close)
    else:
        manager = None  # the default: socketio.Manager, in memory
        presence = MemoryPresence()
    # CORS is left at its default: only pages served by this server may connect.
    sio = socketio.Server(async_mode='threading', client_manager=manager)

    def room_list() -> List[dict]:
        counts = presence.counts()
        names = sorted(set(DEFAULT_ROOMS) | set(counts), key=str.lower)
        return [{'name': name, 'count': counts.get(name, 0)} for name in names]

    def channel(room: str) -> str:
        """The Socket.IO room of a chat room. Users name chat rooms, so a
        prefix keeps them apart from the rooms named after each client's
        sid, even those of other processes (a client's own room is private:
        entering another one fails, but only for sids this process knows)."""
        return 'chat:' + room

    def announce(room: str) -> None:
        """Tell a room who is in it, and everyone which rooms exist."""
        sio.emit('users', {'room': room, 'users': presence.members(room)}, to=channel(room))
        sio.emit('rooms', room_list())

    @sio.event
    def connect(sid, environ, auth=None):
        nickname = clean(auth, 'nickname', MAX_NICKNAME) or 'guest-' + sid[:4]
        sio.save_session(sid, {'nickname': nickname, 'rooms': set()})

    @sio.event
    def hello(sid, data=None):
        return {'nickname': sio.get_session(sid)['nickname'], 'rooms': room_list()}

    @sio.event
    def set_nickname(sid, data):
        nickname = clean(data, 'nickname', MAX_NICKNAME)
        if not nickname:
            return {'ok': False, 'error': 'empty nickname'}
        with sio.session(sid) as session:
            session['nickname'] = nickname
            rooms = list(session['rooms'])
        for room in rooms:  # show the new name in every room the user is in
            presence.add(room, sid, nickname)
            announce(room)
        return {'ok': True, 'nickname': nickname}

    @sio.event
    def join(sid, data):
        room = clean(data, 'room', MAX_ROOM)
        if not room:
            return {'ok': False, 'error': 'empty room name'}
        with sio.session(sid) as session:
            session['rooms'].add(room)
            nickname = session['nickname']
        sio.enter_room(sid, channel(room))
        presence.add(room, sid, nickname)
        announce(room)
        return {'ok': True, 'room': room, 'users': presence.members(room)}

    @sio.event
    def leave(sid, data):
        room = clean(data, 'room', MAX_ROOM)
        with sio.session(sid) as session:
            if room not in session['rooms']:
                return {'ok': False, 'room': room, 'error': 'not in this room'}
            session['rooms'].discard(room)
        sio.leave_room(sid, channel(room))
        presence.remove(room, sid)
        announce(room)
        return {'ok': True, 'room': room, 'users': presence.members(room)}

    @sio.event
    def list_rooms(sid, data=None):
        return room_list()

    @sio.event
    def message(sid, data):
        data = data if isinstance(data, dict) else {}
        room = clean(data, 'room', MAX_ROOM)
        text = data.get('text') if isinstance(data.get('text'), str) else ''
        text = text[:MAX_TEXT].strip()
        session = sio.get_session(sid)
        if room not in session['rooms']:
            return {'ok': False, 'id': data.get('id'), 'error': 'join the room first'}
        if not text:
            return {'ok': False, 'id': data.get('id'), 'error': 'empty message'}
        now = time.time()
        sio.emit('message', {'room': room, 'from': session['nickname'], 'text': text,
                             'id': data.get('id'), 'time': now}, to=channel(room), skip_sid=sid)
        # The return value is the acknowledgement: the page marks the message
        # as delivered when it arrives.
        return {'ok': True, 'id': data.get('id'), 'time': now}

    @sio.event
    def disconnect(sid, reason=None):
        for room in list(sio.get_session(sid).get('rooms', ())):
            presence.remove(room, sid)
            announce(room)

    return sio


def create_app(redis_url: Optional[str] = None) -> socketio.WSGIApp:
    sio = create_server(redis_url)
    return socketio.WSGIApp(sio, static_files={
        '/': os.path.join(STATIC, 'index.html'),
        # the favicon types are given here, as Engine.IO's table has neither;
        # /favicon.ico is what browsers ask for when a page names no icon
        '/favicon.ico': {'filename': os.path.join(STATIC, 'favicon.ico'),
                         'content_type': 'image/x-icon'},
        '/static/favicon.svg': {'filename': os.path.join(STATIC, 'favicon.svg'),
                                'content_type': 'image/svg+xml'},
        '/static': STATIC,
    })


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description='Socket.IO demo chat')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=int(os.environ.get('PORT', 5000)))
    parser.add_argument('--redis', metavar='URL', default=os.environ.get('SOCKETIO_REDIS'),
                        help='share the chat with other processes through Redis '
                             '(e.g. redis://127.0.0.1:6379/0); env SOCKETIO_REDIS')
    args = parser.parse_args(argv)

    from werkzeug.serving import run_simple

    logging.getLogger('werkzeug').setLevel(logging.WARNING)  # no line per request
    app = create_app(args.redis)
    # A plain `kill` (SIGTERM) should run the atexit clean-up too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    mode = f'shared through Redis at {args.redis}' if args.redis else 'in memory'
    print(f'demo chat ({mode}) on http://{args.host}:{args.port}  (Ctrl+C to stop)',
          flush=True)
    run_simple(args.host, args.port, app, threaded=True)


if __name__ == '__main__':
    main()
