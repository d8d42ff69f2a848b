"""NatsManager, AsyncNatsManager, PostgresManager and AsyncPostgresManager
with their client libraries mocked (URLs, lazy import, publishing, the
large-message path of PostgreSQL, listeners that reconnect), and the loop
thread that lets the standard NATS manager drive nats-py."""
import asyncio
import inspect
import json
import logging
import subprocess
import sys
import threading
from types import SimpleNamespace
from unittest import mock

import pytest

import socketio
from socketio import loop_thread, nats_base, postgres_base
from socketio.pubsub_base import LAZY

MESSAGE = {'method': 'close_room', 'room': 'r', 'namespace': '/'}
BIG = {'method': 'emit', 'event': 'e', 'data': ['x' * 8000], 'namespace': '/'}


def run(coroutine):
    return asyncio.run(coroutine)


def test_importing_socketio_imports_no_client_library():
    code = ('import sys, socketio; '
            'print(sorted(m for m in ("nats", "psycopg") if m in sys.modules))')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    assert out.strip() == '[]'


# -- NATS ------------------------------------------------------------------------------
class TestNatsConstruction:
    @pytest.mark.parametrize('cls', [socketio.NatsManager, socketio.AsyncNatsManager])
    def test_urls(self, cls):
        assert cls().nats_urls == ['nats://localhost:4222']
        mgr = cls(['nats://a:1', 'tls://b:2', 'ws://c:3', 'wss://d:4'], channel='subject')
        assert mgr.nats_urls == ['nats://a:1', 'tls://b:2', 'ws://c:3', 'wss://d:4']
        assert mgr.nats_url == 'nats://a:1'
        assert mgr.channel == 'subject'
        for bad in ('redis://h:1', 'localhost:4222', []):
            with pytest.raises(ValueError):
                cls(bad)
        cls(channel='app.socketio-1')
        for bad in ('', 'a b', 'a.*', 'a.>', 'a..b', 'tab\t'):
            with pytest.raises(ValueError, match='NATS subject'):
                cls(channel=bad)

    def test_names(self):
        assert socketio.NatsManager.name == 'nats'
        assert socketio.AsyncNatsManager.name == 'aionats'
        assert issubclass(socketio.NatsManager, socketio.PubSubManager)
        assert not inspect.iscoroutinefunction(socketio.NatsManager._publish)
        assert inspect.iscoroutinefunction(socketio.AsyncNatsManager._publish)
        assert inspect.isasyncgenfunction(socketio.AsyncNatsManager._listen)
        assert inspect.isgeneratorfunction(socketio.NatsManager._listen)

    def test_options(self):
        mgr = socketio.AsyncNatsManager(nats_options={'connect_timeout': 1, 'name': 'x'})
        options = mgr._nats_connect_options()
        assert options['servers'] == ['nats://localhost:4222']
        assert options['connect_timeout'] == 1 and options['name'] == 'x'
        # the manager reconnects itself; nats-py must neither retry for long
        # nor buffer publishes while disconnected
        assert options['allow_reconnect'] is False
        assert options['max_reconnect_attempts'] == 1
        assert inspect.iscoroutinefunction(options['error_cb'])  # nats-py requires it

    def test_nothing_is_imported_nor_connected_at_construction(self, monkeypatch):
        monkeypatch.setattr(nats_base, 'nats', LAZY)
        socketio.NatsManager('nats://127.0.0.1:1', write_only=True)
        socketio.AsyncNatsManager('nats://127.0.0.1:1')
        assert nats_base.nats is LAZY

    def test_missing_library(self, monkeypatch):
        monkeypatch.setattr(nats_base, 'nats', None)
        for cls in (socketio.NatsManager, socketio.AsyncNatsManager):
            mgr = cls()  # constructing needs no library
            with pytest.raises(RuntimeError, match='pip install nats-py'):
                mgr.initialize()
        with pytest.raises(RuntimeError, match='pip install nats-py'):
            socketio.NatsManager()._publish(MESSAGE)
        with pytest.raises(RuntimeError, match='pip install nats-py'):
            run(socketio.AsyncNatsManager()._publish(MESSAGE))

    @pytest.mark.parametrize('mode', ['eventlet', 'gevent', 'gevent_uwsgi'])
    def test_the_standard_manager_refuses_green_threads(self, mode):
        mgr = socketio.NatsManager()
        mgr.server = mock.MagicMock(async_mode=mode)
        with pytest.raises(RuntimeError, match='threading'):
            mgr.initialize()


