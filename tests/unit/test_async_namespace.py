"""Unit tests of :class:`socketio.AsyncNamespace` and
:class:`socketio.AsyncClientNamespace` (``asyncio.md`` section 8.5, plus the
later ``to=``/``call()`` proxies, awaitable ``enter_room``/``leave_room`` and
the ``reason`` fallback for ``on_disconnect``)."""
import asyncio
from unittest.mock import AsyncMock, MagicMock

import pytest

import socketio
from socketio import async_namespace, asyncio_namespace


@pytest.fixture
def run():
    loop = asyncio.new_event_loop()
    yield loop.run_until_complete
    loop.close()


def server_ns(name='/foo'):
    ns = socketio.AsyncNamespace(name)
    server = MagicMock()
    for method in ('emit', 'send', 'call', 'enter_room', 'leave_room', 'close_room',
                   'get_session', 'save_session', 'disconnect'):
        setattr(server, method, AsyncMock(return_value=method))
    ns._set_server(server)
    return ns, server


def client_ns(name='/foo'):
    ns = socketio.AsyncClientNamespace(name)
    client = MagicMock()
    for method in ('emit', 'send', 'call', 'disconnect'):
        setattr(client, method, AsyncMock(return_value=method))
    ns._set_client(client)
    return ns, client


def test_aliases_and_flavour():
    assert asyncio_namespace.AsyncNamespace is async_namespace.AsyncNamespace
    assert asyncio_namespace.AsyncClientNamespace is async_namespace.AsyncClientNamespace
    assert socketio.AsyncNamespace().is_asyncio_based()
    assert socketio.AsyncClientNamespace().is_asyncio_based()
    assert socketio.AsyncNamespace().namespace == '/'


@pytest.mark.parametrize('cls', [socketio.AsyncNamespace, socketio.AsyncClientNamespace])
def test_trigger_event(run, cls):
    result = {}

    class MyNamespace(cls):
        async def on_connect(self, sid, environ):
            result['connect'] = (sid, environ)

        def on_disconnect(self, sid):
            result['disconnect'] = sid

        async def on_custom_message(self, sid, data):
            result['async'] = (sid, data)
            return 'async'

        def on_plain_message(self, sid, data):
            result['plain'] = (sid, data)
            return 'plain'

    ns = MyNamespace('/foo')
    run(ns.trigger_event('connect', 'sid', {'foo': 'bar'}))
    run(ns.trigger_event('disconnect', 'sid'))
    assert run(ns.trigger_event('custom_message', 'sid', {'data': 'data'})) == 'async'
    assert run(ns.trigger_event('plain_message', 'sid', 1)) == 'plain'
    assert run(ns.trigger_event('no_such_event', 'sid')) is None
    assert result == {'connect': ('sid', {'foo': 'bar'}), 'disconnect': 'sid',
                      'async': ('sid', {'data': 'data'}), 'plain': ('sid', 1)}


def test_server_proxies(run):
    ns, server = server_ns()
    assert run(ns.emit('ev', data='data', room='room', skip_sid='skip', callback='cb')) == 'emit'
    server.emit.assert_awaited_with('ev', data='data', to=None, room='room',
                                    skip_sid='skip', namespace='/foo', callback='cb',
                                    ignore_queue=False)
    run(ns.emit('ev', data='data', to='room', namespace='/bar'))
    server.emit.assert_awaited_with('ev', data='data', to='room', room=None, skip_sid=None,
                                    namespace='/bar', callback=None, ignore_queue=False)
    run(ns.send(data='data', room='room', skip_sid='skip', callback='cb'))
    server.send.assert_awaited_with('data', to=None, room='room', skip_sid='skip',
                                    namespace='/foo', callback='cb', ignore_queue=False)
    run(ns.call('ev', data='data', to='sid', timeout=3))
    server.call.assert_awaited_with('ev', data='data', to='sid', sid=None, namespace='/foo',
                                    timeout=3, ignore_queue=False)
    run(ns.enter_room('sid', 'room'))
    server.enter_room.assert_awaited_with('sid', 'room', namespace='/foo')
    run(ns.leave_room('sid', 'room', namespace='/bar'))
    server.leave_room.assert_awaited_with('sid', 'room', namespace='/bar')
    run(ns.close_room('room'))
    server.close_room.assert_awaited_with('room', namespace='/foo')
    run(ns.get_session('sid'))
    server.get_session.assert_awaited_with('sid', namespace='/foo')
    run(ns.save_session('sid', {'a': 'b'}))
    server.save_session.assert_awaited_with('sid', {'a': 'b'}, namespace='/foo')
    run(ns.disconnect('sid'))
    server.disconnect.assert_awaited_with('sid', namespace='/foo')
    assert ns.rooms('sid') is server.rooms.return_value
    server.rooms.assert_called_with('sid', namespace='/foo')
    assert ns.session('sid') is server.session.return_value
    server.session.assert_called_with('sid', namespace='/foo')


def test_client_proxies(run):
    ns, client = client_ns()
    run(ns.emit('ev', data='data', callback='cb'))
    client.emit.assert_awaited_with('ev', data='data', namespace='/foo', callback='cb')
    run(ns.send(data='data', callback='cb'))
    client.send.assert_awaited_with('data', namespace='/foo', callback='cb')
    run(ns.call('ev', data='data', timeout=2))
    client.call.assert_awaited_with('ev', data='data', namespace='/foo', timeout=2)
    run(ns.disconnect())
    client.disconnect.assert_awaited_with()


def test_with_a_real_server(run):
    """Proxies reach a real AsyncServer; on_disconnect without ``reason`` still works."""
    got = []

    class Chat(socketio.AsyncNamespace):
        async def on_connect(self, sid, environ):
            await self.enter_room(sid, 'lobby')
            async with self.session(sid) as session:
                session['user'] = 'ann'

        def on_disconnect(self, sid):
            got.append(('disconnect', sid))

        async def on_whoami(self, sid):
            return (await self.get_session(sid))['user'], self.rooms(sid)

    s = socketio.AsyncServer(async_handlers=False)
    s.eio = MagicMock()
    s.eio.send = AsyncMock()
    s.eio.generate_id = MagicMock(return_value='sid1')
    eio_session = {}

    async def get_session(eio_sid):
        return eio_session

    s.eio.get_session = get_session
    s.register_namespace(Chat('/chat'))

    async def scenario():
        await s._handle_eio_connect('e1', {})
        await s._handle_eio_message('e1', '0/chat,')
        await s._handle_eio_message('e1', '2/chat,7["whoami"]')
        await s._handle_eio_disconnect('e1', 'transport close')

    run(scenario())
    sent = [c.args[1] for c in s.eio.send.await_args_list]
    assert sent[0] == '0/chat,{"sid":"sid1"}'
    assert sent[1] in ('3/chat,7["ann",["sid1","lobby"]]', '3/chat,7["ann",["lobby","sid1"]]')
    assert got == [('disconnect', 'sid1')]
    with pytest.raises(ValueError):
        s.register_namespace(socketio.Namespace('/sync'))
