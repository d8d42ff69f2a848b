"""KombuManager, KafkaManager, ZmqManager and AsyncAioPikaManager with their
client libraries mocked: construction without a broker, JSON publishing with
one retry, and listeners that reconnect with a backoff."""
import asyncio
import json
import logging
from unittest import mock

import pytest

from socketio import async_aiopika_manager, kafka_manager, kombu_manager, zmq_manager
from socketio.async_aiopika_manager import AsyncAioPikaManager
from socketio.kafka_manager import KafkaManager
from socketio.kombu_manager import KombuManager
from socketio.zmq_manager import ZmqManager

MESSAGE = {'method': 'close_room', 'room': 'r', 'namespace': '/'}


@pytest.mark.parametrize('module, attr, cls, args, package', [
    (kombu_manager, 'kombu', KombuManager, (), 'pip install kombu'),
    (kafka_manager, 'kafka', KafkaManager, (), 'pip install kafka-python'),
    (zmq_manager, 'zmq', ZmqManager, (), 'pip install pyzmq'),
    (async_aiopika_manager, 'aio_pika', AsyncAioPikaManager, (), 'pip install aio_pika'),
])
def test_missing_library(monkeypatch, module, attr, cls, args, package):
    monkeypatch.setattr(module, attr, None)
    with pytest.raises(RuntimeError, match=package):
        cls(*args)


class TestKombu:
    def test_construction_connects_nothing(self):
        mgr = KombuManager('amqp://guest:guest@127.0.0.1:1//', channel='flask-socketio',
                           write_only=True)
        assert mgr.name == 'kombu'
        assert not mgr.producer.connection.connected

    def test_exchange_and_queue_options(self):
        mgr = KombuManager('memory://', channel='ch', exchange_options={'durable': True},
                           queue_options={'durable': True})
        exchange = mgr._exchange()
        assert (exchange.name, exchange.type, exchange.durable) == ('ch', 'fanout', True)
        queue = mgr._queue()
        assert queue.name.startswith('flask-socketio.')
        assert queue.durable is True
        assert queue.queue_arguments == {'x-expires': 300000}
        assert mgr._queue().name != queue.name

    def test_publish_json_and_raise(self):
        mgr = KombuManager('memory://')
        mgr.producer = mock.MagicMock()
        publish = mgr.producer.connection.ensure.return_value
        mgr._publish(MESSAGE)
        body = publish.call_args[0][0]
        assert json.loads(body) == MESSAGE
        assert publish.call_args[1]['content_type'] == 'application/json'
        assert mgr.producer.connection.ensure.call_args[1]['max_retries'] == 1
        publish.side_effect = OSError('down')
        broken = mgr.producer
        with pytest.raises(OSError):  # the base class keeps the message
            mgr._publish(MESSAGE)
        assert mgr.producer is not broken  # a fresh producer for the next publish

    def test_round_trip_on_the_memory_transport(self):
        mgr = KombuManager('memory://', channel='mem-' + str(id(self)))
        mgr._sleep = mock.MagicMock(side_effect=AssertionError('no retry expected'))
        listener = mgr._listen()
        got = []

        def read():
            got.append(next(listener))

        import threading
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        deadline = 50
        while reader.is_alive() and deadline:
            mgr._publish(MESSAGE)  # the queue may not be bound yet: repeat
            reader.join(0.1)
            deadline -= 1
        assert json.loads(got[0]) == MESSAGE

    def test_listen_reconnects_with_backoff(self, monkeypatch):
        fake = mock.MagicMock()
        monkeypatch.setattr(kombu_manager, 'kombu', fake)
        mgr = KombuManager('amqp://')
        mgr._sleep = mock.MagicMock()
        connection = fake.Connection.return_value
        connection.ensure_connection.side_effect = [OSError('down'), OSError('down'), None]
        message = mock.MagicMock(body=b'{"x": 1}')
        queue = connection.SimpleQueue.return_value.__enter__.return_value
        queue.get.return_value = message
        assert next(mgr._listen()) == b'{"x": 1}'
        message.ack.assert_called_once_with()
        assert [c[0][0] for c in mgr._sleep.call_args_list] == [0.1, 0.2]