def fake_nats_client(closed=False, max_payload=1 << 20):
    client = mock.MagicMock(is_closed=closed, max_payload=max_payload)
    client.publish = mock.AsyncMock()
    client.flush = mock.AsyncMock()
    client.close = mock.AsyncMock()
    return client


class TestAsyncNatsPublish:
    @pytest.fixture
    def nats(self, monkeypatch):
        fake = mock.MagicMock()
        fake.connect = mock.AsyncMock(side_effect=lambda **kw: fake_nats_client())
        monkeypatch.setattr(nats_base, 'nats', fake)
        return fake

    def test_publish_json_then_flush(self, nats):
        mgr = socketio.AsyncNatsManager('nats://h:1', channel='ch')
        run(mgr._publish(MESSAGE))
        assert nats.connect.call_args[1]['servers'] == ['nats://h:1']
        client = mgr.publisher
        (subject, payload), _ = client.publish.call_args
        assert subject == 'ch' and json.loads(payload) == MESSAGE
        client.flush.assert_awaited_once()
        run(mgr._publish(MESSAGE))
        assert nats.connect.call_count == 1  # one connection for every publish

    def test_a_failed_publish_raises_and_resets_the_connection(self, nats):
        mgr = socketio.AsyncNatsManager()
        run(mgr._publish(MESSAGE))
        broken = mgr.publisher
        broken.flush.side_effect = TimeoutError('flush timeout')
        with pytest.raises(TimeoutError):  # the base class keeps the message
            run(mgr._publish(MESSAGE))
        assert mgr.publisher is None
        broken.close.assert_awaited_once()
        run(mgr._publish(MESSAGE))
        assert mgr.publisher is not broken and nats.connect.call_count == 2

    def test_a_failed_connection_raises(self, nats):
        nats.connect.side_effect = OSError('refused')
        with pytest.raises(OSError):
            run(socketio.AsyncNatsManager()._publish(MESSAGE))

    def test_a_connection_found_closed_is_replaced_before_publishing(self, nats):
        mgr = socketio.AsyncNatsManager()
        mgr.publisher = old = fake_nats_client(closed=True)
        run(mgr._publish(MESSAGE))
        old.publish.assert_not_called()
        mgr.publisher.publish.assert_awaited_once()
        assert run(mgr._broker_ready()) is True

    def test_a_message_over_the_server_limit_is_dropped(self, nats, caplog):
        mgr = socketio.AsyncNatsManager()
        mgr.publisher = client = fake_nats_client(max_payload=100)
        with caplog.at_level(logging.ERROR, logger='socketio'):
            run(mgr._publish(BIG))  # no retry could send it: no exception
        client.publish.assert_not_called()
        assert 'over the server' in caplog.text


