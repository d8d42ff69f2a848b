"""RedisManager and AsyncRedisManager with the redis client mocked."""
import asyncio
import json
import logging
from unittest import mock

import pytest
import redis as real_redis

from socketio import async_redis_manager, redis_manager
from socketio.async_redis_manager import AsyncRedisManager, _parse_redis_url
from socketio.redis_manager import RedisManager, parse_sentinel_url

ConnError = real_redis.exceptions.ConnectionError


@pytest.fixture
def fake_redis(monkeypatch):
    fake = mock.MagicMock()
    fake.RedisError = real_redis.RedisError
    monkeypatch.setattr(redis_manager, 'redis', fake)
    return fake


@pytest.fixture
def fake_aioredis(monkeypatch):
    fake = mock.MagicMock()
    fake.RedisError = real_redis.RedisError
    monkeypatch.setattr(async_redis_manager, 'aioredis', fake)
    return fake


class TestRedisManager:
    def test_construction_needs_no_broker(self, fake_redis):
        mgr = RedisManager('redis://', channel='flask-socketio', write_only=True)
        assert (mgr.name, mgr.channel, mgr.write_only) == ('redis', 'flask-socketio', True)
        assert fake_redis.mock_calls == []
        assert mgr.redis is None

    def test_missing_library_is_reported_on_use(self, monkeypatch):
        monkeypatch.setattr(redis_manager, 'redis', None)
        mgr = RedisManager('redis://')  # constructing still works
        with pytest.raises(RuntimeError, match='pip install redis'):
            mgr._publish({'method': 'close_room', 'room': 'r'})
        mgr.set_server(mock.MagicMock(async_mode='threading'))
        with pytest.raises(RuntimeError, match='pip install redis'):
            mgr.initialize()

    def test_library_is_imported_lazily(self, monkeypatch):
        monkeypatch.setattr(redis_manager, 'redis', redis_manager.LAZY)
        assert redis_manager._redis() is real_redis

    @pytest.mark.parametrize('url', ['http://x', 'redis', 'amqp://localhost'])
    def test_unsupported_scheme(self, url):
        with pytest.raises(ValueError, match='Unsupported Redis URL scheme'):
            RedisManager(url)

    def test_connect_options(self, fake_redis, monkeypatch):
        monkeypatch.setattr(redis_manager, 'valkey', None)  # valkey URL, redis-py client
        mgr = RedisManager('valkey://host:1/2', redis_options={'socket_timeout': 3})
        mgr._redis_connect()
        fake_redis.Redis.from_url.assert_called_once_with(
            'redis://host:1/2', socket_connect_timeout=5, socket_timeout=3)
        assert mgr.pubsub is fake_redis.Redis.from_url.return_value.pubsub.return_value

    def test_positional_redis_options_of_503(self, fake_redis):
        mgr = RedisManager('redis://', 'ch', False, None, {'db': 3})
        assert mgr.redis_options == {'db': 3}

    def test_sentinel_url(self, fake_redis):
        assert parse_sentinel_url('redis+sentinel://:pw@h1:1,h2:2/3/svc') == (
            [('h1', 1), ('h2', 2)], 'svc', {'password': 'pw', 'db': 3})
        assert parse_sentinel_url('redis+sentinel://h1') == ([('h1', 26379)], 'mymaster', {})
        mgr = RedisManager('redis+sentinel://:pw@h1:1/0/svc')
        mgr._redis_connect()
        fake_redis.sentinel.Sentinel.assert_called_once_with(
            [('h1', 1)], sentinel_kwargs={'password': 'pw'}, socket_connect_timeout=5)
        fake_redis.sentinel.Sentinel.return_value.master_for.assert_called_once_with(
            'svc', password='pw', db=0)

    def test_publish_sends_json(self, fake_redis):
        mgr = RedisManager('redis://', channel='ch')
        mgr._publish({'method': 'close_room', 'room': b'x'.decode(), 'namespace': '/'})
        client = fake_redis.Redis.from_url.return_value
        channel, payload = client.publish.call_args[0]
        assert channel == 'ch'
        assert json.loads(payload) == {'method': 'close_room', 'room': 'x', 'namespace': '/'}

    def test_publish_retries_once_then_raises(self, fake_redis):
        mgr = RedisManager('redis://')
        client = fake_redis.Redis.from_url.return_value
        client.publish.side_effect = [ConnError('down'), 7]
        assert mgr._publish({'method': 'close_room', 'room': 'r'}) == 7
        client.publish.side_effect = ConnError('down')
        with pytest.raises(ConnError):  # the base class keeps the message
            mgr._publish({'method': 'close_room', 'room': 'r'})
        assert client.publish.call_count == 4

    def test_listen_filters_and_reconnects_with_backoff(self, fake_redis, caplog):
        mgr = RedisManager('redis://', channel='ch')
        mgr._sleep = mock.MagicMock()
        pubsub = fake_redis.Redis.from_url.return_value.pubsub.return_value

        # broker down twice, then a subscription that drops, then a good one
        pubsub.subscribe.side_effect = [ConnError('refused'), ConnError('refused'), None,
                                        ConnError('refused'), None]
        pubsub.listen.side_effect = [
            iter([{'type': 'subscribe', 'channel': b'ch', 'data': 1},
                  {'type': 'message', 'channel': b'other', 'data': b'no'},
                  {'type': 'message', 'channel': b'ch', 'data': b'yes'},
                  {'type': 'message', 'channel': 'ch', 'data': 'str'}]),
            iter([{'type': 'message', 'channel': b'ch', 'data': b'again'}])]
        with caplog.at_level(logging.ERROR, logger='socketio'):
            listener = mgr._listen()
            got = [next(listener) for _ in range(3)]
        assert got == [b'yes', 'str', b'again']
        # 0.1 s, 0.2 s; a successful subscription resets the delay
        assert [c[0][0] for c in mgr._sleep.call_args_list] == [0.1, 0.2, 0.1, 0.2]
        assert pubsub.subscribe.call_count == 5
        # one line per outage (two outages here), and one when it ends
        assert caplog.text.count('Cannot receive from redis... retrying in 0.1 secs') == 2

    @pytest.mark.filterwarnings('ignore::Warning')  # importing eventlet warns
    def test_initialize_checks_monkey_patching(self, fake_redis):
        pytest.importorskip('eventlet')
        mgr = RedisManager('redis://')
        mgr.set_server(mock.MagicMock(async_mode='eventlet'))
        with pytest.raises(RuntimeError, match='Redis requires a monkey patched socket'):
            mgr.initialize()