class TestKafka:
    @pytest.fixture
    def kafka(self, monkeypatch):
        fake = mock.MagicMock()
        monkeypatch.setattr(kafka_manager, 'kafka', fake)
        return fake

    def test_urls_and_no_connection_at_construction(self, kafka):
        assert KafkaManager('kafka://').kafka_urls == ['localhost:9092']
        mgr = KafkaManager(['kafka://a:1', 'kafka://b:2'], channel='t', write_only=True)
        assert mgr.kafka_urls == ['a:1', 'b:2']
        assert mgr.name == 'kafka'
        assert kafka.mock_calls == []

    def test_publish_keys_by_channel_and_retries_once(self, kafka):
        mgr = KafkaManager('kafka://h:1', channel='t')
        mgr._publish(MESSAGE)
        producer = kafka.KafkaProducer.return_value
        assert kafka.KafkaProducer.call_args[1]['bootstrap_servers'] == ['h:1']
        args, kwargs = producer.send.call_args
        assert args == ('t',)
        assert kwargs['key'] == b't'  # one partition per channel: messages stay in order
        assert json.loads(kwargs['value']) == MESSAGE
        producer.flush.assert_called_once()
        producer.send.return_value.get.assert_called_once()  # the outcome is checked
        producer.send.side_effect = RuntimeError('no broker')
        with pytest.raises(RuntimeError, match='no broker'):
            mgr._publish(MESSAGE)
        assert producer.send.call_count == 3
        # each failure closes the producer: the next attempt builds a new one
        assert producer.close.call_count == 2 and mgr.producer is None

    def test_a_failed_send_replaces_the_producer(self, kafka):
        mgr = KafkaManager('kafka://h:1', channel='t')
        broken, fresh = mock.MagicMock(name='broken'), mock.MagicMock(name='fresh')
        broken.send.return_value.get.side_effect = RuntimeError('fatal producer state')
        kafka.KafkaProducer.side_effect = [broken, fresh]
        assert mgr._publish(MESSAGE) is fresh.send.return_value
        broken.close.assert_called_once_with(timeout=0)
        assert mgr.producer is fresh

    def test_listen_filters_topics_and_recovers(self, kafka):
        mgr = KafkaManager('kafka://h:1', channel='t')
        mgr._sleep = mock.MagicMock()
        record = mock.MagicMock(topic='t', value=b'{"a": 1}')
        other = mock.MagicMock(topic='u', value=b'no')

        def broken():
            raise OSError('lost')
            yield  # pragma: no cover

        kafka.KafkaConsumer.return_value.__iter__.side_effect = [broken(),
                                                                 iter([other, record])]
        assert next(mgr._listen()) == b'{"a": 1}'
        assert kafka.KafkaConsumer.call_args[1]['group_id'] is None  # every server reads all
        assert [c[0][0] for c in mgr._sleep.call_args_list] == [0.1]


class TestZmq:
    def test_url(self):
        mgr = ZmqManager('zmq+tcp://127.0.0.1:5555+5556', write_only=True)
        assert (mgr.sink_url, mgr.sub_url) == ('tcp://127.0.0.1:5555', 'tcp://127.0.0.1:5556')
        assert mgr.sub is None
        for url in ('tcp://127.0.0.1:5555+5556', 'zmq+tcp://127.0.0.1:5555'):
            with pytest.raises(RuntimeError, match='unexpected connection string'):
                ZmqManager(url)

    def test_publish_envelope(self):
        mgr = ZmqManager('zmq+tcp://127.0.0.1:1+2', channel='ch', write_only=True)
        mgr.sink = mock.MagicMock()
        mgr._publish(MESSAGE)
        assert json.loads(mgr.sink.send.call_args[0][0]) == {
            'type': 'message', 'channel': 'ch', 'data': MESSAGE}
        mgr.sink.send.side_effect = zmq_manager.zmq.Again()
        with pytest.raises(zmq_manager.zmq.Again):
            mgr._publish(MESSAGE)
        assert mgr.sink.send.call_count == 3

    def test_listen_unwraps_and_skips_invalid_frames(self, caplog):
        mgr = ZmqManager('zmq+tcp://127.0.0.1:1+2', channel='ch')
        frames = [b'garbage', json.dumps({'type': 'message', 'channel': 'other',
                                          'data': {}}).encode(),
                  json.dumps([1]).encode(),
                  json.dumps({'type': 'message', 'channel': 'ch', 'data': MESSAGE}).encode()]
        mgr.sub = mock.MagicMock()
        mgr.sub.recv.side_effect = frames
        with caplog.at_level(logging.WARNING):
            assert next(mgr._listen()) == MESSAGE
        assert caplog.text.count('Skipping invalid zmq frame') == 2