class TestNatsListen:
    def test_async_listener_reconnects_with_backoff(self, monkeypatch, caplog):
        fake = mock.MagicMock()
        subscription = mock.MagicMock()
        subscription.next_msg = mock.AsyncMock(side_effect=[
            SimpleNamespace(data=b'one'), ConnectionError('closed'),
            SimpleNamespace(data=b'two')])
        client = fake_nats_client()
        client.subscribe = mock.AsyncMock(return_value=subscription)
        fake.connect = mock.AsyncMock(side_effect=[client, OSError('refused'), client])
        monkeypatch.setattr(nats_base, 'nats', fake)
        mgr = socketio.AsyncNatsManager(channel='ch')
        mgr._sleep = mock.AsyncMock()

        async def two():
            listener = mgr._listen()
            got = [await listener.__anext__(), await listener.__anext__()]
            await listener.aclose()
            return got

        with caplog.at_level(logging.ERROR, logger='socketio'):
            assert run(two()) == [b'one', b'two']
        client.subscribe.assert_awaited_with('ch')
        subscription.next_msg.assert_awaited_with(timeout=None)
        assert [c[0][0] for c in mgr._sleep.call_args_list] == [0.1, 0.2]
        assert 'Cannot receive from nats' in caplog.text
        client.close.assert_awaited_once()  # the connection that failed is closed

    def test_standard_listener_and_publish(self, monkeypatch):
        """The generated code, without await, on a blocking view of nats-py
        (here a plain mock standing for the view)."""
        subscription = mock.MagicMock()
        subscription.next_msg.side_effect = [SimpleNamespace(data=b'one'), OSError('eof'),
                                             SimpleNamespace(data=b'two')]
        client = mock.MagicMock(is_closed=False, max_payload=1 << 20)
        client.subscribe.return_value = subscription
        view = mock.MagicMock()
        view.connect.side_effect = lambda **kw: client
        monkeypatch.setattr(socketio.NatsManager, '_nats_module', staticmethod(lambda: view))
        mgr = socketio.NatsManager(channel='ch')
        mgr._sleep = mock.MagicMock()
        listener = mgr._listen()
        assert [next(listener), next(listener)] == [b'one', b'two']
        assert [c[0][0] for c in mgr._sleep.call_args_list] == [0.1]
        client.flush.reset_mock()
        mgr._publish(MESSAGE)
        (subject, payload), _ = client.publish.call_args
        assert subject == 'ch' and json.loads(payload) == MESSAGE
        client.flush.assert_called_once_with(nats_base.FLUSH_TIMEOUT)
        client.publish.side_effect = OSError('gone')
        with pytest.raises(OSError):
            mgr._publish(MESSAGE)
        assert mgr.publisher is None

    def test_the_standard_manager_uses_a_blocking_view(self):
        pytest.importorskip('nats')
        view = socketio.NatsManager()._required_module()
        assert isinstance(view, loop_thread.Blocking)
        assert not inspect.iscoroutinefunction(view.connect)
        assert socketio.AsyncNatsManager()._required_module() is nats_base._aionats()


# -- the loop thread -----------------------------------------------------------------
class Resource:
    """Stands for an object of an asyncio library (this test module)."""

    def __init__(self, value):
        self.value = value
        self.child = None

    async def double(self):
        await asyncio.sleep(0)
        return self.value * 2

    async def make(self, value):
        self.child = Resource(value)
        return self.child

    async def fail(self):
        raise KeyError('nope')

    async def loop_thread_name(self):
        return threading.current_thread().name


class TestLoopThread:
    def test_coroutines_block_and_objects_of_the_library_are_wrapped(self):
        view = loop_thread.blocking(Resource(21), __name__)
        assert view.double() == 42
        assert view.loop_thread_name() == 'socketio-loop'
        child = view.make(5)
        assert isinstance(child, loop_thread.Blocking)
        assert child.double() == 10
        assert child.value == 5  # plain attributes are passed through
        assert isinstance(view.child, loop_thread.Blocking)
        with pytest.raises(KeyError):
            view.fail()
        assert 'Resource' in repr(view)

    def test_package_defaults_to_the_objects_package(self):
        view = loop_thread.blocking(asyncio)
        assert view._package == 'asyncio'
        assert view.sleep(0) is None

    def test_a_blocking_call_on_the_loop_thread_itself_is_refused(self):
        loop = loop_thread.LoopThread('test-loop')
        try:
            view = loop_thread.blocking(Resource(1), __name__, loop)

            async def inside():
                return view.double()

            with pytest.raises(RuntimeError, match='own event loop'):
                loop.run(inside())
        finally:
            loop.stop()
        assert not loop.thread.is_alive()

    def test_the_shared_loop_is_restarted_in_a_forked_child(self, monkeypatch):
        first = loop_thread.shared_loop_thread()
        assert loop_thread.shared_loop_thread() is first
        monkeypatch.setattr(first, 'pid', -1)  # as seen from a child process
        second = loop_thread.shared_loop_thread()
        assert second is not first and second.thread.is_alive()
        first.stop()
        assert first.loop.is_closed()


