"""AsyncServer has Engine.IO await its message handler directly (a real
python-engineio AsyncServer, no sockets: its ``_trigger_event`` is what an
Engine.IO socket calls for every message)."""
import asyncio
import logging
import types
from unittest import mock

import engineio

import socketio
from socketio import async_server


def connected_server(**kwargs):
    sio = socketio.AsyncServer(async_mode='asgi', **kwargs)
    sent = []

    async def send(eio_sid, data):
        sent.append((eio_sid, data))

    sio.eio.send = send
    return sio, sent


def test_messages_skip_engineio_wrapper():
    sio, sent = connected_server(async_handlers=False)  # the ack is sent inline
    assert 'message' in sio.eio.handlers
    assert sio.eio.__dict__['_trigger_event'].__name__ == '_trigger_event'

    @sio.on('echo')
    async def echo(sid, data):
        return data

    async def scenario():
        await sio.eio._trigger_event('connect', 'e1', {}, run_async=False)
        await sio.eio._trigger_event('message', 'e1', '0', run_async=False)
        with mock.patch('inspect.iscoroutinefunction',
                        side_effect=AssertionError('engine.io wrapper used')):
            await sio.eio._trigger_event('message', 'e1', '21["echo",{"a":1}]',
                                         run_async=False)

    asyncio.run(scenario())
    assert sent[0][1].startswith('0{"sid":')
    assert sent[1:] == [('e1', '31[{"a":1}]')]


def test_errors_are_logged_like_engineio_and_bad_packets_like_before(caplog):
    sio, sent = connected_server(logger=logging.getLogger('test.dispatch'))
    sio.eio.logger = logging.getLogger('test.dispatch.eio')

    async def scenario():
        await sio.eio._trigger_event('connect', 'e1', {}, run_async=False)
        with mock.patch.object(sio, '_handle_eio_message', side_effect=RuntimeError('bug')):
            assert await sio.eio._trigger_event('message', 'e1', '2["x"]') is None
        with mock.patch.object(sio, '_handle_eio_message',
                               side_effect=asyncio.CancelledError()):
            assert await sio.eio._trigger_event('message', 'e1', '2["x"]') is None
        assert await sio.eio._trigger_event('message', 'e1', '9') is None

    with caplog.at_level(logging.WARNING):
        asyncio.run(scenario())
    messages = [r.getMessage() for r in caplog.records]
    assert 'message async handler error' in messages
    assert 'Invalid packet from e1: Unknown packet type.' in messages
    assert sent == []


def test_other_events_and_replaced_handlers_go_to_engineio():
    sio, sent = connected_server()
    calls = []

    async def scenario():
        # connect goes through Engine.IO's own method
        await sio.eio._trigger_event('connect', 'e1', {}, run_async=False)
        assert 'e1' in sio.environ
        # run_async: Engine.IO's own method (which starts a task)
        task = await sio.eio._trigger_event('message', 'e1', '0', run_async=True)
        await task
        assert sent and sent[0][1].startswith('0{')

        @sio.eio.on('message')
        async def replaced(eio_sid, data):
            calls.append((eio_sid, data))

        await sio.eio._trigger_event('message', 'e1', 'hello', run_async=False)

    asyncio.run(scenario())
    assert calls == [('e1', 'hello')]


def test_not_installed_on_a_stand_in_engineio():
    with mock.patch('socketio.async_server.engineio.AsyncServer') as eio_class:
        sio = socketio.AsyncServer()
    assert sio.eio is eio_class.return_value
    assert not isinstance(vars(sio.eio).get('_trigger_event'), types.FunctionType)
    assert async_server._ENGINEIO_ASYNC_SERVER is engineio.AsyncServer