class TestAioPika:
    @pytest.fixture
    def pika(self, monkeypatch):
        fake = mock.MagicMock()
        monkeypatch.setattr(async_aiopika_manager, 'aio_pika', fake)
        return fake

    def test_construction_connects_nothing(self, pika):
        mgr = AsyncAioPikaManager('amqp://', channel='ch', write_only=True)
        assert mgr.name == 'asyncaiopika'
        assert pika.mock_calls == []
        assert mgr.listener_connection is None

    def test_publish_reconnects_once(self, pika):
        mgr = AsyncAioPikaManager('amqp://', channel='ch')
        connection = mock.MagicMock()
        connection.close = mock.AsyncMock()
        channel = mock.MagicMock()
        exchange = mock.MagicMock()
        exchange.publish = mock.AsyncMock(side_effect=[ConnectionError('closed'), 'ok'])
        connection.channel = mock.AsyncMock(return_value=channel)
        channel.declare_exchange = mock.AsyncMock(return_value=exchange)
        pika.connect = mock.AsyncMock(return_value=connection)
        assert asyncio.run(mgr._publish(MESSAGE)) == 'ok'
        assert pika.connect.await_count == 2  # reconnected after the failure
        body = pika.Message.call_args[1]['body']
        assert json.loads(body) == MESSAGE
        channel.declare_exchange.assert_awaited_with('ch', pika.ExchangeType.FANOUT)
        pika.connect.side_effect = OSError('refused')
        mgr.publisher_exchange = None
        with pytest.raises(OSError, match='refused'):
            asyncio.run(mgr._publish(MESSAGE))
        assert pika.connect.await_count == 4

    def test_listen_reconnects_with_backoff(self, pika):
        mgr = AsyncAioPikaManager('amqp://', channel='ch')
        calls = []

        async def connect(*args, **kwargs):
            calls.append(1)
            if len(calls) < 3:
                raise OSError('refused')
            return connection

        connection = mock.MagicMock()
        connection.close = mock.AsyncMock()
        channel = mock.MagicMock()
        channel.set_qos = mock.AsyncMock()
        connection.channel = mock.AsyncMock(return_value=channel)
        channel.declare_exchange = mock.AsyncMock()
        queue = mock.MagicMock()
        queue.bind = mock.AsyncMock()
        channel.declare_queue = mock.AsyncMock(return_value=queue)
        message = mock.MagicMock(body=b'{"a": 1}')
        message.process.return_value.__aenter__ = mock.AsyncMock()
        message.process.return_value.__aexit__ = mock.AsyncMock(return_value=False)

        class Iterator:
            async def __aenter__(self):
                return self

            async def __aexit__(self, *args):
                return False

            def __aiter__(self):
                return self

            async def __anext__(self):
                return message

        queue.iterator.return_value = Iterator()
        pika.connect = connect

        async def scenario():
            listener = mgr._listen()
            with mock.patch('asyncio.sleep', new=mock.AsyncMock()) as sleep:
                body = await listener.__anext__()
            await listener.aclose()
            return body, sleep.await_args_list

        body, sleeps = asyncio.run(scenario())
        assert body == b'{"a": 1}'
        assert sleeps == [mock.call(0.1), mock.call(0.2)]
        assert channel.declare_queue.await_args[1]['arguments'] == {'x-expires': 300000}
        message.process.assert_called_once()  # acknowledged
