"""What python-socketio 5.17 and 5.18 changed, and where it differs from
earlier releases, as programs and their tests see it (both flavours)."""
from __future__ import annotations

import asyncio
import json
import logging
from unittest import mock

import engineio
import pytest

import socketio
from socketio import base_namespace, manager, packet

# -- helpers ---------------------------------------------------------------------


def run(coro):
    return asyncio.run(coro) if asyncio.iscoroutine(coro) else coro


class Flavour:
    """One server of either flavour, fed through its Engine.IO entry points,
    with what it sends decoded."""

    def __init__(self, asyncio_flavour: bool, **kwargs):
        self.is_async = asyncio_flavour
        self.sent = []  # (eio_sid, text or bytes) in the order sent
        if asyncio_flavour:
            self.sio = socketio.AsyncServer(async_mode='asgi', async_handlers=False, **kwargs)

            async def send(eio_sid, data):
                self.sent.append((eio_sid, data))

            async def send_packet(eio_sid, pkt):
                self.sent.append((eio_sid, pkt.data))
        else:
            self.sio = socketio.Server(async_mode='threading', async_handlers=False, **kwargs)

            def send(eio_sid, data):
                self.sent.append((eio_sid, data))

            def send_packet(eio_sid, pkt):
                self.sent.append((eio_sid, pkt.data))
        self.sio.eio.send, self.sio.eio.send_packet = send, send_packet
        self.loop = asyncio.new_event_loop() if asyncio_flavour else None

    def __call__(self, result):
        """Run what a method returned (a coroutine on AsyncServer)."""
        if self.is_async:
            return self.loop.run_until_complete(result)
        return result

    def connect(self, eio_sid='e1', message='0'):
        self(self.sio._handle_eio_connect(eio_sid, {}))
        self(self.sio._handle_eio_message(eio_sid, message))
        return self.sio.manager.sid_from_eio_sid(eio_sid, '/')

    def wire(self, eio_sid='e1'):
        """What was sent to ``eio_sid``, in order, through either send method."""
        return [data for sid, data in self.sent if sid == eio_sid]

    def close(self):
        if self.loop:
            self.loop.close()


@pytest.fixture(params=['standard', 'asyncio'])
def flavour(request):
    f = Flavour(request.param == 'asyncio')
    yield f
    f.close()


# -- two-step admission ----------------------------------------------------------------


def test_manager_pre_connect_then_connect(flavour):
    sio = flavour.sio
    mgr = sio.manager
    sid = flavour(mgr.pre_connect('e1', '/'))
    assert mgr.is_pre_connected(sid, '/') and not mgr.is_connected(sid, '/')
    assert mgr.sid_from_eio_sid('e1', '/') == sid and sid in mgr.pending_connect['/']
    assert flavour(mgr.pre_connect('e1', '/')) is None  # that session is there already
    flavour(mgr.enter_room(sid, '/', 'lobby'))  # room operations accept it
    assert sorted(mgr.get_rooms(sid, '/')) == sorted([sid, 'lobby'])
    assert flavour(mgr.connect(sid, '/')) == sid
    assert mgr.is_connected(sid, '/') and not mgr.is_pre_connected(sid, '/')
    assert mgr.pending_connect == {}


def test_manager_connect_with_an_engineio_sid_does_both(flavour):
    mgr = flavour.sio.manager
    sid = flavour(mgr.connect('e9', '/chat'))
    assert mgr.is_connected(sid, '/chat') and mgr.eio_sid_from_sid(sid, '/chat') == 'e9'
    assert flavour(mgr.connect('e9', '/chat')) is None


@pytest.mark.parametrize('accept', [True, False])
def test_a_pre_connected_client_gets_no_broadcast_and_its_own_emits_after_connect(
        flavour, accept):
    sio = flavour.sio
    other = flavour.connect('e0')
    flavour(sio.enter_room(other, 'lobby'))

    async def steps(sid):
        for step in (sio.emit('everyone', 1), sio.emit('lobby', 2, to='lobby'),
                     sio.enter_room(sid, 'lobby'), sio.emit('lobby', 3, to='lobby'),
                     sio.emit('welcome', sid, to=sid)):
            if asyncio.iscoroutine(step):
                await step

    if flavour.is_async:
        async def connect(sid, environ, auth):
            await steps(sid)
            return accept
    else:
        def connect(sid, environ, auth):
            asyncio.run(steps(sid))
            return accept
    sio.on('connect', connect)
    sid = flavour.connect('e1')
    assert flavour.wire('e0')[-3:] == ['2["everyone",1]', '2["lobby",2]', '2["lobby",3]']
    if accept:
        # the CONNECT reply first, then what was emitted to the client itself
        sid = sio.manager.sid_from_eio_sid('e1', '/')
        assert flavour.wire('e1') == [f'0{{"sid":"{sid}"}}', f'2["welcome","{sid}"]']
        assert sio.manager.is_connected(sid, '/')
    else:
        # refused: no application event at all
        assert sid is None
        assert flavour.wire('e1') == ['4{"message":"Connection rejected by server"}']
        assert sio.manager.pending_connect == {}


