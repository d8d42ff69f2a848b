"""Cluster requests (docs/cluster.rst) with mocked Engine.IO and broker: the
bookkeeping of cluster_base, the messages, the in-memory manager answering
alone, and a pub/sub manager asking, answering and collecting (both
flavours, generated from one source)."""
import asyncio
import json
import logging
import threading
from unittest import mock

import pytest

import socketio
from socketio import cluster_base as cb
from socketio import packet
from socketio import pubsub_messages as m
from socketio.async_manager import AsyncManager
from socketio.async_pubsub_manager import AsyncPubSubManager
from socketio.manager import Manager
from socketio.pubsub_manager import PubSubManager


def run(coro):
    return asyncio.run(coro)


# -- cluster_base -----------------------------------------------------------------------
class TestBookkeeping:
    def test_peer_table_expires_silent_peers(self):
        peers = cb.PeerTable()
        assert peers.seen('h1', 2, now=100) is True
        assert peers.seen('h1', 2, now=101) is False
        peers.seen('h2', 'bad', now=100)  # the default interval
        assert peers.alive(now=105) == {'h1', 'h2'}
        assert peers.alive(now=106.1) == {'h2'}  # 2.5 intervals of 2 s after 101
        peers.touch('h3', now=100)
        peers.forget('h2')
        assert peers.alive(now=100) == {'h3'}

    def test_a_call_completes_when_every_client_and_process_answered(self):
        event = threading.Event()
        request = cb.Request('call', ['B', 'C'], event)
        request.expect_local(['a1'])
        request.ack_callback('a1')('x', 'y')
        request.announce('B', ['b1', 'b2', 7])  # a non-string sid is ignored
        request.answer('b1', 'one')
        request.answer('b1', 'again')  # the first answer counts
        assert not event.is_set() and not request.complete
        assert sorted(request.unanswered()) == ['b2']
        results = request.call_results()
        assert results == {'a1': ('x', 'y'), 'b1': 'one'}
        assert results.missing_sids == ['b2'] and results.missing_hosts == ['C']
        assert not results.complete
        request.answer('b2', None)
        request.announce('C', [])
        assert event.is_set() and request.complete and request.call_results().complete
        assert 'missing_sids=[]' in repr(request.call_results())

    def test_a_query_completes_when_every_process_reported(self):
        event = threading.Event()
        request = cb.Request('server_event', ['B', 'C'], event)
        request.report('B', 'pong')
        request.report('X', 'late joiner')  # not expected: kept all the same
        assert request.missing_hosts() == {'C'}
        request.report('C', has_value=False)
        assert event.is_set()
        answers = request.list_results()
        assert answers == ['pong', 'late joiner'] and answers.hosts == ['B', 'X']
        assert answers.complete and 'missing_hosts=[]' in repr(answers)

    def test_requests_registry(self):
        requests = cb.Requests()
        request = requests.open('fetch_sockets', [], threading.Event())
        assert requests.get(request.id) is request and len(requests) == 1
        assert requests.get(42) is None
        requests.close(request)
        assert requests.get(request.id) is None

    def test_cluster_socket_json(self):
        socket = cb.ClusterSocket('s1', '/', ('s1', 'r'), 'h', 'websocket', '1.2.3.4')
        back = cb.ClusterSocket.from_json(json.loads(json.dumps(socket.to_json())), '/', 'h')
        assert back == socket
        assert cb.ClusterSocket.from_json({'sid': 's', 'rooms': 'x', 'transport': 3}, '/n',
                                          None) == ('s', '/n', (), None, None, None)
        with pytest.raises(ValueError):
            cb.ClusterSocket.from_json({'rooms': []}, '/', None)

    @pytest.mark.parametrize('timeout', [0, -1, None, True, 'x'])
    def test_bad_timeouts(self, timeout):
        with pytest.raises(ValueError):
            cb.check_timeout(timeout)

    def test_exported(self):
        assert socketio.CallResults is cb.CallResults
        assert socketio.ClusterSocket is cb.ClusterSocket
        assert socketio.ClusterList is cb.ClusterList


