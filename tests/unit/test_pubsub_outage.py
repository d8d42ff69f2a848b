"""Message-queue managers while the broker is away (messages kept, in order,
up to a bound; one log line per outage) and signed messages (forged, unsigned
or replayed ones refused and counted)."""
import asyncio
import contextlib
import datetime
import json
import logging
import threading
import time
from unittest import mock

import pytest

from socketio import pubsub_messages
from socketio.async_pubsub_manager import AsyncPubSubManager
from socketio.pubsub_manager import PubSubManager

SECRET = 'a shared secret'


class FlakyBroker:
    """A fake ``_publish``: raises while ``down``; records what it sent and
    sets ``done`` once ``expected`` messages were sent."""

    def __init__(self, expected: int = 0) -> None:
        self.down = False
        self.sent: list = []
        self.expected = expected
        self.done = threading.Event()
        self.lock = threading.Lock()

    def __call__(self, message):
        if self.down:
            raise ConnectionError('broker down')
        with self.lock:
            self.sent.append(message)
            if len(self.sent) >= self.expected:
                self.done.set()

    def tags(self):
        return [m['data'][0] for m in self.sent if m['method'] == 'emit']


def sync_manager(broker, **options):
    pm = PubSubManager(write_only=True, logger=logging.getLogger('socketio'), **options)
    pm._publish = broker
    pm._broker_ready = lambda: not broker.down
    pm._sleep = lambda seconds: time.sleep(0.001)
    pm._wait_for_listeners = mock.MagicMock()
    return pm


class LineSeen(logging.Handler):
    """Sets ``seen`` when a record containing ``text`` is logged."""

    def __init__(self, text):
        super().__init__()
        self.text = text
        self.seen = threading.Event()

    def emit(self, record):
        if self.text in record.getMessage():
            self.seen.set()


@contextlib.contextmanager
def summary_line(text='kept messages sent'):
    """Wait at the end of the block for the sender's summary line (it is
    written after the last kept message was published, so after
    ``broker.done``)."""
    handler = LineSeen(text)
    logger = logging.getLogger()  # after caplog's handler: the line is captured first
    logger.addHandler(handler)
    try:
        yield
        assert handler.seen.wait(10), f'never logged: {text}'
    finally:
        logger.removeHandler(handler)


def log_lines(caplog, text):
    return sum(text in record.getMessage() for record in caplog.records)