def test_a_client_gone_while_its_connect_handler_runs_is_forgotten(flavour):
    sio = flavour.sio
    seen = []

    def connect(sid, environ, auth):
        flavour(sio._handle_eio_disconnect('e1', 'transport close'))
        seen.append(sio.manager.is_pre_connected(sid, '/'))

    if flavour.is_async:
        async def aconnect(sid, environ, auth):
            await sio._handle_eio_disconnect('e1', 'transport close')
            seen.append(sio.manager.is_pre_connected(sid, '/'))
        sio.on('connect', aconnect)
    else:
        sio.on('connect', connect)
    disconnects = []
    sio.on('disconnect', lambda sid, reason: disconnects.append(sid))
    flavour(sio._handle_eio_connect('e1', {}))
    flavour(sio._handle_eio_message('e1', '0'))
    assert seen == [True]
    assert disconnects == []  # it never connected
    assert sio.manager.rooms == {} and sio.manager.pending_connect == {}
    assert sio.manager.pending_disconnect == {}


# -- private sid rooms ------------------------------------------------------------------


def test_sid_rooms_are_private(flavour):
    sio = flavour.sio
    a, b = flavour.connect('e1'), flavour.connect('e2')
    mgr = sio.manager
    assert mgr.is_sid_room('/', a) and not mgr.is_sid_room('/', 'lobby')
    assert not mgr.is_sid_room('/', None) and not mgr.is_sid_room('/', [a])
    with pytest.raises(ValueError, match='cannot enter a sid room'):
        flavour(sio.enter_room(b, a))
    flavour(sio.enter_room(a, a))  # its own room: harmless
    with pytest.raises(ValueError, match='cannot close a sid room'):
        flavour(sio.close_room(a))
    assert mgr.get_rooms(b, '/') == [b] and sorted(mgr.get_rooms(a, '/')) == [a]


# -- connect handler arguments ------------------------------------------------------------


def test_connect_handler_without_auth_gets_none_first(flavour):
    calls = []

    def three(sid, environ, auth):
        calls.append(('three', auth))

    flavour.sio.on('connect', three)
    flavour.connect('e1', '0')
    flavour.connect('e2', '0{}')
    assert calls == [('three', None), ('three', None)]


def test_connect_handler_without_auth_parameter_is_called_again(flavour):
    calls = []

    def two(sid, environ):
        calls.append('two')

    flavour.sio.on('connect', two)
    assert flavour.connect('e1', '0')
    assert calls == ['two']


def test_connect_handler_with_auth_is_called_once_with_it(flavour):
    calls = []

    def two(sid, environ):
        calls.append('two')

    flavour.sio.on('connect', two)
    assert flavour.connect('e1', '0{"token":"x"}') is None  # TypeError: refused
    assert calls == []


def test_the_first_type_error_of_a_connect_handler_is_reported(flavour, caplog):
    def always(*args):
        raise TypeError('first' if len(args) == 3 else 'second')

    flavour.sio.on('connect', always)
    with caplog.at_level(logging.ERROR, logger='socketio.server'):
        assert flavour.connect('e1', '0') is None
    assert 'TypeError: first' in caplog.text and 'TypeError: second' not in caplog.text


# -- binary packets of leaving clients --------------------------------------------------


def test_a_half_received_binary_packet_is_dropped_on_disconnect(flavour):
    sio = flavour.sio
    sid = flavour.connect('e1')
    flavour(sio._handle_eio_message('e1', '51-["up",{"_placeholder":true,"num":0}]'))
    assert 'e1' in sio._binary_packet
    flavour(sio.disconnect(sid))
    assert 'e1' not in sio._binary_packet