# -- messages ------------------------------------------------------------------------------
class TestMessages:
    def test_new_methods_decode(self):
        for message in (m.heartbeat_message('h', 5, hello=True),
                        m.request_message('call', 'h', 'id1', None, room=None,
                                          **m.event_fields('e', ['a', b'\x01'])),
                        m.response_message('h', 'to', 'id1', sids=['s'])):
            assert m.decode(json.dumps(message), json) == message
        request = m.decode(json.dumps(m.request_message(
            'call', 'h', 'id', '/', **m.event_fields('e', ['a', b'\x01']))), json)
        assert m.request_args(request) == ['a', b'\x01']
        response = m.decode(json.dumps(m.response_message(
            'h', 'to', 'id', **m.args_fields((b'\x02', 3)))), json)
        assert m.response_args(response) == [b'\x02', 3]

    @pytest.mark.parametrize('raw', [{'method': 'request', 'host_id': 'h', 'id': 1,
                                      'type': 'call'},
                                     {'method': 'response', 'host_id': 3, 'to': 'h',
                                      'id': 'x'},
                                     {'method': 'heartbeat'}])
    def test_malformed_new_messages(self, raw):
        with pytest.raises(ValueError):
            m.decode(raw, json)

    def test_unknown_methods_are_told_apart(self):
        with pytest.raises(m.UnknownMethod):
            m.decode({'method': 'from_the_future'}, json)
        with pytest.raises(ValueError) as info:
            m.decode({'method': 7}, json)
        assert not isinstance(info.value, m.UnknownMethod)


# -- the in-memory managers -------------------------------------------------------------------
def sync_server():
    server = mock.MagicMock()
    server.packet_class = packet.Packet
    server.eio.create_event = threading.Event
    server.eio.generate_id.side_effect = [f'sid{i}' for i in range(1, 50)]
    server.eio.transport.return_value = 'websocket'
    server.environ = {'eio1': {'REMOTE_ADDR': '10.0.0.1'}}
    return server


def async_server():
    server = sync_server()
    server.eio.create_event = asyncio.Event
    for name in ('_emit_internal', 'disconnect', '_send_eio_packet', '_close_connection'):
        setattr(server, name, mock.AsyncMock())
    return server


class TestInMemorySync:
    def manager(self):
        mgr = Manager()
        mgr.set_server(sync_server())
        for i in (1, 2, 3):
            mgr.connect(f'eio{i}', '/')
        mgr.enter_room('sid1', '/', 'r')
        mgr.enter_room('sid2', '/', 'r')
        return mgr

    def test_call_all_collects_per_sid(self):
        mgr = self.manager()

        def emit(eio_sid, event, data, namespace, id):
            sid = 'sid' + eio_sid[3:]
            if sid != 'sid2':  # sid2 never answers
                mgr.trigger_callback(sid, id, [sid, data])
        mgr.server._emit_internal.side_effect = emit
        results = mgr.call_all('q', 'd', '/', room=None, skip_sid='sid3', timeout=0.05)
        assert results == {'sid1': ('sid1', 'd')}
        assert results.missing_sids == ['sid2'] and results.missing_hosts == []
        assert mgr.callbacks['sid2'] == {0: mock.ANY}  # its callback is forgotten
        assert mgr.call_all('q', None, '/', room='nobody', timeout=5) == {}

    def test_fetch_join_leave_disconnect(self):
        mgr = self.manager()
        sockets = mgr.fetch_sockets('/', room='r')
        assert [s.sid for s in sockets] == ['sid1', 'sid2'] and sockets.missing_hosts == []
        assert sockets[0] == ('sid1', '/', ('sid1', 'r'), None, 'websocket', '10.0.0.1')
        mgr.sockets_join(['x', 'y'], '/', room='r', skip_sid=['sid2'])
        assert mgr.get_rooms('sid1', '/') == ['sid1', 'r', 'x', 'y']
        mgr.sockets_join('sid3', '/', room='sid1')  # another client's room: refused
        assert 'sid3' not in mgr.get_rooms('sid1', '/')
        mgr.sockets_leave('x', '/')
        assert mgr.get_rooms('sid1', '/') == ['sid1', 'r', 'y']
        mgr.disconnect_sockets('/', room='y')
        mgr.server.disconnect.assert_called_once_with('sid1', namespace='/',
                                                      ignore_queue=True)
        mgr.disconnect_sockets('/', room='r', close=True)
        assert mgr.server._close_connection.call_args_list == [mock.call('eio1'),
                                                               mock.call('eio2')]
        assert mgr.server_side_emit('e', 1, '/') is None
        assert mgr.server_side_emit('e', 1, '/', timeout=1) == []

    def test_async_flavour(self):
        async def main():
            mgr = AsyncManager()
            mgr.set_server(async_server())
            await mgr.connect('eio1', '/')

            async def emit(eio_sid, event, data, namespace, id):
                await mgr.trigger_callback('sid1', id, ['yes'])
            mgr.server._emit_internal.side_effect = emit
            assert await mgr.call_all('q', None, '/', timeout=1) == {'sid1': 'yes'}
            assert [s.sid for s in await mgr.fetch_sockets('/')] == ['sid1']
            await mgr.disconnect_sockets('/', close=True)
            mgr.server._close_connection.assert_awaited_once_with('eio1')
        run(main())


