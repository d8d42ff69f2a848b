"""Unit tests for server.instrument() (socketio.admin), driving the server
through its Engine.IO entry points and capturing what it sends."""
from __future__ import annotations

import asyncio
import time

import pytest
from support import wait_for

import socketio
from socketio import admin, packet
from socketio.async_admin import InstrumentedAsyncServer

ENVIRON = {'REMOTE_ADDR': '10.0.0.1', 'HTTP_USER_AGENT': 'tester', 'HTTP_X_TOKEN': 'abc',
           'QUERY_STRING': 'EIO=4&transport=polling&x=1&x=2', 'PATH_INFO': '/socket.io/',
           'wsgi.url_scheme': 'https'}


class Harness:
    """A standard server whose outgoing packets are decoded into ``sent``."""

    def __init__(self, **instrument_kwargs):
        self.server = socketio.Server(async_mode='threading', async_handlers=False)
        self.sent = []
        self.server._send_packet = lambda eio_sid, pkt: self.sent.append((eio_sid, pkt))
        self.server._send_eio_packet = self._capture_eio
        self.received = []

        @self.server.on('hello')
        def hello(sid, data):
            self.server.emit('reply', {'got': data}, to=sid)
            return 'ack'

        @self.server.on('join')
        def join(sid, room):
            self.server.enter_room(sid, room)

        @self.server.on('disconnect')
        def disconnect(sid, reason):
            self.received.append(('disconnect', sid, reason))

        instrument_kwargs.setdefault('auth', False)
        self.admin = self.server.instrument(**instrument_kwargs)

    def _capture_eio(self, eio_sid, eio_pkt):
        self.sent.append((eio_sid, packet.Packet(encoded_packet=eio_pkt.data)))

    def connect(self, eio_sid, namespace='/', auth=None, environ=None):
        self.server.eio.handlers['connect'](eio_sid, dict(environ or ENVIRON))
        ns = '' if namespace == '/' else namespace + ','
        self.server._handle_eio_message(
            eio_sid, '0' + ns + (socketio.packet.Packet.json.dumps(auth) if auth else ''))
        return self.server.manager.sid_from_eio_sid(eio_sid, namespace)

    def events(self, eio_sid, name=None):
        """Event payloads ``[event, *args]`` sent to ``eio_sid``."""
        return [pkt.data for sid, pkt in self.sent
                if sid == eio_sid and pkt.packet_type == packet.EVENT
                and (name is None or pkt.data[0] == name)]

    def wait_for(self, eio_sid, name, timeout=5):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.events(eio_sid, name)
            if found:
                return found
            time.sleep(0.01)
        raise AssertionError(f'{name} never sent to {eio_sid}')


def test_auth_is_mandatory_and_mode_checked():
    with pytest.raises(ValueError, match='auth must be specified'):
        socketio.Server(async_mode='threading').instrument()
    with pytest.raises(ValueError):
        socketio.Server(async_mode='threading').instrument(auth=False, mode='debug')


def test_instrument_returns_the_right_class():
    sync = socketio.Server(async_mode='threading').instrument(auth=False)
    assert type(sync) is admin.InstrumentedServer
    assert sync.admin_namespace == '/admin' and sync.server_stats_interval == 2
    async_one = socketio.AsyncServer().instrument(auth=False, namespace='/adm')
    assert isinstance(async_one, InstrumentedAsyncServer)
    assert async_one.admin_namespace == '/adm'
    assert '/adm' in async_one.server.handlers


def test_server_id_defaults():
    import socket as pysocket

    assert socketio.Server(async_mode='threading').instrument(auth=False).server_id == pysocket.gethostname()
    assert socketio.Server(async_mode='threading').instrument(auth=False, server_id='s1').server_id == 's1'

    class HostManager(socketio.Manager):
        host_id = 'host-123'

    server = socketio.Server(async_mode='threading', client_manager=HostManager())
    assert server.instrument(auth=False).server_id == 'host-123'


def test_supported_features():
    assert socketio.Server(async_mode='threading').instrument(auth=False).supported_features() == [
        'AGGREGATED_EVENTS', 'EMIT', 'JOIN', 'LEAVE', 'DISCONNECT', 'MJOIN', 'MLEAVE',
        'MDISCONNECT', 'ALL_EVENTS']
    assert socketio.Server(async_mode='threading').instrument(auth=False, read_only=True,
                                        mode='production').supported_features() == [
        'AGGREGATED_EVENTS']
    server = socketio.Server(async_mode='threading')
    server.instrument(auth=False, read_only=True)
    assert set(server.handlers['/admin']) == {'connect'}


