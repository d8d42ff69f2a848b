"""Bad input over live connections to ``socketio.Server`` (threading mode).

The hostile side is a raw ``engineio.Client`` that sends hand-written
Socket.IO packets; a second, well-behaved ``socketio.Client`` must keep
working after each attack, and the server must log a line naming the problem
on the ``socketio.server`` logger. Server set-up as in ``test_server_js.py``
(Werkzeug threaded server via ``tests.support.wsgi_server``).
"""
import logging
import queue
import threading

import engineio
import pytest
from support import wait_for, wsgi_server

import socketio

pytestmark = pytest.mark.e2e

LOGGER = 'socketio.server'


@pytest.fixture(scope='module')
def server():
    # a short ping interval bounds how long a long-poll GET is held, which
    # bounds an occasional wait of engineio.Client's polling disconnect()
    sio = socketio.Server(async_mode='threading', ping_interval=1)
    events = []

    @sio.event
    def echo(sid, *args):
        events.append(('echo', sid, args))
        return args

    @sio.event
    def boom(sid):
        raise RuntimeError('handler exploded')

    @sio.on('echo', namespace='/chat')
    def chat_echo(sid, data):
        return data

    with wsgi_server(socketio.WSGIApp(sio)) as url:
        yield url, sio, events


@pytest.fixture
def healthy(server):
    url, sio, _ = server
    client = socketio.Client(reconnection=False)
    client.connect(url, transports=['websocket'], wait_timeout=5)
    yield client
    client.disconnect()


class Raw:
    """A raw Engine.IO connection speaking hand-written Socket.IO packets."""

    def __init__(self, url, transport):
        self.eio = engineio.Client()
        self.received = queue.Queue()
        self.eio.on('message', self.received.put)
        self.eio.connect(url, engineio_path='socket.io', transports=[transport])

    def send(self, *messages):
        for message in messages:
            self.eio.send(message)

    def expect(self, prefix, timeout=5.0):
        """Return the next message, which must start with ``prefix``."""
        message = self.received.get(timeout=timeout)
        assert message.startswith(prefix), message
        return message

    def nothing_more(self, wait=0.2):
        with pytest.raises(queue.Empty):
            self.received.get(timeout=wait)

    def close(self):
        self.eio.disconnect()


@pytest.fixture(params=['websocket', 'polling'])
def raw(server, request):
    conn = Raw(server[0], request.param)
    yield conn
    conn.close()


def still_fine(healthy, raw, connect=True):
    """The healthy client and the hostile connection both keep working."""
    assert healthy.call('echo', 'ok', timeout=5) == 'ok'
    assert raw.eio.state == 'connected'
    if connect:
        raw.send('0{}')
        raw.expect('0{"sid":')
    raw.send('21["echo","raw"]')
    raw.expect('31["raw"]')


@pytest.mark.parametrize('bad,problem', [
    ('2["unterminated', 'Unterminated string'),
    ('2[1,2]', 'Event payload must be a list starting with the event name'),
    ('2{"not":"a list"}', 'Event payload must be a list starting with the event name'),
    ('2', 'Event payload must be a list starting with the event name'),
    ('9', 'Unknown packet type'),
    ('7["ev"]', 'Unknown packet type'),
    ('4{"message":"from a client"}', 'Unexpected CONNECT_ERROR packet'),
    ('2/chat{"junk"', 'Invalid namespace'),
    ('21' + '9' * 120 + '["echo"]', 'Packet id is too long'),
    ('2' + '[' * 5000 + ']' * 5000, 'nested too deeply'),
    ('x', 'Invalid packet type'),
    ('3x', 'Expecting value'),
    ('5-', 'Expecting value'),  # no attachment count: then data, not JSON
], ids=lambda v: v[:20] if isinstance(v, str) else None)
def test_malformed_packets(server, healthy, raw, caplog, bad, problem):
    caplog.set_level(logging.WARNING, logger=LOGGER)
    raw.send('0{}')
    raw.expect('0{"sid":')
    raw.send(bad)
    expected = f'Invalid packet from {raw.eio.sid}: '
    assert wait_for(lambda: expected in caplog.text), caplog.text
    assert problem in caplog.text
    raw.nothing_more()
    still_fine(healthy, raw, connect=False)


@pytest.mark.parametrize('messages,delivered', [
    # more attachments than announced: the first completes the event, the
    # second is a stray attachment
    (['51-["echo",{"_placeholder":true,"num":0}]', b'one', b'two'], [(b'one',)]),
    # a placeholder pointing past the announced attachments
    (['51-["echo",{"_placeholder":true,"num":5}]', b'one'], []),
    # a binary attachment nobody announced
    ([b'stray bytes'], []),
], ids=['too-many', 'bad-num', 'stray'])
def test_binary_attachment_mismatch(server, healthy, raw, caplog, messages, delivered):
    url, sio, events = server
    caplog.set_level(logging.WARNING, logger=LOGGER)
    raw.send('0{}')
    raw.expect('0{"sid":')
    sid = sio.manager.sid_from_eio_sid(raw.eio.sid, '/')
    raw.send(*messages)
    assert wait_for(lambda: 'Invalid packet from' in caplog.text), caplog.text
    still_fine(healthy, raw, connect=False)
    # the half-received packet was dropped: a fresh binary event works
    raw.send('51-["echo",{"_placeholder":true,"num":0}]', b'fresh')
    assert wait_for(lambda: (b'fresh',) in [e[2] for e in events if e[1] == sid])
    assert [e[2] for e in events if e[1] == sid] == delivered + [('raw',), (b'fresh',)]


