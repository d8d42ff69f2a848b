"""Socket.IO servers and clients for Python, standard and asyncio.

A drop-in implementation of the python-socketio 5.x API on top of
python-engineio 4.x.
"""
from .asgi import ASGIApp
from .async_aiopika_manager import AsyncAioPikaManager
from .async_client import AsyncClient
from .async_manager import AsyncManager
from .async_namespace import AsyncClientNamespace, AsyncNamespace
from .async_nats_manager import AsyncNatsManager
from .async_postgres_manager import AsyncPostgresManager
from .async_redis_manager import AsyncRedisManager
from .async_server import AsyncServer
from .async_simple_client import AsyncSimpleClient
from .base_manager import BaseManager
from .client import Client
from .cluster_base import CallResults, ClusterList, ClusterSocket
from .kafka_manager import KafkaManager
from .kombu_manager import KombuManager
from .manager import Manager
from .middleware import Middleware, WSGIApp
from .namespace import ClientNamespace, Namespace
from .nats_manager import NatsManager
from .postgres_manager import PostgresManager
from .pubsub_manager import PubSubManager
from .redis_manager import RedisManager
from .server import Server
from .simple_client import SimpleClient
from .tornado import get_tornado_handler
from .zmq_manager import ZmqManager

#: The python-socketio API level this package implements.
__version__ = '5.18.1'

__all__ = ['__version__', 'SimpleClient', 'Client', 'Server', 'BaseManager', 'Manager',
           'PubSubManager', 'KombuManager', 'RedisManager', 'ZmqManager', 'KafkaManager',
           'Namespace', 'ClientNamespace', 'WSGIApp', 'Middleware', 'AsyncSimpleClient',
           'AsyncClient', 'AsyncServer', 'AsyncNamespace', 'AsyncClientNamespace',
           'AsyncManager', 'AsyncRedisManager', 'ASGIApp', 'get_tornado_handler',
           'AsyncAioPikaManager', 'NatsManager', 'AsyncNatsManager', 'PostgresManager',
           'AsyncPostgresManager', 'CallResults', 'ClusterList', 'ClusterSocket']