# -- the pub/sub managers ---------------------------------------------------------------------
class Bus:
    """A broker in memory joining sync PubSubManagers: a publish is handed
    to every manager's listener at once (the order of one publisher kept)."""

    def __init__(self):
        self.managers = []
        self.published = []

    def add(self, name):
        mgr = PubSubManager()
        mgr.host_id = name
        mgr.logger = logging.getLogger('socketio')
        mgr.set_server(sync_server())
        mgr.server.start_background_task.side_effect = \
            lambda fn, *args: threading.Thread(target=fn, args=args, daemon=True).start()
        mgr._publish = lambda message, mgr=mgr: self.publish(message)
        mgr._listening = threading.Event()
        self.managers.append(mgr)
        return mgr

    def publish(self, message):
        raw = json.dumps(message)
        self.published.append(message)
        for mgr in self.managers:
            mgr._dispatch(raw)


@pytest.fixture
def bus():
    bus = Bus()
    a, b = bus.add('A'), bus.add('B')
    a.connect('eioA', '/')
    b.connect('eioB', '/')
    b.connect('eioC', '/')
    for mgr in (a, b):  # greetings: each hears itself twice, the other once
        mgr._send(m.heartbeat_message(mgr.host_id, 5, hello=True), keep=False)
        mgr._send(m.heartbeat_message(mgr.host_id, 5), keep=False)
    return bus