# -- PostgreSQL ----------------------------------------------------------------------
class TestPostgresConstruction:
    @pytest.mark.parametrize('cls', [socketio.PostgresManager, socketio.AsyncPostgresManager])
    def test_urls_and_channel(self, cls):
        assert cls().postgres_url == 'postgresql://localhost/postgres'
        for url in ('postgresql://u:p@h:5433/db?sslmode=require', 'postgres://h/db',
                    'POSTGRESQL://h/db'):
            assert cls(url).postgres_url == url
        for bad in ('mysql://h/db', 'host=h dbname=db', 'h:5432'):
            with pytest.raises(ValueError):
                cls(bad)
        cls(channel='x' * 63)
        with pytest.raises(ValueError, match='63'):
            cls(channel='x' * 64)
        with pytest.raises(ValueError, match='63'):
            cls(channel='é' * 32)  # 64 bytes

    def test_names_and_options(self):
        assert socketio.PostgresManager.name == 'postgres'
        assert socketio.AsyncPostgresManager.name == 'aiopostgres'
        mgr = socketio.AsyncPostgresManager(postgres_options={'application_name': 'x'})
        options = mgr._connect_options()
        assert options['application_name'] == 'x' and options['autocommit'] is True
        assert options['connect_timeout'] == 5 and options['keepalives'] == 1
        assert mgr.table == 'socketio_messages'
        assert mgr.notify_limit == 7000 and mgr.large_message_ttl == 60

    def test_missing_library(self, monkeypatch):
        monkeypatch.setattr(postgres_base, 'psycopg', None)
        for cls in (socketio.PostgresManager, socketio.AsyncPostgresManager):
            mgr = cls()
            with pytest.raises(RuntimeError, match=r'pip install psycopg\[binary\]'):
                mgr.initialize()
        with pytest.raises(RuntimeError, match='psycopg'):
            socketio.PostgresManager()._publish(MESSAGE)
        with pytest.raises(RuntimeError, match='psycopg'):
            run(socketio.AsyncPostgresManager()._publish(MESSAGE))

    def test_nothing_is_imported_at_construction(self, monkeypatch):
        monkeypatch.setattr(postgres_base, 'psycopg', LAZY)
        socketio.PostgresManager(write_only=True)
        socketio.AsyncPostgresManager()
        assert postgres_base.psycopg is LAZY

    def test_eventlet_is_refused(self):
        mgr = socketio.PostgresManager()
        mgr.server = mock.MagicMock(async_mode='eventlet')
        with pytest.raises(RuntimeError, match='eventlet'):
            mgr.initialize()

    @pytest.mark.parametrize('payload, ref', [
        ('{"ref": 12}', 12), ('{"ref": 0}', 0), ('{"ref": "12"}', None),
        ('{"ref": true}', None), ('{"ref": 1, "x": 2}', None), ('{"ref": 1', None),
        ('{"method": "emit", "ref": 3}', None), ('this is {not json', None), ('', None),
    ])
    def test_references(self, payload, ref):
        assert postgres_base.reference(payload) == ref

    def test_large_is_counted_in_bytes(self):
        mgr = socketio.PostgresManager()
        assert not mgr._is_large('x' * 7000)
        assert mgr._is_large('x' * 7001)
        assert mgr._is_large('é' * 3501)  # 7002 bytes in UTF-8


class TestPostgresSql:
    @pytest.fixture
    def psycopg(self):
        return pytest.importorskip('psycopg')

    def test_identifiers_are_quoted(self, psycopg):
        mgr = socketio.PostgresManager(channel='My "Chan"; DROP', table='app.msgs')
        assert mgr._listen_sql(psycopg).as_string(None) == 'LISTEN "My ""Chan""; DROP"'
        assert '"app"."msgs"' in mgr._create_table_sql(psycopg).as_string(None)
        assert mgr._fetch_sql(psycopg).as_string(None) == \
            'SELECT body FROM "app"."msgs" WHERE id = %s AND channel = %s'

    def test_store_statement(self, psycopg):
        mgr = socketio.PostgresManager(table='t')
        text = mgr._store_sql(psycopg).as_string(None)
        assert text.startswith('WITH expired AS (DELETE FROM "t" WHERE created < now() - %s')
        assert 'INSERT INTO "t" (channel, body) VALUES (%s, %s) RETURNING id' in text
        assert text.endswith("SELECT pg_notify(channel, '{\"ref\": ' || id || '}') FROM stored")
        assert mgr._store_params('{}') == (60, 'socketio', '{}')


