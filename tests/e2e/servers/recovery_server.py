"""A server with connection state recovery, for tests/e2e/test_recovery.py.

Usage: ``recovery_server.py MODE PORT [REDIS_URL CHANNEL]``. MODE is
``threading`` (``socketio.Server`` under Werkzeug), ``asgi``
(``socketio.AsyncServer`` under Uvicorn), ``aiohttp`` (an aiohttp route of
its own to ``sio.handle_request``), ``aiohttp-attach`` and ``sanic``
(``sio.attach(app)``) or ``tornado`` (``socketio.get_tornado_handler``);
with a Redis URL the threading and asgi servers use
``RedisManager``/``AsyncRedisManager`` on CHANNEL. Recovery keeps sessions
for 30 s; a client keeps at most 100 callbacks waiting for an answer.

Events (namespace ``/``, every handler answers through its ack):

* ``hello`` emits ``hi`` to the caller (an event with an offset);
* ``join(room)``, ``remember(value)`` (the user session);
* ``status`` gives the caller's sid, rooms, session, ``is_recovered`` and
  what the connect handler saw of each connection;
* ``wait_gone(sid)`` waits until ``sid`` is no longer connected here;
* ``emit_gap({sid, room, n})`` emits ``gap`` 0..n-1 to ``sid``, then
  ``gap_room`` to ``room``, ``gap_skip`` to ``room`` skipping ``sid``,
  ``gap_other`` to another room and ``gap_all`` to everyone;
* ``logged(n)`` waits until ``n`` events of ``/`` are kept for recovery;
* ``ask_never(timeout)`` emits ``never`` to the caller with a callback and
  that timeout; ``timeouts`` reports what became of them;
* ``flood(n)`` emits ``never`` n times with a callback, no timeout, and
  gives the number of callbacks left waiting;
* ``burst(i)`` records ``i``; ``burst_done`` gives what was recorded.

Handlers run in the order their events arrive (``async_handlers=False``).
"""
import asyncio
import logging
import sys
import time

import socketio

OPTIONS = dict(connection_state_recovery={'max_disconnection_duration': 30},
               max_pending_callbacks=100, async_handlers=False, ping_interval=5)


class State:
    def __init__(self):
        self.connects = {}
        self.answers = {}
        self.bursts = {}

    def pending(self, sio, sid):
        return len([k for k in sio.manager.callbacks.get(sid, {}) if k])


def sync_app(manager):
    sio = socketio.Server(async_mode='threading', client_manager=manager, **OPTIONS)
    state = State()

    @sio.event
    def connect(sid, environ, auth):
        state.connects.setdefault(sid, []).append(
            {'recovered': sio.is_recovered(sid), 'auth': auth})

    @sio.event
    def hello(sid):
        sio.emit('hi', 'there', to=sid)
        return True

    @sio.event
    def join(sid, room):
        sio.enter_room(sid, room)
        return True

    @sio.event
    def remember(sid, value):
        sio.save_session(sid, {'value': value})
        return True

    @sio.event
    def status(sid):
        return {'sid': sid, 'rooms': sorted(sio.rooms(sid)), 'session': sio.get_session(sid),
                'recovered': sio.is_recovered(sid), 'connects': state.connects.get(sid)}

    @sio.event
    def wait_gone(sid, other):
        deadline = time.monotonic() + 10
        while sio.manager.is_connected(other, '/') and time.monotonic() < deadline:
            time.sleep(0.02)
        return not sio.manager.is_connected(other, '/')

    @sio.event
    def emit_gap(sid, spec):
        for i in range(spec['n']):
            sio.emit('gap', i, to=spec['sid'])
        sio.emit('gap_room', spec['room'], to=spec['room'])
        sio.emit('gap_skip', spec['room'], to=spec['room'], skip_sid=spec['sid'])
        sio.emit('gap_other', 'x', to='nobody')
        sio.emit('gap_all', 'everyone')
        return True

    @sio.event
    def logged(sid, count):
        deadline = time.monotonic() + 10
        while sio._recovery.events('/') < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return sio._recovery.events('/')

    @sio.event
    def ask_never(sid, timeout):
        answers = state.answers.setdefault(sid, {'answered': 0, 'timed_out': 0})

        def answered(*args):
            answers['answered'] += 1

        def timed_out():
            answers['timed_out'] += 1

        sio.emit('never', 'question', to=sid, callback=answered, timeout=timeout,
                 on_timeout=timed_out)
        return True

    @sio.event
    def timeouts(sid):
        return dict(state.answers.get(sid, {}), pending=state.pending(sio, sid),
                    timers=sio.manager._acks.timers(sid))

    @sio.event
    def flood(sid, n):
        for _ in range(n):
            sio.emit('never', 'flood', to=sid, callback=lambda *args: None)
        return state.pending(sio, sid)

    @sio.event
    def burst(sid, i):
        state.bursts.setdefault(sid, []).append(i)

    @sio.event
    def burst_done(sid):
        return state.bursts.pop(sid, [])

    return socketio.WSGIApp(sio)


