"""Module layout: the 5.0.3 and the current module names import the same
classes, the exported names, and the package version (forward spec 2.12, 4.1)."""
from __future__ import annotations

import importlib
import importlib.metadata

import pytest

import socketio

ALIASES = [
    ('asyncio_server', 'async_server', 'AsyncServer'),
    ('asyncio_client', 'async_client', 'AsyncClient'),
    ('asyncio_manager', 'async_manager', 'AsyncManager'),
    ('asyncio_namespace', 'async_namespace', 'AsyncNamespace'),
    ('asyncio_namespace', 'async_namespace', 'AsyncClientNamespace'),
    ('asyncio_pubsub_manager', 'async_pubsub_manager', 'AsyncPubSubManager'),
    ('asyncio_redis_manager', 'async_redis_manager', 'AsyncRedisManager'),
    ('asyncio_aiopika_manager', 'async_aiopika_manager', 'AsyncAioPikaManager'),
]


@pytest.mark.parametrize('old, new, name', ALIASES)
def test_old_and_new_module_names_share_classes(old, new, name):
    old_module = importlib.import_module('socketio.' + old)
    new_module = importlib.import_module('socketio.' + new)
    assert getattr(old_module, name) is getattr(new_module, name)
    assert getattr(socketio, name, getattr(new_module, name)) is getattr(new_module, name)


@pytest.mark.parametrize('module, name', [
    ('base_server', 'BaseServer'), ('base_client', 'BaseClient'),
    ('base_manager', 'BaseManager'), ('manager', 'Manager'),
    ('base_namespace', 'BaseNamespace'), ('base_namespace', 'BaseServerNamespace'),
    ('base_namespace', 'BaseClientNamespace'), ('admin', 'InstrumentedServer'),
    ('async_admin', 'InstrumentedAsyncServer'), ('simple_client', 'SimpleClient'),
    ('async_simple_client', 'AsyncSimpleClient'), ('msgpack_packet', 'MsgPackPacket'),
    ('server', 'Server'), ('client', 'Client'), ('namespace', 'Namespace'),
    ('namespace', 'ClientNamespace'), ('packet', 'Packet'), ('middleware', 'WSGIApp'),
    ('asgi', 'ASGIApp'), ('tornado', 'get_tornado_handler'),
    ('pubsub_manager', 'PubSubManager'), ('redis_manager', 'RedisManager'),
    ('kafka_manager', 'KafkaManager'), ('kombu_manager', 'KombuManager'),
    ('zmq_manager', 'ZmqManager'), ('nats_manager', 'NatsManager'),
    ('async_nats_manager', 'AsyncNatsManager'), ('postgres_manager', 'PostgresManager'),
    ('async_postgres_manager', 'AsyncPostgresManager'),
])
def test_current_modules(module, name):
    assert getattr(importlib.import_module('socketio.' + module), name)


def test_class_hierarchy():
    from socketio.base_client import BaseClient
    from socketio.base_manager import BaseManager
    from socketio.base_namespace import BaseClientNamespace, BaseServerNamespace
    from socketio.base_server import BaseServer

    assert issubclass(socketio.Server, BaseServer)
    assert issubclass(socketio.AsyncServer, BaseServer)
    assert issubclass(socketio.Client, BaseClient)
    assert issubclass(socketio.AsyncClient, BaseClient)
    assert issubclass(socketio.Manager, BaseManager)
    assert issubclass(socketio.AsyncManager, BaseManager)
    assert issubclass(socketio.PubSubManager, socketio.Manager)
    assert issubclass(socketio.Namespace, BaseServerNamespace)
    assert issubclass(socketio.AsyncNamespace, BaseServerNamespace)
    assert issubclass(socketio.ClientNamespace, BaseClientNamespace)
    assert issubclass(socketio.AsyncClientNamespace, BaseClientNamespace)
    for manager in (socketio.RedisManager, socketio.KafkaManager, socketio.KombuManager,
                    socketio.ZmqManager, socketio.NatsManager, socketio.PostgresManager):
        assert issubclass(manager, socketio.pubsub_manager.PubSubManager)
    for manager in (socketio.AsyncRedisManager, socketio.AsyncAioPikaManager,
                    socketio.AsyncNatsManager, socketio.AsyncPostgresManager):
        assert issubclass(manager, socketio.async_pubsub_manager.AsyncPubSubManager)
    assert not issubclass(socketio.Manager, socketio.pubsub_manager.PubSubManager)


def test_exported_names():
    current = ['SimpleClient', 'Client', 'Server', 'Manager', 'PubSubManager',
               'KombuManager', 'RedisManager', 'ZmqManager', 'KafkaManager', 'Namespace',
               'ClientNamespace', 'WSGIApp', 'Middleware', 'AsyncSimpleClient',
               'AsyncClient', 'AsyncServer', 'AsyncNamespace', 'AsyncClientNamespace',
               'AsyncManager', 'AsyncRedisManager', 'ASGIApp', 'get_tornado_handler',
               'AsyncAioPikaManager', 'NatsManager', 'AsyncNatsManager', 'PostgresManager',
               'AsyncPostgresManager']
    for name in current:
        assert name in socketio.__all__ and getattr(socketio, name)
    # kept from 5.0.3: the in-memory BaseManager and the version attribute
    assert 'BaseManager' in socketio.__all__ and socketio.BaseManager
    for name in socketio.__all__:
        assert hasattr(socketio, name)


def test_socketio_manage_does_not_exist():
    """Flask-SocketIO exits when this gevent-socketio name can be imported."""
    with pytest.raises(ImportError):
        exec('from socketio import socketio_manage', {})
    assert not hasattr(socketio, 'socketio_manage')


def test_version_states_the_api_level():
    assert socketio.__version__ == '5.18.1'
    assert importlib.metadata.version('python-socketio') == socketio.__version__


def test_reason_constants_are_class_attributes():
    for cls in (socketio.Server, socketio.AsyncServer):
        assert cls.reason.SERVER_DISCONNECT == 'server disconnect'
        assert cls.reason.CLIENT_DISCONNECT == 'client disconnect'
        assert cls.reason.PING_TIMEOUT == 'ping timeout'
        assert cls.reason.TRANSPORT_CLOSE == 'transport close'
        assert cls.reason.TRANSPORT_ERROR == 'transport error'
    for cls in (socketio.Client, socketio.AsyncClient):
        assert cls.reason.SERVER_DISCONNECT == 'server disconnect'
        assert cls.reason.CLIENT_DISCONNECT == 'client disconnect'
        assert cls.reason.TRANSPORT_ERROR == 'transport error'
    assert issubclass(socketio.exceptions.DisconnectedError, socketio.exceptions.SocketIOError)