def test_a_client_drops_a_half_received_binary_packet_when_disconnected():
    client = socketio.Client(reconnection=False)
    client.eio = mock.MagicMock()
    client.connected = True
    client.namespaces = {'/': 'a', '/chat': 'b'}
    client._handle_eio_message('51-/chat,["x",{"_placeholder":true,"num":0}]')
    assert client._binary_packet is not None
    client._handle_eio_message('1/chat,')
    assert client._binary_packet is None


# -- keyword arguments ------------------------------------------------------------------


@pytest.mark.parametrize('call', [
    lambda s: s.emit('secret', 1, rooms='vip'),
    lambda s: s.send(1, rooms='vip'),
    lambda s: s.call('ev', sid='x', timout=3),
])
def test_a_misspelled_keyword_fails(flavour, call):
    with pytest.raises(TypeError):
        flavour(call(flavour.sio))


def test_a_misspelled_keyword_fails_on_namespaces():
    ns = socketio.Namespace('/n')
    ns._set_server(mock.MagicMock())
    with pytest.raises(TypeError):
        ns.emit('ev', 1, rooms='vip')
    ans = socketio.AsyncNamespace('/n')
    ans._set_server(mock.MagicMock())
    with pytest.raises(TypeError):
        run(ans.emit('ev', 1, rooms='vip'))


def test_the_server_calls_the_manager_as_python_socketio_does():
    sio = socketio.Server(async_mode='threading', client_manager=mock.MagicMock())
    sio.emit('ev', {'a': 1}, to='room', skip_sid='s', namespace='/n', callback=print,
             ignore_queue=True)
    sio.manager.emit.assert_called_once_with('ev', {'a': 1}, '/n', room='room',
                                             skip_sid='s', callback=print,
                                             ignore_queue=True)
    ns = socketio.Namespace('/n')
    ns._set_server(mock.MagicMock())
    ns.emit('ev', 2, to='r')
    ns.server.emit.assert_called_once_with('ev', data=2, to='r', room=None, skip_sid=None,
                                           namespace='/n', callback=None,
                                           ignore_queue=False)


# -- packets ----------------------------------------------------------------------------


def test_event_data_that_is_not_a_list():
    assert packet.Packet(packet.EVENT, data={'foo': 'bar'}).encode() == '2{"foo":"bar"}'
    pkt = packet.Packet(encoded_packet='2{"foo":"bar"}')
    assert pkt.packet_type == packet.EVENT and pkt.data == {'foo': 'bar'}
    assert packet.Packet(encoded_packet='2[]').data == []


def test_a_server_logs_an_event_that_is_not_a_list(flavour, caplog):
    flavour.connect('e1')
    with caplog.at_level(logging.WARNING, logger='socketio.server'):
        flavour(flavour.sio._on_eio_message('e1', '2{"foo":"bar"}'))
    assert 'Invalid packet from e1' in caplog.text


@pytest.mark.parametrize('text, namespace, id, data', [
    ('5["a"]', None, None, ['a']),
    ('6/foo,["x"]', '/foo', None, ['x']),
    ('512["x"]', None, 12, ['x']),
])
def test_a_binary_packet_without_attachment_count(text, namespace, id, data):
    pkt = packet.Packet(encoded_packet=text)
    assert (pkt.attachment_count, pkt.namespace, pkt.id, pkt.data) == (0, namespace, id, data)


def test_the_default_json_module_is_engineio_json():
    assert packet.Packet.json is engineio.json
    with pytest.raises(ValueError, match='Integer is too large'):
        packet.Packet(encoded_packet='2["a",' + '1' * 101 + ']')
    assert packet.Packet(encoded_packet='2["a",' + '9' * 100 + ']').data[1] == int('9' * 100)
    long = '2["a",' + '1' * 5000 + ']'  # past the C path's length too
    with pytest.raises(ValueError):
        packet.Packet(encoded_packet=long)
    assert socketio.Server(async_mode='threading').manager.json is engineio.json


def test_the_standard_json_module_accepts_long_integers(monkeypatch):
    monkeypatch.setattr(packet.Packet, 'json', json)
    assert packet.Packet(encoded_packet='2["a",' + '1' * 101 + ']').data[1] == int('1' * 101)


# -- namespaces and clients -----------------------------------------------------------------