@pytest.mark.parametrize('auth, client_auth, accepted', [
    ({'user': 'a', 'pw': 'b'}, {'user': 'a', 'pw': 'b'}, True),
    ({'user': 'a', 'pw': 'b'}, {'user': 'a', 'pw': 'x'}, False),
    ({'user': 'a', 'pw': 'b'}, None, False),
    ([{'u': 1}, {'u': 2}], {'u': 2}, True),
    ([{'u': 1}, {'u': 2}], {'u': 3}, False),
    (lambda a: bool(a) and a.get('ok'), {'ok': True}, True),
    (lambda a: bool(a) and a.get('ok'), {'ok': False}, False),
    (False, None, True),
])
def test_admin_authentication(auth, client_auth, accepted):
    h = Harness(auth=auth)
    sid = h.connect('a1', '/admin', auth=client_auth)
    types = [pkt.packet_type for eio_sid, pkt in h.sent if eio_sid == 'a1']
    if accepted:
        assert sid and packet.CONNECT in types
        assert h.wait_for('a1', 'config')[0][1] == {
            'supportedFeatures': h.admin.supported_features()}
        all_sockets = h.wait_for('a1', 'all_sockets')[0][1]
        assert [s['id'] for s in all_sockets] == [sid]
    else:
        assert sid is None
        error = [pkt for eio_sid, pkt in h.sent if pkt.packet_type == packet.CONNECT_ERROR]
        assert error[0].data == {'message': 'authentication failed'}


def test_async_callable_auth():
    server = socketio.AsyncServer(async_handlers=False)
    sent = []

    async def capture(eio_sid, pkt):
        sent.append(pkt)

    server._send_packet = capture

    async def check(auth):
        await asyncio.sleep(0)
        return auth == {'k': 'v'}

    instrumented = server.instrument(auth=check)

    async def main():
        await server.eio.handlers['connect']('e1', {})
        await server._handle_eio_message('e1', '0/admin,{"k":"x"}')
        await server.eio.handlers['connect']('e2', {})
        await server._handle_eio_message('e2', '0/admin,{"k":"v"}')
        await instrumented.shutdown()

    asyncio.run(main())
    assert [p.packet_type for p in sent] == [packet.CONNECT_ERROR, packet.CONNECT]


def test_development_events_are_reported():
    h = Harness()
    admin_sid = h.connect('a1', '/admin')
    h.wait_for('a1', 'all_sockets')
    sid = h.connect('c1', '/')
    connected = h.events('a1', 'socket_connected')
    socket_info = connected[-1][1]
    assert socket_info['id'] == sid and socket_info['nsp'] == '/'
    assert socket_info['clientId'] == 'c1' and socket_info['rooms'] == [sid]
    assert isinstance(connected[-1][2], str) and connected[-1][2].endswith('Z')
    assert ['room_joined', '/', sid, sid] == h.events('a1', 'room_joined')[-1][:4]

    h.server._handle_eio_message('c1', '21["hello",{"n":1}]')
    assert h.events('a1', 'event_received')[-1][1:4] == ['/', sid, ['hello', {'n': 1}]]
    assert h.events('a1', 'event_sent')[-1][1:4] == ['/', sid, ['reply', {'got': {'n': 1}}]]
    assert h.events('c1', 'reply') == [['reply', {'got': {'n': 1}}]]
    acks = [pkt for eio_sid, pkt in h.sent if eio_sid == 'c1' and pkt.packet_type == packet.ACK]
    assert acks[-1].data == ['ack']

    h.server._handle_eio_message('c1', '2["join","lobby"]')
    assert h.events('a1', 'room_joined')[-1][1:4] == ['/', 'lobby', sid]
    h.server._handle_eio_message('c1', '1')
    assert ('disconnect', sid, 'client disconnect') in h.received
    assert h.events('a1', 'socket_disconnected')[-1][1:4] == ['/', sid, 'client disconnect']
    left = [e[1:4] for e in h.events('a1', 'room_left')]
    assert ['/', 'lobby', sid] in left and ['/', sid, sid] in left
    # nothing about the admin namespace's own traffic is reported as events
    assert all(e[1] != '/admin' for e in h.events('a1', 'event_sent'))
    assert admin_sid