class TestOutage:
    def test_messages_are_kept_in_order_and_sent_when_the_broker_is_back(self, caplog):
        broker = FlakyBroker(expected=1 + 10 + 1)
        pm = sync_manager(broker)
        pm.emit('e', 'before')
        broker.down = True
        with caplog.at_level(logging.INFO, logger='socketio'), summary_line():
            for i in range(10):
                pm.emit('e', f'kept-{i}')
            assert len(pm._backlog) == 10
            broker.down = False
            pm.emit('e', 'after')  # queued behind the kept ones, not sent first
            assert broker.done.wait(10)
        assert broker.tags() == ['before'] + [f'kept-{i}' for i in range(10)] + ['after']
        assert pm.dropped_messages == 0
        assert pm._wait_for_listeners.call_count == 1  # once, before the backlog
        assert log_lines(caplog, 'Cannot publish to the message queue') == 1
        assert log_lines(caplog, 'Publishing to the message queue again: 11 kept') == 1

    def test_beyond_the_bound_messages_are_dropped_counted_and_logged_once(self, caplog):
        broker = FlakyBroker(expected=3)
        pm = sync_manager(broker, max_buffered_messages=3)
        broker.down = True
        with caplog.at_level(logging.INFO, logger='socketio'), summary_line():
            for i in range(50):
                pm.emit('e', f'm-{i}')
            assert pm.dropped_messages == 47
            broker.down = False
            assert broker.done.wait(10)
        assert broker.tags() == ['m-0', 'm-1', 'm-2']
        assert log_lines(caplog, 'buffer full') == 1
        assert log_lines(caplog, 'Cannot publish to') == 1
        assert log_lines(caplog, '3 kept messages sent, 47 dropped') == 1
        # a second outage is logged again, the counter goes on
        broker.expected, broker.done = 4, threading.Event()
        broker.down = True
        for i in range(4):
            pm.emit('e', f'n-{i}')
        broker.down = False
        assert broker.done.wait(10)
        assert pm.dropped_messages == 48
        assert log_lines(caplog, 'Cannot publish to') == 2

    def test_threads_publishing_during_an_outage_lose_nothing(self):
        threads, per_thread = 8, 100
        broker = FlakyBroker(expected=threads * per_thread)
        pm = sync_manager(broker, max_buffered_messages=threads * per_thread)
        start = threading.Barrier(threads + 1)

        def publish(t):
            start.wait()
            for i in range(per_thread):
                pm.emit('e', f'{t}-{i}')

        workers = [threading.Thread(target=publish, args=(t,)) for t in range(threads)]
        for worker in workers:
            worker.start()
        start.wait()
        broker.down = True
        time.sleep(0.01)
        broker.down = False
        for worker in workers:
            worker.join(10)
        assert broker.done.wait(10)
        tags = broker.tags()
        assert sorted(tags) == sorted(f'{t}-{i}' for t in range(threads)
                                      for i in range(per_thread))
        for t in range(threads):  # each thread's messages stay in order
            mine = [tag for tag in tags if tag.startswith(f'{t}-')]
            assert mine == [f'{t}-{i}' for i in range(per_thread)]

    def test_a_broker_not_ready_yet_is_asked_again(self):
        broker = FlakyBroker(expected=1)
        pm = sync_manager(broker)
        answers = iter([ConnectionError('no'), False, True])

        def ready():
            answer = next(answers)
            if isinstance(answer, Exception):
                raise answer
            return answer

        pm._broker_ready = ready
        broker.down = True
        pm.emit('e', 'kept')
        broker.down = False
        assert broker.done.wait(10)
        assert pm._wait_for_listeners.call_count == 1

    def test_the_server_runs_the_sender(self):
        broker = FlakyBroker()
        pm = PubSubManager()
        pm._publish = broker
        server = mock.MagicMock()
        pm.set_server(server)
        broker.down = True
        pm.emit('e', 'kept')
        pm.emit('e', 'kept too')
        server.start_background_task.assert_called_once_with(pm._send_backlog)

    def test_asyncio_flavour(self, caplog):
        async def scenario():
            sent = []
            down = True
            two_sent = asyncio.Event()

            async def publish(message):
                if down:
                    raise ConnectionError('broker down')
                sent.append(message['data'][0])
                if len(sent) == 2:
                    two_sent.set()

            pm = AsyncPubSubManager(write_only=True, max_buffered_messages=2,
                                    logger=logging.getLogger('socketio'))
            pm._publish = publish
            pm._wait_for_listeners = mock.AsyncMock()
            pm._sleep = mock.AsyncMock()
            for i in range(4):
                await pm.emit('e', f'm-{i}')
            assert pm.dropped_messages == 2
            down = False
            await asyncio.wait_for(two_sent.wait(), 10)
            for _ in range(100):  # the sender ends right after its last message
                if not pm._sending:
                    break
                await asyncio.sleep(0.01)
            await pm.emit('e', 'after')  # straight to the broker again
            return sent

        with caplog.at_level(logging.INFO, logger='socketio'):
            assert asyncio.run(scenario()) == ['m-0', 'm-1', 'after']
        assert log_lines(caplog, 'Cannot publish to') == 1
        assert log_lines(caplog, 'buffer full') == 1
        assert log_lines(caplog, '2 kept messages sent, 2 dropped') == 1