def fake_psycopg(connections):
    """A stand-in for psycopg whose asyncio and standard connections are
    taken from ``connections`` in turn."""
    psycopg = pytest.importorskip('psycopg')
    fake = mock.MagicMock()
    fake.sql = psycopg.sql
    fake.errors = psycopg.errors
    fake.AsyncConnection.connect = mock.AsyncMock(side_effect=connections)
    fake.Connection.connect = mock.MagicMock(side_effect=connections)
    return fake


def async_connection():
    connection = mock.MagicMock()
    connection.execute = mock.AsyncMock()
    connection.close = mock.AsyncMock()
    return connection


class TestAsyncPostgresPublish:
    def test_small_messages_are_notified(self, monkeypatch):
        connection = async_connection()
        fake = fake_psycopg([connection])
        monkeypatch.setattr(postgres_base, 'psycopg', fake)
        mgr = socketio.AsyncPostgresManager('postgresql://h/db', channel='ch')
        run(mgr._publish(MESSAGE))
        run(mgr._publish(MESSAGE))
        args, kwargs = fake.AsyncConnection.connect.call_args
        assert args == ('postgresql://h/db',) and kwargs['autocommit'] is True
        assert fake.AsyncConnection.connect.call_count == 1
        sql, (channel, payload) = connection.execute.call_args[0]
        assert sql == 'SELECT pg_notify(%s, %s)' and channel == 'ch'
        assert json.loads(payload) == MESSAGE

    def test_large_messages_are_stored_and_referenced(self, monkeypatch):
        connection = async_connection()
        monkeypatch.setattr(postgres_base, 'psycopg', fake_psycopg([connection]))
        mgr = socketio.AsyncPostgresManager(channel='ch', table='big')
        run(mgr._publish(BIG))
        run(mgr._publish(BIG))
        statements = [c[0] for c in connection.execute.call_args_list]
        assert len(statements) == 3  # the table is created once
        assert 'CREATE TABLE IF NOT EXISTS' in statements[0][0].as_string(None)
        for store in statements[1:]:
            assert 'pg_notify' in store[0].as_string(None)
            ttl, channel, payload = store[1]
            assert (ttl, channel) == (60, 'ch') and json.loads(payload) == BIG

    def test_a_table_created_meanwhile_by_another_process(self, monkeypatch):
        psycopg = pytest.importorskip('psycopg')
        connection = async_connection()
        connection.execute.side_effect = [psycopg.errors.UniqueViolation(), None]
        monkeypatch.setattr(postgres_base, 'psycopg', fake_psycopg([connection]))
        mgr = socketio.AsyncPostgresManager()
        run(mgr._publish(BIG))
        assert connection.execute.call_count == 2 and mgr._table_ready

    def test_a_failed_publish_raises_and_resets_the_connection(self, monkeypatch):
        broken, fresh = async_connection(), async_connection()
        monkeypatch.setattr(postgres_base, 'psycopg', fake_psycopg([broken, fresh]))
        mgr = socketio.AsyncPostgresManager()
        run(mgr._publish(BIG))
        broken.execute.side_effect = OSError('server closed the connection')
        with pytest.raises(OSError):  # the base class keeps the message
            run(mgr._publish(BIG))
        assert mgr.publisher is None and not mgr._table_ready
        broken.close.assert_awaited_once()
        assert run(mgr._broker_ready()) is True
        assert mgr.publisher is fresh
        run(mgr._publish(BIG))  # the table is checked again on the new connection
        assert 'CREATE TABLE' in fresh.execute.call_args_list[0][0][0].as_string(None)

    def test_a_failed_connection_raises(self, monkeypatch):
        monkeypatch.setattr(postgres_base, 'psycopg', fake_psycopg(OSError('refused')))
        with pytest.raises(OSError):
            run(socketio.AsyncPostgresManager()._publish(MESSAGE))