def test_namespace_trigger_event_retries_old_disconnect_handlers():
    class Old(socketio.Namespace):
        def on_disconnect(self, sid):
            return ('old', sid)

        def on_other(self, sid):
            pass

    class AsyncOld(socketio.AsyncNamespace):
        async def on_disconnect(self, sid):
            return ('old', sid)

    assert Old('/').trigger_event('disconnect', 'sid', 'client disconnect') == ('old', 'sid')
    assert run(AsyncOld('/').trigger_event('disconnect', 'sid', 'x')) == ('old', 'sid')
    with pytest.raises(TypeError):  # only disconnect handlers are retried
        Old('/').trigger_event('other', 'sid', 'x')


@pytest.mark.parametrize('asyncio_flavour', [False, True])
def test_a_client_acknowledges_an_event_without_handler(asyncio_flavour):
    if asyncio_flavour:
        client = socketio.AsyncClient()
        client.eio = mock.MagicMock(send=mock.AsyncMock())
    else:
        client = socketio.Client()
        client.eio = mock.MagicMock()
    client.connected = True
    client.namespaces = {'/': 'a'}
    run(client._handle_eio_message('25["nobody listens"]'))
    client.eio.send.assert_called_once_with('35[]')


def test_connection_error_lists_the_namespaces_that_failed_in_order():
    client = socketio.Client(reconnection=False)
    client.eio = mock.MagicMock(state='connected')

    def connected(url, **kwargs):
        for namespace in ('/b', '/a'):  # refused in that order
            client._handle_eio_message(f'4{namespace},{{"message":"no"}}')

    client.eio.connect.side_effect = connected
    with pytest.raises(socketio.exceptions.ConnectionError,
                       match='One or more namespaces failed to connect: /b, /a$'):
        client.connect('http://x', namespaces=['/a', '/b', '/c'], wait_timeout=0.01)


def test_connection_error_without_a_failed_namespace():
    client = socketio.Client(reconnection=False)
    client.eio = mock.MagicMock(state='connected')
    with pytest.raises(socketio.exceptions.ConnectionError,
                       match='^Unexpected connection error$'):
        client.connect('http://x', namespaces=['/a'], wait_timeout=0.01)


# -- Redis and Valkey URLs ------------------------------------------------------------------


def test_redis_module_surface():
    from socketio import async_redis_manager, redis_manager
    assert redis_manager.parse_redis_sentinel_url is redis_manager.parse_sentinel_url
    assert hasattr(async_redis_manager, 'aioredis') and hasattr(async_redis_manager, 'aiovalkey')
    assert hasattr(redis_manager, 'redis') and hasattr(redis_manager, 'valkey')


@pytest.mark.parametrize('asyncio_flavour', [False, True])
def test_valkey_urls_use_the_valkey_client_when_installed(monkeypatch, asyncio_flavour):
    from socketio import async_redis_manager, redis_manager
    module = async_redis_manager if asyncio_flavour else redis_manager
    cls = socketio.AsyncRedisManager if asyncio_flavour else socketio.RedisManager
    fake_valkey = mock.MagicMock(spec=['Valkey', 'ValkeyError', 'sentinel'])
    fake_valkey.__name__ = 'valkey.asyncio' if asyncio_flavour else 'valkey'
    monkeypatch.setattr(module, 'aiovalkey' if asyncio_flavour else 'valkey', fake_valkey)
    mgr = cls('valkey://host:1/2')
    mgr._redis_connect()
    fake_valkey.Valkey.from_url.assert_called_once_with('valkey://host:1/2',
                                                        socket_connect_timeout=5)
    monkeypatch.setattr(module, 'aiovalkey' if asyncio_flavour else 'valkey', None)
    fake_redis = mock.MagicMock(spec=['Redis', 'RedisError', 'sentinel'])
    monkeypatch.setattr(module, 'aioredis' if asyncio_flavour else 'redis', fake_redis)
    mgr = cls('valkey://host:1/2')
    mgr._redis_connect()  # without valkey-py: redis-py speaks to Valkey too
    fake_redis.Redis.from_url.assert_called_once_with('redis://host:1/2',
                                                      socket_connect_timeout=5)


def test_version():
    from importlib.metadata import version
    assert socketio.__version__ == '5.18.1' == version('python-socketio')


def test_base_namespace_module():
    assert issubclass(socketio.Namespace, base_namespace.BaseServerNamespace)
    assert issubclass(socketio.Manager, manager.Manager)