def test_server_disconnect_reason_is_reported():
    h = Harness()
    h.connect('a1', '/admin')
    sid = h.connect('c1', '/')
    h.server.disconnect(sid)
    assert h.events('a1', 'socket_disconnected')[-1][1:4] == ['/', sid, 'server disconnect']
    h.server.eio.handlers['disconnect']('c1', 'transport close')
    h.server.eio.handlers['disconnect']('a1', 'ping timeout')


def test_production_mode_reports_no_sockets():
    h = Harness(mode='production')
    h.connect('a1', '/admin')
    h.wait_for('a1', 'config')
    h.connect('c1', '/')
    h.server._handle_eio_message('c1', '2["hello",1]')
    names = {e[0] for e in h.events('a1')}
    assert names == {'config'}


def test_admin_operations():
    h = Harness()
    h.connect('a1', '/admin')
    s1 = h.connect('c1', '/')
    s2 = h.connect('c2', '/')
    h.server.enter_room(s1, 'red')
    h.server._handle_eio_message('a1', '2/admin,["join","/","blue","red"]')
    assert 'blue' in h.server.rooms(s1) and 'blue' not in h.server.rooms(s2)
    h.server._handle_eio_message('a1', '2/admin,["join","/","green"]')
    assert 'green' in h.server.rooms(s1) and 'green' in h.server.rooms(s2)
    h.server._handle_eio_message('a1', '2/admin,["leave","/","green",["' + s2 + '"]]')
    assert 'green' in h.server.rooms(s1) and 'green' not in h.server.rooms(s2)
    h.server._handle_eio_message('a1', '2/admin,["emit","/","blue","news",1,"two"]')
    assert h.events('c1', 'news') == [['news', 1, 'two']] and h.events('c2', 'news') == []
    h.server._handle_eio_message('a1', '2/admin,["emit","/",null,"all"]')
    assert h.events('c1', 'all') == [['all']] and h.events('c2', 'all') == [['all']]
    h.server._handle_eio_message('a1', '2/admin,["_disconnect","/",false,"' + s1 + '"]')
    assert not h.server.manager.is_connected(s1, '/')
    assert h.server.manager.is_connected(s2, '/')
    assert ('disconnect', s1, 'server disconnect') in h.received


def test_read_only_refuses_operations():
    h = Harness(read_only=True)
    h.connect('a1', '/admin')
    s1 = h.connect('c1', '/')
    h.server._handle_eio_message('a1', '2/admin,["join","/","blue"]')
    h.server._handle_eio_message('a1', '2/admin,["_disconnect","/",false]')
    assert h.server.rooms(s1) == [s1] and h.server.manager.is_connected(s1, '/')


def test_serialize_socket():
    h = Harness()
    sid = h.connect('c1', '/')
    info = h.admin.serialize_socket(sid, '/')
    assert info['transport'] == 'polling'  # unknown to engine.io here
    handshake = info['handshake']
    assert handshake['address'] == '10.0.0.1'
    assert handshake['headers'] == {'user-agent': 'tester', 'x-token': 'abc'}
    assert handshake['query'] == {'EIO': '4', 'transport': 'polling', 'x': ['1', '2']}
    assert handshake['secure'] is True and handshake['url'] == '/socket.io/'
    assert abs(handshake['issued'] / 1000 - time.time()) < 5
    assert info['data'] == {}


def test_event_buffer_and_server_stats():
    buffer = admin.EventBuffer()
    buffer.push('packetsIn')
    buffer.push('packetsIn')
    buffer.push('bytesIn', 10)
    events = buffer.get_and_clear()
    assert sorted((e['type'], e['count']) for e in events) == [('bytesIn', 10),
                                                              ('packetsIn', 2)]
    assert all(e['timestamp'] % 1000 == 0 for e in events)
    assert buffer.get_and_clear() == []

    h = Harness(server_id='me')
    h.connect('c1', '/')
    stats = h.admin.server_stats(time.time() - 3, ['/', '/admin'])
    assert stats['serverId'] == 'me' and stats['uptime'] >= 3
    assert stats['clientsCount'] == 0  # no real Engine.IO sockets in this harness
    assert stats['namespaces'] == [{'name': '/', 'socketsCount': 1},
                                   {'name': '/admin', 'socketsCount': 0}]
    assert [e['type'] for e in stats['aggregatedEvents']] == ['rawConnection']