class TestSigning:
    def test_sign_and_check(self):
        message = pubsub_messages.emit_message('e', 'data', '/', None, None, None, 'h')
        signed = pubsub_messages.sign(message, SECRET)
        assert set(signed) == set(message) | {'ts', 'sig'}
        assert pubsub_messages.check_signature(signed, SECRET) is None
        assert pubsub_messages.check_signature(signed, SECRET.encode()) is None
        assert pubsub_messages.check_signature(message, SECRET) == 'unsigned'
        assert pubsub_messages.check_signature(signed, 'another secret') == 'bad signature'
        forged = dict(signed, data=['changed'])
        assert pubsub_messages.check_signature(forged, SECRET) == 'bad signature'
        # survives the trip through JSON, whatever the key order
        wire = json.loads(json.dumps(dict(reversed(list(signed.items())))))
        assert pubsub_messages.check_signature(wire, SECRET) is None

    def test_old_messages_are_refused_as_replays(self):
        message = {'method': 'close_room', 'room': 'r', 'namespace': '/'}
        with mock.patch('time.time', return_value=time.time() - 60):
            old = pubsub_messages.sign(message, SECRET)
        assert pubsub_messages.check_signature(old, SECRET) == 'too old (a replay?)'
        assert pubsub_messages.check_signature(old, SECRET, window=120) is None

    def test_custom_json_values(self):
        class DateJSON:
            @staticmethod
            def dumps(obj, **kwargs):
                return json.dumps(obj, default=lambda v: v.isoformat(), **kwargs)

            loads = staticmethod(json.loads)

        message = {'method': 'emit', 'event': 'e', 'data': [datetime.date(2026, 1, 2)],
                   'namespace': '/'}
        signed = pubsub_messages.sign(message, SECRET, DateJSON)
        received = json.loads(DateJSON.dumps(signed))
        assert received['data'] == ['2026-01-02']
        assert pubsub_messages.check_signature(received, SECRET) is None

    def test_a_manager_with_a_secret_signs_and_refuses_what_is_not_signed(self, caplog):
        sender = PubSubManager(write_only=True, secret=SECRET)
        sender._publish = mock.MagicMock()
        sender.emit('e', 'hello')
        published = sender._publish.call_args[0][0]
        assert 'sig' in published and 'ts' in published

        receiver = PubSubManager(secret=SECRET, logger=logging.getLogger('socketio'))
        receiver._handle_emit = mock.MagicMock()
        with caplog.at_level(logging.WARNING, logger='socketio'):
            receiver._dispatch(json.dumps(published))
            for i in range(100):  # a flood of forged messages: one log line
                receiver._dispatch(dict(published, data=[f'forged-{i}']))
            receiver._dispatch({'method': 'emit', 'event': 'e', 'data': ['unsigned']})
        receiver._handle_emit.assert_called_once()
        assert receiver._handle_emit.call_args[0][0]['data'] == ['hello']
        assert receiver.rejected_messages == 101
        assert log_lines(caplog, 'bad signature') == 1
        assert log_lines(caplog, 'unsigned') == 1

    def test_without_a_secret_signed_messages_are_accepted(self):
        signed = pubsub_messages.sign({'method': 'close_room', 'room': 'r'}, SECRET)
        receiver = PubSubManager()
        receiver._handle_close_room = mock.MagicMock()
        receiver._dispatch(signed)
        receiver._handle_close_room.assert_called_once()

    def test_the_asyncio_manager_signs_too(self):
        async def scenario():
            pm = AsyncPubSubManager(write_only=True, secret=SECRET)
            pm._publish = mock.AsyncMock()
            await pm.close_room('r', '/')
            return pm._publish.await_args[0][0]

        published = asyncio.run(scenario())
        assert pubsub_messages.check_signature(published, SECRET) is None

    @pytest.mark.parametrize('cls', [PubSubManager, AsyncPubSubManager])
    def test_options_are_keyword_only(self, cls):
        with pytest.raises(TypeError):
            cls('ch', False, None, None, SECRET)