def test_text_where_an_attachment_is_due_is_the_attachment(server, healthy, raw):
    """As in 5.0.3, whatever message comes next is the attachment; text is
    taken as its UTF-8 bytes (Engine.IO's gevent_uwsgi driver delivers some
    binary frames as text)."""
    url, sio, events = server
    raw.send('0{}')
    raw.expect('0{"sid":')
    sid = sio.manager.sid_from_eio_sid(raw.eio.sid, '/')
    raw.send('52-["echo",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]',
             b'one', '2["echo","not binary"]')
    assert wait_for(lambda: [e[2] for e in events if e[1] == sid])
    assert [e[2] for e in events if e[1] == sid] == [(b'one', b'2["echo","not binary"]')]
    still_fine(healthy, raw, connect=False)


def test_unused_attachment_is_tolerated(server, healthy, raw, caplog):
    """More attachments announced than placeholders use: like the JS parser,
    the event is delivered once all announced attachments arrived."""
    url, sio, events = server
    raw.send('0{}')
    raw.expect('0{"sid":')
    sid = sio.manager.sid_from_eio_sid(raw.eio.sid, '/')
    raw.send('52-["echo",{"_placeholder":true,"num":1}]', b'unused', b'used')
    assert wait_for(lambda: (b'used',) in [e[2] for e in events if e[1] == sid])
    still_fine(healthy, raw, connect=False)


def test_binary_header_too_many_attachments(server, healthy, raw, caplog):
    caplog.set_level(logging.WARNING, logger=LOGGER)
    raw.send('0{}')
    raw.expect('0{"sid":')
    raw.send('5999999-["echo",{"_placeholder":true,"num":0}]')
    assert wait_for(lambda: 'Invalid packet from' in caplog.text), caplog.text
    still_fine(healthy, raw, connect=False)


def test_event_before_connect(server, healthy, raw, caplog):
    caplog.set_level(logging.WARNING, logger=LOGGER)
    raw.send('21["echo","too early"]')
    eio_sid = raw.eio.sid
    assert wait_for(lambda: f'{eio_sid} is not connected to namespace /' in caplog.text), \
        caplog.text
    raw.nothing_more()  # no ACK
    raw.send('51-["echo",{"_placeholder":true,"num":0}]', b'early bytes')
    assert wait_for(lambda: 'Unexpected binary packet' in caplog.text), caplog.text
    raw.send('31["an ack for nothing"]')  # the same finding again: counted, not logged
    raw.nothing_more()
    still_fine(healthy, raw)


def test_event_to_namespace_not_connected(server, healthy, raw, caplog):
    url, sio, events = server
    caplog.set_level(logging.WARNING, logger=LOGGER)
    raw.send('0{}')
    raw.expect('0{"sid":')
    raw.send('2/chat,1["echo","wrong namespace"]')
    assert wait_for(lambda: 'is not connected to namespace /chat' in caplog.text), caplog.text
    raw.send('0/nope,{}')
    raw.expect('4/nope,"Unable to connect"')
    assert wait_for(lambda: 'unknown namespace /nope' in caplog.text), caplog.text
    raw.send('2/nope,["echo","nope"]')  # "not connected" again: counted, not logged
    raw.nothing_more()
    still_fine(healthy, raw, connect=False)
    # connecting the namespace afterwards works normally
    raw.send('0/chat,{}')
    raw.expect('0/chat,{"sid":')
    raw.send('2/chat,4["echo","right"]')
    raw.expect('3/chat,4["right"]')


def test_connect_twice(server, healthy, raw, caplog):
    caplog.set_level(logging.WARNING, logger=LOGGER)
    raw.send('0{}')
    raw.expect('0{"sid":')
    raw.send('0{}')
    raw.expect('4"Unable to connect"')
    assert wait_for(lambda: 'already connected to namespace /' in caplog.text), caplog.text
    still_fine(healthy, raw, connect=False)


def test_handler_that_raises(server, healthy, raw, caplog):
    caplog.set_level(logging.WARNING, logger=LOGGER)
    raw.send('0{}')
    raw.expect('0{"sid":')
    raw.send('21["boom"]')
    assert wait_for(lambda: '"boom" handler error' in caplog.text), caplog.text
    assert 'handler exploded' in caplog.text  # the traceback is logged
    raw.nothing_more()  # no ACK for a failed handler
    healthy.emit('boom')
    assert wait_for(lambda: caplog.text.count('"boom" handler error') == 2)
    still_fine(healthy, raw, connect=False)


def test_flood_of_garbage_then_normal_use(server, healthy, caplog):
    """Many hostile connections at once; the healthy client is unaffected."""
    caplog.set_level(logging.WARNING, logger=LOGGER)
    url = server[0]
    conns = [Raw(url, 'websocket') for _ in range(5)]
    try:
        threads = [threading.Thread(target=c.send, args=('0{}', '2["x', b'\x00', '5-', '3x'))
                   for c in conns]
        for t in threads:
            t.start()
        for t in threads:
            t.join(5)
        assert healthy.call('echo', 'still ok', timeout=5) == 'still ok'
        # three invalid packets each: one line per connection, the rest counted
        assert wait_for(lambda: all(f'Invalid packet from {c.eio.sid}' in caplog.text
                                    for c in conns))
        healthy.call('echo', 'sync', timeout=5)
        assert caplog.text.count('Invalid packet from') == 5
        for c in conns:
            assert c.eio.state == 'connected'
    finally:
        for c in conns:
            c.close()