def async_app(manager, mode='asgi'):
    # mode: the async_mode, and how the application is wired ('aiohttp-attach')
    sio = socketio.AsyncServer(async_mode=mode.split('-')[0], client_manager=manager, **OPTIONS)
    state = State()

    @sio.event
    async def connect(sid, environ, auth):
        state.connects.setdefault(sid, []).append(
            {'recovered': sio.is_recovered(sid), 'auth': auth})

    @sio.event
    async def hello(sid):
        await sio.emit('hi', 'there', to=sid)
        return True

    @sio.event
    async def join(sid, room):
        await sio.enter_room(sid, room)
        return True

    @sio.event
    async def remember(sid, value):
        await sio.save_session(sid, {'value': value})
        return True

    @sio.event
    async def status(sid):
        return {'sid': sid, 'rooms': sorted(sio.rooms(sid)),
                'session': await sio.get_session(sid), 'recovered': sio.is_recovered(sid),
                'connects': state.connects.get(sid)}

    @sio.event
    async def wait_gone(sid, other):
        deadline = time.monotonic() + 10
        while sio.manager.is_connected(other, '/') and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        return not sio.manager.is_connected(other, '/')

    @sio.event
    async def emit_gap(sid, spec):
        for i in range(spec['n']):
            await sio.emit('gap', i, to=spec['sid'])
        await sio.emit('gap_room', spec['room'], to=spec['room'])
        await sio.emit('gap_skip', spec['room'], to=spec['room'], skip_sid=spec['sid'])
        await sio.emit('gap_other', 'x', to='nobody')
        await sio.emit('gap_all', 'everyone')
        return True

    @sio.event
    async def logged(sid, count):
        deadline = time.monotonic() + 10
        while sio._recovery.events('/') < count and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        return sio._recovery.events('/')

    @sio.event
    async def ask_never(sid, timeout):
        answers = state.answers.setdefault(sid, {'answered': 0, 'timed_out': 0})

        def answered(*args):
            answers['answered'] += 1

        async def timed_out():
            answers['timed_out'] += 1

        await sio.emit('never', 'question', to=sid, callback=answered, timeout=timeout,
                       on_timeout=timed_out)
        return True

    @sio.event
    async def timeouts(sid):
        return dict(state.answers.get(sid, {}), pending=state.pending(sio, sid),
                    timers=sio.manager._acks.timers(sid))

    @sio.event
    async def flood(sid, n):
        for _ in range(n):
            await sio.emit('never', 'flood', to=sid, callback=lambda *args: None)
        return state.pending(sio, sid)

    @sio.event
    async def burst(sid, i):
        state.bursts.setdefault(sid, []).append(i)

    @sio.event
    async def burst_done(sid):
        return state.bursts.pop(sid, [])

    if mode == 'aiohttp':
        from aiohttp import web
        app = web.Application()
        app.router.add_route('*', '/socket.io/', sio.handle_request)  # a route of its own
        return app
    if mode == 'aiohttp-attach':
        from aiohttp import web
        app = web.Application()
        sio.attach(app)
        return app
    if mode == 'sanic':
        from sanic import Sanic
        app = Sanic('recovery_server')
        sio.attach(app)
        return app
    if mode == 'tornado':
        import tornado.web
        return tornado.web.Application([(r'/socket.io/', socketio.get_tornado_handler(sio))])
    return socketio.ASGIApp(sio)


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    redis_url, channel = (sys.argv[3:5] + [None, None])[:2]
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger('werkzeug').setLevel(logging.ERROR)
    if mode == 'threading':
        manager = socketio.RedisManager(redis_url, channel=channel) if redis_url else None
        from werkzeug.serving import WSGIRequestHandler, make_server

        class Handler(WSGIRequestHandler):
            def connection_dropped(self, error, environ=None):
                # a finished WebSocket: close the socket (see tests/support.py)
                self.close_connection = True

        make_server('127.0.0.1', port, sync_app(manager), threaded=True,
                    request_handler=Handler).serve_forever()
    elif mode in ('aiohttp', 'aiohttp-attach'):
        from aiohttp import web
        web.run_app(async_app(None, mode), host='127.0.0.1', port=port, print=None)
    elif mode == 'sanic':
        async_app(None, 'sanic').run(host='127.0.0.1', port=port, single_process=True,
                                     access_log=False, debug=False, motd=False)
    elif mode == 'tornado':
        async def serve():
            async_app(None, 'tornado').listen(port, address='127.0.0.1')
            await asyncio.Event().wait()

        asyncio.run(serve())
    else:
        manager = socketio.AsyncRedisManager(redis_url, channel=channel) if redis_url else None
        import uvicorn
        uvicorn.run(async_app(manager), host='127.0.0.1', port=port, log_level='warning',
                    timeout_graceful_shutdown=1)


if __name__ == '__main__':
    main()