def test_stats_task_runs_and_stops_on_shutdown():
    h = Harness(server_stats_interval=0.05)
    h.connect('a1', '/admin')
    task = h.admin.stats_task
    assert task is not None
    stats = h.wait_for('a1', 'server_stats')[0][1]
    assert stats['namespaces'] == [{'name': '/', 'socketsCount': 0},
                                   {'name': '/admin', 'socketsCount': 1}]
    h.server.shutdown()
    assert h.admin.stats_task is None and not task.is_alive()
    h.connect('c2', '/')  # no new task after shutdown
    assert h.admin.stats_task is None


def test_async_stats_task_stops_on_shutdown():
    server = socketio.AsyncServer(async_handlers=False)
    stats = []

    async def capture(eio_sid, eio_pkt):
        stats.append(packet.Packet(encoded_packet=eio_pkt.data).data)

    server._send_eio_packet = capture
    server._send_packet = lambda eio_sid, pkt: asyncio.sleep(0)
    instrumented = server.instrument(auth=False, server_stats_interval=0.01)

    async def main():
        await server.eio.handlers['connect']('a1', {})
        await server._handle_eio_message('a1', '0/admin,')
        task = instrumented.stats_task
        deadline = time.monotonic() + 5
        while not any(s[0] == 'server_stats' for s in stats) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        await server.shutdown()
        assert task.done() and instrumented.stats_task is None
        await server.eio.handlers['disconnect']('a1', 'transport close')
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        await asyncio.gather(*pending)  # only short-lived emits may remain

    asyncio.run(main())
    assert any(s[0] == 'server_stats' for s in stats)


def test_uninstrument_restores_the_server():
    h = Harness()
    h.admin.uninstrument()
    assert '_trigger_event' not in vars(h.server)
    assert 'emit' not in vars(h.server.manager)
    assert h.server.eio.handlers['connect'] == h.server._handle_eio_connect


class FakeEioSocket:
    """Stands in for an Engine.IO socket: records what goes through it."""

    def __init__(self, sid):
        self.sid = sid
        self.upgraded = False
        self.closed = False
        self.sent, self.received = [], []

    def send(self, pkt):
        self.sent.append(pkt)

    def receive(self, pkt):
        self.received.append(pkt)


def test_engineio_socket_traffic_pings_and_upgrades():
    from engineio import packet as eio_packet

    h = Harness()
    h.connect('a1', '/admin')
    eio_socket = FakeEioSocket('c1')
    h.server.eio.sockets['c1'] = eio_socket
    sid = h.connect('c1', '/')
    h.admin.event_buffer.get_and_clear()
    eio_socket.send(eio_packet.Packet(eio_packet.MESSAGE, data='2["x","héllo"]'))
    eio_socket.receive(eio_packet.Packet(eio_packet.MESSAGE, data=b'\x01\x02'))
    assert len(eio_socket.sent) == 1 and len(eio_socket.received) == 1
    totals = {e['type']: e['count'] for e in h.admin.event_buffer.get_and_clear()}
    assert totals == {'packetsOut': 1, 'bytesOut': len('2["x","héllo"]'.encode()),
                      'packetsIn': 1, 'bytesIn': 2}
    before = len(h.events('a1', 'socket_connected'))
    eio_socket.send(eio_packet.Packet(eio_packet.PING))  # re-announced at every ping
    wait_for(lambda: len(h.events('a1', 'socket_connected')) == before + 1,
             what='socket_connected again')
    assert h.events('a1', 'socket_connected')[-1][1]['id'] == sid
    # a polling socket that upgrades is reported at the next statistics tick
    eio_socket.upgraded = True
    h.admin._report_upgrades()
    assert h.events('a1', 'socket_updated') == [
        ['socket_updated', {'id': sid, 'nsp': '/', 'transport': 'websocket'}]]
    h.admin._report_upgrades()
    assert len(h.events('a1', 'socket_updated')) == 1
    h.server.eio.handlers['disconnect']('c1', 'transport close')
    assert 'c1' not in h.admin._issued
    assert {e['type'] for e in h.admin.event_buffer.get_and_clear()} >= {'rawDisconnection'}