def _fail():
    raise ConnError('connection lost')
    yield  # pragma: no cover


class TestAsyncRedisManager:
    @pytest.mark.parametrize('url, expected', [
        ('redis://', ('localhost', 6379, None, 0, False)),
        ('redis://redis.host', ('redis.host', 6379, None, 0, False)),
        ('redis://redis.host:123/1', ('redis.host', 123, None, 1, False)),
        ('redis://redis.host/1', ('redis.host', 6379, None, 1, False)),
        ('redis://:pw@redis.host/1', ('redis.host', 6379, 'pw', 1, False)),
        ('redis://:123/1', ('localhost', 123, None, 1, False)),
        ('redis://:pw@:123/1', ('localhost', 123, 'pw', 1, False)),
        ('rediss://', ('localhost', 6379, None, 0, True)),
    ])
    def test_parse_redis_url(self, url, expected):
        assert _parse_redis_url(url) == expected

    @pytest.mark.parametrize('url', ['redis://localhost:abc/1', 'redis://localhost:abc/z',
                                     'http://redis.host:123/1'])
    def test_parse_redis_url_errors(self, url):
        with pytest.raises(ValueError):
            _parse_redis_url(url)

    def test_construction_needs_no_broker_nor_loop(self, fake_aioredis):
        mgr = AsyncRedisManager('redis://', write_only=True)
        assert mgr.name == 'aioredis'
        assert fake_aioredis.mock_calls == []

    def test_missing_library(self, monkeypatch):
        monkeypatch.setattr(async_redis_manager, 'aioredis', None)
        mgr = AsyncRedisManager('redis://')
        with pytest.raises(RuntimeError, match='pip install redis'):
            asyncio.run(mgr._publish({'method': 'close_room', 'room': 'r'}))

    def test_publish_retries_once(self, fake_aioredis):
        mgr = AsyncRedisManager('redis://', channel='ch')
        client = fake_aioredis.Redis.from_url.return_value
        client.publish = mock.AsyncMock(side_effect=[ConnError('x'), 1])
        assert asyncio.run(mgr._publish({'method': 'close_room', 'room': 'r'})) == 1
        assert client.publish.await_args[0][0] == 'ch'
        assert json.loads(client.publish.await_args[0][1])['room'] == 'r'
        client.publish = mock.AsyncMock(side_effect=OSError('x'))
        with pytest.raises(OSError):
            asyncio.run(mgr._publish({'method': 'close_room', 'room': 'r'}))
        assert client.publish.await_count == 2

    def test_listen_reconnects(self, fake_aioredis):
        mgr = AsyncRedisManager('redis://', channel='ch')
        pubsub = fake_aioredis.Redis.from_url.return_value.pubsub.return_value
        pubsub.subscribe = mock.AsyncMock()
        pubsub.aclose = mock.AsyncMock()

        async def broken():
            raise ConnError('lost')
            yield  # pragma: no cover

        async def good():
            yield {'type': 'subscribe', 'channel': b'ch', 'data': 1}
            yield {'type': 'message', 'channel': b'ch', 'data': b'one'}

        pubsub.listen.side_effect = [broken(), good()]

        async def scenario():
            listener = mgr._listen()
            with mock.patch('asyncio.sleep', new=mock.AsyncMock()) as sleep:
                first = await listener.__anext__()
            await listener.aclose()
            return first, sleep.await_args_list

        first, sleeps = asyncio.run(scenario())
        assert first == b'one'
        assert sleeps == [mock.call(0.1)]
        assert pubsub.aclose.await_count == 1