class TestPostgresListen:
    def test_async_listener(self, monkeypatch, caplog):
        notifies = [SimpleNamespace(payload='{"method": "a"}'),
                    SimpleNamespace(payload='{"ref": 7}'),
                    SimpleNamespace(payload='{"ref": 8}'),  # deleted meanwhile
                    SimpleNamespace(payload='{"method": "b"}')]

        async def stream():
            for notify in notifies:
                yield notify
            raise OSError('server closed the connection\n\tunexpectedly')

        first, second = async_connection(), async_connection()
        first.notifies = second.notifies = stream
        fetcher = async_connection()
        cursor = mock.MagicMock()
        cursor.fetchone = mock.AsyncMock(side_effect=[('{"method": "big"}',), None])
        fetcher.execute.return_value = cursor
        monkeypatch.setattr(postgres_base, 'psycopg',
                            fake_psycopg([first, fetcher, OSError('refused'), second]))
        mgr = socketio.AsyncPostgresManager(channel='ch')
        mgr._sleep = mock.AsyncMock()

        async def take(n):
            listener = mgr._listen()
            got = [await listener.__anext__() for _ in range(n)]
            await listener.aclose()
            return got

        with caplog.at_level(logging.WARNING, logger='socketio'):
            got = run(take(4))
        assert got == ['{"method": "a"}', '{"method": "big"}', '{"method": "b"}',
                       '{"method": "a"}']
        assert 'LISTEN "ch"' == first.execute.call_args[0][0].as_string(None)
        assert fetcher.execute.call_args_list[0][0][1] == (7, 'ch')
        assert 'Large pubsub message 8 not found' in caplog.text
        assert [c[0][0] for c in mgr._sleep.call_args_list] == [0.1, 0.2]
        first.close.assert_awaited_once()
        fetcher.close.assert_awaited_once()  # closed with the listening connection
        errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
        assert errors and '\n' not in errors[0]  # one line per failure

    def test_a_reference_before_any_table_exists(self, monkeypatch, caplog):
        psycopg = pytest.importorskip('psycopg')
        listening, fetcher = async_connection(), async_connection()

        async def stream():
            yield SimpleNamespace(payload='{"ref": 1}')
            yield SimpleNamespace(payload='{"method": "after"}')

        listening.notifies = stream
        fetcher.execute.side_effect = psycopg.errors.UndefinedTable()
        monkeypatch.setattr(postgres_base, 'psycopg', fake_psycopg([listening, fetcher]))
        mgr = socketio.AsyncPostgresManager()

        async def first():
            listener = mgr._listen()
            item = await listener.__anext__()
            await listener.aclose()
            return item

        with caplog.at_level(logging.WARNING, logger='socketio'):
            assert run(first()) == '{"method": "after"}'
        assert 'not found' in caplog.text

    def test_standard_listener_and_publish(self, monkeypatch):
        listening, publishing, fetcher = mock.MagicMock(), mock.MagicMock(), mock.MagicMock()
        listening.notifies.return_value = iter([SimpleNamespace(payload='{"ref": 3}'),
                                                SimpleNamespace(payload='{"m": 1}')])
        fetcher.execute.return_value.fetchone.return_value = ('{"m": "big"}',)
        fake = fake_psycopg([listening, fetcher, publishing])
        monkeypatch.setattr(postgres_base, 'psycopg', fake)
        mgr = socketio.PostgresManager(channel='ch')
        listener = mgr._listen()
        assert [next(listener), next(listener)] == ['{"m": "big"}', '{"m": 1}']
        assert fake.Connection.connect.call_args[1]['autocommit'] is True
        mgr._publish(BIG)
        assert publishing.execute.call_count == 2  # create the table, store
        publishing.execute.side_effect = OSError('gone')
        with pytest.raises(OSError):
            mgr._publish(MESSAGE)
        assert mgr.publisher is None
        publishing.close.assert_called_once_with()