class TestPubSub:
    def test_heartbeats_make_peers_known(self, bus):
        a, b = bus.managers
        assert a._peers.alive() == {'B'} and b._peers.alive() == {'A'}
        assert a._listening.is_set() and b._listening.is_set()
        # each hello is answered at once with a heartbeat of the other process
        assert [(msg['host_id'], msg['hello']) for msg in bus.published] == [
            ('A', True), ('B', False), ('A', False), ('B', True), ('A', False), ('B', False)]

    def test_fetch_sockets_across_processes(self, bus):
        a, b = bus.managers
        sockets = a.fetch_sockets('/', timeout=1)
        assert sorted((s.sid, s.host_id) for s in sockets) == [
            ('sid1', 'A'), ('sid1', 'B'), ('sid2', 'B')]
        assert sockets.missing_hosts == []
        assert [s.sid for s in a.fetch_sockets('/', ignore_queue=True)] == ['sid1']

    def test_call_all_across_processes(self, bus):
        a, b = bus.managers

        def answering(mgr, answer):
            def emit(eio_sid, event, data, namespace, id):
                sid = mgr.sid_from_eio_sid(eio_sid, namespace)
                if eio_sid != 'eioC':
                    threading.Thread(target=mgr.trigger_callback,
                                     args=(sid, id, [answer, data])).start()
            return emit
        a.server._emit_internal.side_effect = answering(a, 'a')
        b.server._emit_internal.side_effect = answering(b, 'b')
        results = a.call_all('q', (1, 2), '/', timeout=0.5)
        # sids are per process here: A's sid1 and B's sid1 are one key
        assert set(results) == {'sid1'} and results.missing_sids == ['sid2']
        assert results.missing_hosts == []
        b.server._emit_internal.assert_any_call('eioC', 'q', (1, 2), '/', mock.ANY)
        # B forgets the callback of sid2 once the call's timeout passed
        b._forget_expired(now=1e12)
        assert list(b.callbacks['sid2']) == [0]

    def test_a_silent_process_is_reported(self, bus):
        a, b = bus.managers
        bus.managers.remove(b)  # B stops receiving
        results = a.call_all('q', None, '/', timeout=0.05)
        assert results.missing_hosts == ['B']
        assert a.fetch_sockets('/', timeout=0.05).missing_hosts == ['B']
        assert a.server_side_emit('e', None, '/', timeout=0.05).missing_hosts == ['B']
        assert len(a._requests) == 0

    def test_actions_reach_the_other_process(self, bus):
        a, b = bus.managers
        a.sockets_join(['x'], '/')
        assert b.get_rooms('sid1', '/') == ['sid1', 'x'] and 'x' in a.get_rooms('sid1', '/')
        a.sockets_leave('x', '/', room=['x'], skip_sid='sid2')
        assert 'x' not in b.get_rooms('sid1', '/')
        b.disconnect_sockets('/', room='sid2', close=True)  # B's own sid2
        b.server._close_connection.assert_called_once_with('eioC')
        a.server._close_connection.assert_not_called()

    def test_server_side_events(self, bus):
        a, b = bus.managers
        received = threading.Event()
        b.server.server_handlers = {'/': {'ping': lambda *args: ('pong',) + args,
                                          'note': lambda *args: received.set(),
                                          'bad': mock.MagicMock(side_effect=RuntimeError)}}
        answers = a.server_side_emit('ping', 'x', '/', timeout=1)
        assert answers == [('pong', 'x')] and answers.hosts == ['B']
        assert a.server_side_emit('nobody', None, '/', timeout=1) == []
        assert a.server_side_emit('bad', None, '/', timeout=1) == []
        assert a.server_side_emit('note', None, '/') is None
        assert received.wait(1)

    def test_write_only_managers_act_but_cannot_ask(self):
        mgr = PubSubManager(write_only=True)
        mgr._publish = mock.MagicMock()
        mgr.sockets_join('r', '/')
        mgr.disconnect_sockets('/', room='r')
        mgr.server_side_emit('e', 'x', '/')
        assert [c.args[0]['type'] for c in mgr._publish.call_args_list] == \
            ['sockets_join', 'disconnect_sockets', 'server_event']
        with pytest.raises(RuntimeError):
            mgr.fetch_sockets('/')

    def test_unknown_and_malformed_requests_are_skipped(self, bus, caplog):
        a, b = bus.managers
        b._dispatch({'method': 'request', 'type': 'future', 'id': 'x', 'host_id': 'A'})
        b._dispatch({'method': 'request', 'type': 'call', 'id': 'x', 'host_id': 'A',
                     'event': 3, 'data': []})
        b._dispatch({'method': 'from_the_future', 'host_id': 'A'})
        b._dispatch({'method': 'response', 'id': 'unknown', 'host_id': 'A', 'to': 'B'})
        assert 'Error handling pubsub message' in caplog.text  # the malformed call
        assert 'Skipping invalid' not in caplog.text

    def test_heartbeats_are_not_kept_during_an_outage(self):
        mgr = PubSubManager()
        mgr._publish = mock.MagicMock(side_effect=ConnectionError)
        mgr.server = sync_server()
        mgr._send(m.heartbeat_message('h', 5), keep=False)
        assert not mgr._backlog and not mgr._sending
        mgr._sending = True
        mgr._send(m.heartbeat_message('h', 5), keep=False)
        assert not mgr._backlog


def test_async_pubsub_request_flow():
    """The asyncio source: a fetch to a peer that answers through the same
    dispatch path, and the heartbeat loop's greetings."""
    async def main():
        a, b = AsyncPubSubManager(), AsyncPubSubManager()
        for mgr, name in ((a, 'A'), (b, 'B')):
            mgr.host_id = name
            mgr.set_server(async_server())
            mgr._listening = asyncio.Event()

        async def publish(message):
            for mgr in (a, b):
                await mgr._dispatch(json.dumps(message))
        a._publish = b._publish = publish
        await b.connect('eioB', '/')
        await b._send(m.heartbeat_message('B', 5))
        a._listening.set()
        sockets = await a.fetch_sockets('/', timeout=1)
        assert [(s.sid, s.host_id) for s in sockets] == [('sid1', 'B')]
        sent = []
        a._publish = mock.AsyncMock(side_effect=sent.append)
        a._sleep = mock.AsyncMock(side_effect=[None, asyncio.CancelledError])
        with pytest.raises(asyncio.CancelledError):
            await a._heartbeats()
        assert [msg['hello'] for msg in sent] == [True, True]
    run(main())
