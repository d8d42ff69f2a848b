"""Unit tests of :class:`socketio.AsyncServer` with a mocked Engine.IO server.

They follow ``asyncio.md`` section 8.2 with the later 5.x behaviour chosen by
the contract's decision table: ``{"message": ...}`` CONNECT_ERROR payloads,
unknown namespaces refused, disconnect reasons (with a fallback for handlers
without one), ``manager.disconnect(sid, ns, ignore_queue=True)``, broadcasts
through ``_send_eio_packet``, no ACK for unhandled events and awaitable
``enter_room``/``leave_room`` that also work un-awaited.
"""
import asyncio
import inspect
import logging
from unittest import mock
from unittest.mock import AsyncMock, MagicMock

import engineio
import pytest
from support import UnreferencedWait

import socketio
from socketio import base_endpoint, exceptions, namespace, packet

SIDS = [str(i) for i in range(1, 20)]


@pytest.fixture(autouse=True)
def eio():
    """Patch Engine.IO's asyncio server class; sids come out as '1', '2', ..."""
    with mock.patch('socketio.server.engineio.AsyncServer',
                    **{'return_value.generate_id.side_effect': SIDS}) as eio_class:
        yield eio_class
    packet.Packet.json = engineio.json  # the default, in case a test changed it


@pytest.fixture
def run():
    """Run coroutines on a fresh event loop, closed at the end of the test."""
    loop = asyncio.new_event_loop()
    yield loop.run_until_complete
    loop.close()


def make_server(**kwargs):
    s = socketio.AsyncServer(**kwargs)
    for name in ('send', 'send_packet', 'handle_request', 'sleep', 'shutdown'):
        setattr(s.eio, name, AsyncMock())
    return s


def mock_manager():
    """A manager whose coroutine operations are AsyncMocks, the rest plain."""
    mgr = MagicMock()
    for name in ('can_disconnect', 'emit', 'close_room', 'trigger_callback',
                 'enter_room', 'leave_room', 'disconnect', 'pre_connect', 'connect'):
        setattr(mgr, name, AsyncMock())
    return mgr


def sent(s):
    return [c.args for c in s.eio.send.await_args_list]


async def connect(s, eio_sid='123', message='0', environ='environ'):
    await s._handle_eio_connect(eio_sid, environ)
    await s._handle_eio_message(eio_sid, message)


# -- construction ----------------------------------------------------------------


def test_create(eio, run):
    mgr = mock_manager()
    s = socketio.AsyncServer(client_manager=mgr, async_handlers=True, foo='bar')
    s.eio.handle_request = AsyncMock()
    run(s.handle_request({}))
    run(s.handle_request({}))
    assert s.eio.handle_request.await_count == 2
    s.eio.handle_request.assert_awaited_with({})
    eio.assert_called_once_with(foo='bar', async_handlers=False)
    assert s.manager is mgr
    assert s.eio.on.call_count == 3
    assert s.async_handlers and s.is_asyncio_based()
    assert s.async_mode == s.eio.async_mode


def test_defaults(eio):
    s = socketio.AsyncServer(always_connect=True)
    assert isinstance(s.manager, socketio.AsyncManager)
    assert s.manager.server is s and s.always_connect
    eio.assert_called_once_with(async_handlers=False)  # always_connect not forwarded


def test_alias_module():
    from socketio import async_server, asyncio_server
    assert asyncio_server.AsyncServer is async_server.AsyncServer is socketio.AsyncServer


def test_attach():
    s = make_server()
    s.attach('app', 'path')
    s.eio.attach.assert_called_once_with('app', 'path')
    s.attach('app2')
    s.eio.attach.assert_called_with('app2', 'socket.io')


def test_on_event():
    s = make_server()

    @s.on('connect')
    def foo():
        pass

    def bar():
        pass

    s.on('disconnect', bar)
    s.on('disconnect', bar, namespace='/foo')

    @s.event(namespace='/foo')
    async def baz():
        pass

    assert s.handlers['/'] == {'connect': foo, 'disconnect': bar}
    assert s.handlers['/foo'] == {'disconnect': bar, 'baz': baz}


# -- emitting, rooms ----------------------------------------------------------------------


@pytest.mark.parametrize('target', [{'to': 'room'}, {'room': 'room'}])
def test_emit(run, target):
    s = make_server(client_manager=mock_manager())
    run(s.emit('my event', {'foo': 'bar'}, skip_sid='123', namespace='/foo',
               callback='cb', **target))
    s.manager.emit.assert_awaited_once_with('my event', {'foo': 'bar'}, '/foo', room='room',
                                            skip_sid='123', callback='cb', ignore_queue=False)


def test_emit_default_namespace_and_extra_kwargs(run):
    s = make_server(client_manager=mock_manager())
    run(s.emit('my event', 'x', ignore_queue=True))
    s.manager.emit.assert_awaited_once_with('my event', 'x', '/', room=None, skip_sid=None,
                                            callback=None, ignore_queue=True)


def test_send(run):
    s = make_server(client_manager=mock_manager())
    run(s.send('foo', to='room', skip_sid='123', namespace='/foo', callback='cb'))
    s.manager.emit.assert_awaited_once_with('message', 'foo', '/foo', room='room',
                                            skip_sid='123', callback='cb', ignore_queue=False)


@pytest.mark.parametrize('ack, result', [(('foo', 321), ('foo', 321)), (('one',), 'one'),
                                         ((), None)])
def test_call(run, ack, result):
    s = make_server(client_manager=mock_manager())

    async def fake_wait():
        s.manager.emit.await_args_list[0].kwargs['callback'](*ack)

    s.eio.create_event.return_value.wait = fake_wait
    assert run(s.call('foo', sid='123')) == result
    s.manager.emit.assert_awaited_once_with('foo', None, '/', room='123', skip_sid=None,
                                            callback=mock.ANY, ignore_queue=False)


def test_call_with_timeout(run):
    s = make_server(client_manager=mock_manager())

    async def never():
        await asyncio.sleep(5)

    s.eio.create_event.return_value.wait = never
    with pytest.raises(exceptions.TimeoutError):
        run(s.call('foo', sid='123', timeout=0.01))


def test_call_errors(run):
    s = make_server(client_manager=mock_manager())
    with pytest.raises(ValueError):
        run(s.call('foo'))
    s = make_server(client_manager=mock_manager(), async_handlers=False)
    with pytest.raises(RuntimeError):
        run(s.call('foo', sid='123'))


def test_enter_leave_room_with_mock_manager(run):
    s = make_server(client_manager=mock_manager())
    run(s.enter_room('123', 'room', namespace='/foo'))
    s.manager.enter_room.assert_awaited_once_with('123', '/foo', 'room')
    run(s.leave_room('123', 'room'))
    s.manager.leave_room.assert_awaited_once_with('123', '/', 'room')
    assert s.rooms('123', namespace='/foo') is s.manager.get_rooms.return_value
    s.manager.get_rooms.assert_called_once_with('123', '/foo')


def test_enter_leave_room_are_coroutines(run):
    s = make_server()
    sid = run(s.manager.connect('123', '/'))
    assert inspect.iscoroutinefunction(s.enter_room)
    assert inspect.iscoroutinefunction(s.leave_room)
    run(s.enter_room(sid, 'room'))
    assert sorted(s.rooms(sid)) == sorted([sid, 'room'])
    run(s.leave_room(sid, 'room'))
    assert s.rooms(sid) == [sid]


def test_close_room(run):
    s = make_server(client_manager=mock_manager())
    run(s.close_room('room', namespace='/foo'))
    s.manager.close_room.assert_awaited_once_with('room', '/foo')
    run(s.close_room('room'))
    s.manager.close_room.assert_awaited_with('room', '/')


def test_handle_request_sleep_background_task(run):
    s = make_server()
    run(s.handle_request('environ'))
    s.eio.handle_request.assert_awaited_once_with('environ')
    run(s.sleep(1.23))
    s.eio.sleep.assert_awaited_once_with(1.23)
    assert s.start_background_task('foo', 'bar', baz='baz') is \
        s.eio.start_background_task.return_value
    s.eio.start_background_task.assert_called_once_with('foo', 'bar', baz='baz')


def test_shutdown(run):
    s = make_server()
    run(s.shutdown())
    s.eio.shutdown.assert_awaited_once_with()


@pytest.mark.parametrize('data, kwargs, wire', [
    ('my data', {'namespace': '/foo'}, '2/foo,["my event","my data"]'),
    (('foo', 'bar'), {'namespace': '/foo'}, '2/foo,["my event","foo","bar"]'),
    (['foo', 'bar'], {'namespace': '/foo'}, '2/foo,["my event",["foo","bar"]]'),
    (None, {'namespace': '/foo'}, '2/foo,["my event"]'),
    ('my data', {'namespace': '/foo', 'id': 1}, '2/foo,1["my event","my data"]'),
    ('my data', {}, '2["my event","my data"]'),
])
def test_emit_internal(run, data, kwargs, wire):
    s = make_server()
    run(s._emit_internal('123', 'my event', data, **kwargs))
    assert sent(s) == [('123', wire)]


def test_emit_internal_binary(run):
    s = make_server()
    run(s._emit_internal('123', 'my event', b'my binary data'))
    assert len(sent(s)) == 2
    assert sent(s)[1] == ('123', b'my binary data')


def test_broadcast_goes_through_send_eio_packet(run):
    s = make_server()
    sid1 = run(s.manager.connect('123', '/'))
    sid2 = run(s.manager.connect('456', '/'))
    run(s.emit('my event', {'a': 1}))
    calls = s.eio.send_packet.await_args_list
    assert [c.args[0] for c in calls] == ['123', '456']
    assert {c.args[1].data for c in calls} == {'2["my event",{"a":1}]'}
    s._send_eio_packet = AsyncMock()
    run(s.emit('other', skip_sid=sid1))
    s._send_eio_packet.assert_awaited_once()
    assert s._send_eio_packet.await_args.args[0] == '456' != sid2
    assert s.eio.send.await_count == 0  # no per-recipient encoding


def test_transport(run):
    s = make_server()
    sid = run(s.manager.connect('123', '/'))
    assert s.transport(sid) is s.eio.transport.return_value
    s.eio.transport.assert_called_with('123')
    s.transport('456')  # not a socket.io sid: taken as an engine.io sid
    s.eio.transport.assert_called_with('456')


# -- connecting ---------------------------------------------------------------------------


def test_handle_connect(run):
    s = make_server()
    s.manager.initialize = MagicMock()
    handler = MagicMock(return_value=None)
    s.on('connect', handler)
    run(connect(s))
    assert s.manager.is_connected('1', '/')
    handler.assert_called_once_with("1", "environ", None)
    assert sent(s) == [('123', '0{"sid":"1"}')]
    assert s.manager.initialize.call_count == 1
    run(connect(s, '456'))
    assert s.manager.initialize.call_count == 1
    assert s.environ == {'123': 'environ', '456': 'environ'}


def test_handle_connect_async_handler_with_auth(run):
    s = make_server()
    handler = AsyncMock(return_value=True)
    s.on('connect', handler)
    run(connect(s, message='0{"token":"abc"}'))
    handler.assert_awaited_once_with('1', 'environ', {'token': 'abc'})
    assert sent(s) == [('123', '0{"sid":"1"}')]


def test_handle_connect_two_argument_handler_gets_no_auth(run):
    s = make_server()
    got = []

    async def on_connect(sid, environ):
        got.append((sid, environ))

    s.on('connect', on_connect)
    run(connect(s))
    assert got == [('1', 'environ')]


def test_handle_connect_namespace(run):
    s = make_server()
    handler = MagicMock()
    s.on('connect', handler, namespace='/foo')
    run(connect(s, message='0/foo,'))
    handler.assert_called_once_with("1", "environ", None)
    assert sent(s) == [('123', '0/foo,{"sid":"1"}')]


def test_handle_connect_unknown_namespace_refused(run):
    s = make_server()
    run(connect(s, message='0/unknown,'))
    assert sent(s) == [('123', '4/unknown,"Unable to connect"')]
    assert not s.manager.is_connected('1', '/unknown')
    s = make_server(namespaces='*')
    run(connect(s, message='0/unknown,'))
    assert sent(s)[0][1].startswith('0/unknown,{"sid":')


def test_handle_connect_twice_refused(run):
    s = make_server()
    run(connect(s))
    run(s._handle_eio_message('123', '0'))
    assert sent(s)[-1] == ('123', '4"Unable to connect"')


def test_handle_connect_always_connect(run):
    s = make_server(always_connect=True)
    s.on('connect', MagicMock())
    run(connect(s))
    assert sent(s) == [('123', '0{"sid":"1"}')]


@pytest.mark.parametrize('ns, prefix', [('/', ''), ('/foo', '/foo,')])
def test_handle_connect_rejected(run, ns, prefix):
    s = make_server()
    handler = AsyncMock(return_value=False)
    s.on('connect', handler, namespace=ns)
    run(connect(s, message='0' + prefix))
    assert sent(s) == [('123', '4' + prefix + '{"message":"Connection rejected by server"}')]
    assert s.environ == {'123': 'environ'}
    assert not s.manager.is_connected('1', ns)


@pytest.mark.parametrize('ns, prefix', [('/', ''), ('/foo', '/foo,')])
def test_handle_connect_rejected_always_connect(run, ns, prefix):
    s = make_server(always_connect=True)
    s.on('connect', MagicMock(return_value=False), namespace=ns)
    run(connect(s, message='0' + prefix))
    assert sent(s) == [('123', '0' + prefix + '{"sid":"1"}'),
                       ('123', '1' + prefix + '{"message":"Connection rejected by server"}')]
    assert not s.manager.is_connected('1', ns)


@pytest.mark.parametrize('exc, ns, wire', [
    (exceptions.ConnectionRefusedError('fail_reason'), '/', '4{"message":"fail_reason"}'),
    (exceptions.ConnectionRefusedError(), '/',
     '4{"message":"Connection rejected by server"}'),
    (exceptions.ConnectionRefusedError('fail_reason', 1), '/foo',
     '4/foo,{"message":"fail_reason","data":1}'),
    (ConnectionRefusedError('builtin'), '/', '4{"message":"Connection refused by server"}'),
])
def test_handle_connect_refused_with_exception(run, exc, ns, wire):
    s = make_server()
    s.on('connect', AsyncMock(side_effect=exc), namespace=ns)
    run(connect(s, message='0' if ns == '/' else '0' + ns + ','))
    assert sent(s) == [('123', wire)]
    assert not s.manager.is_connected('1', ns)


# -- disconnecting --------------------------------------------------------------------------


def test_handle_eio_disconnect(run):
    s = make_server()
    s.manager.disconnect = AsyncMock()
    handler = MagicMock()
    s.on('disconnect', handler)
    run(connect(s))
    run(s._handle_eio_disconnect('123'))
    handler.assert_called_once_with('1', s.reason.CLIENT_DISCONNECT)
    s.manager.disconnect.assert_called_once_with('1', '/', ignore_queue=True)
    assert s.environ == {}


def test_handle_eio_disconnect_with_reason_and_old_style_handler(run):
    s = make_server()
    got = []

    async def on_disconnect(sid):  # no reason parameter: called without it
        got.append(sid)

    s.on('disconnect', on_disconnect)
    run(connect(s))
    run(s._handle_eio_disconnect('123', s.reason.TRANSPORT_CLOSE))
    assert got == ['1']
    assert not s.manager.is_connected('1', '/')


def test_handle_eio_disconnect_namespace(run):
    s = make_server()
    root, foo = MagicMock(), AsyncMock()
    s.on('disconnect', root)
    s.on('disconnect', foo, namespace='/foo')
    run(connect(s, message='0/foo,'))
    run(s._handle_eio_disconnect('123', s.reason.PING_TIMEOUT))
    foo.assert_awaited_once_with('1', s.reason.PING_TIMEOUT)
    root.assert_not_called()
    assert s.environ == {}


def test_handle_disconnect_packet_only_namespace(run):
    s = make_server()
    root, foo = MagicMock(), MagicMock()
    s.on('disconnect', root)
    s.on('disconnect', foo, namespace='/foo')
    run(connect(s, message='0/foo,'))
    run(s._handle_eio_message('123', '1/foo,'))
    foo.assert_called_once_with('1', s.reason.CLIENT_DISCONNECT)
    root.assert_not_called()
    assert s.environ == {'123': 'environ'}


def test_handle_eio_disconnect_unknown_client(run):
    s = make_server(client_manager=mock_manager())
    run(s._handle_eio_disconnect('123'))


@pytest.mark.parametrize('kwargs', [{}, {'ignore_queue': True}])
def test_disconnect(run, kwargs):
    s = make_server()
    handler = MagicMock()
    s.on('disconnect', handler)
    run(connect(s))
    run(s.disconnect('1', **kwargs))
    assert sent(s)[-1] == ('123', '1')
    assert not s.manager.is_connected('1', '/')
    handler.assert_called_once_with('1', s.reason.SERVER_DISCONNECT)
    count = s.eio.send.await_count
    run(s.disconnect('1'))
    assert s.eio.send.await_count == count


def test_disconnect_namespace(run):
    s = make_server(namespaces=['/', '/foo'])
    run(connect(s, message='0/foo,'))
    run(s.disconnect('1', namespace='/foo'))
    assert sent(s)[-1] == ('123', '1/foo,')
    assert not s.manager.is_connected('1', '/foo')


def test_disconnect_with_mock_manager_awaits_can_disconnect(run):
    s = make_server(client_manager=mock_manager())
    s.manager.can_disconnect.return_value = False
    run(s.disconnect('1'))
    s.manager.can_disconnect.assert_awaited_once_with('1', '/')
    s.eio.send.assert_not_awaited()


# -- events and acks ------------------------------------------------------------------------


def test_handle_event(run):
    s = make_server(async_handlers=False)
    sid = run(s.manager.connect('123', '/'))
    handler = AsyncMock()
    s.on('my message', handler)
    run(s._handle_eio_message('123', '2["my message","a","b","c"]'))
    handler.assert_awaited_once_with(sid, 'a', 'b', 'c')


def test_handle_event_with_namespace_and_catch_all(run):
    s = make_server(async_handlers=False)
    sid = run(s.manager.connect('123', '/foo'))
    handler, catch_all = MagicMock(), AsyncMock(return_value='caught')
    s.on('my message', handler, namespace='/foo')
    s.on('*', catch_all, namespace='/foo')
    run(s._handle_eio_message('123', '2/foo,["my message","a"]'))
    handler.assert_called_once_with(sid, 'a')
    run(s._handle_eio_message('123', '2/foo,5["other",1]'))
    catch_all.assert_awaited_once_with('other', sid, 1)
    assert sent(s) == [('123', '3/foo,5["caught"]')]


def test_handle_event_unconnected_namespace(run):
    s = make_server(async_handlers=False)
    run(s.manager.connect('123', '/foo'))
    handler = MagicMock()
    s.on('my message', handler, namespace='/bar')
    run(s._handle_eio_message('123', '2/bar,["my message","a"]'))
    handler.assert_not_called()


def test_handle_event_binary(run):
    s = make_server(async_handlers=False)
    sid = run(s.manager.connect('123', '/'))
    handler = MagicMock()
    s.on('my message', handler)
    run(s._handle_eio_message('123', '52-["my message","a",{"_placeholder":true,"num":1},'
                                     '{"_placeholder":true,"num":0}]'))
    handler.assert_not_called()
    run(s._handle_eio_message('123', b'foo'))
    run(s._handle_eio_message('123', b'bar'))
    handler.assert_called_once_with(sid, 'a', b'bar', b'foo')


def test_handle_event_binary_ack(run):
    s = make_server(client_manager=mock_manager())
    s.manager.sid_from_eio_sid.return_value = '1'
    run(s._handle_eio_message('123', '61-321["my message","a",{"_placeholder":true,"num":0}]'))
    run(s._handle_eio_message('123', b'foo'))
    s.manager.trigger_callback.assert_awaited_once_with('1', 321, ['my message', 'a', b'foo'])


@pytest.mark.parametrize('result, wire', [
    ('foo', '31000["foo"]'), (None, '31000[]'), ((1, '2', True), '31000[1,"2",true]'),
    ([1, '2', True], '31000[[1,"2",true]]'),
])
def test_handle_event_with_ack(run, result, wire):
    s = make_server(async_handlers=False)
    sid = run(s.manager.connect('123', '/'))
    handler = AsyncMock(return_value=result)
    s.on('my message', handler)
    run(s._handle_eio_message('123', '21000["my message","foo"]'))
    handler.assert_awaited_once_with(sid, 'foo')
    assert sent(s) == [('123', wire)]


def test_handle_event_with_binary_ack(run):
    s = make_server(async_handlers=False)
    run(s.manager.connect('123', '/'))
    s.on('my message', MagicMock(return_value=b'foo'))
    run(s._handle_eio_message('123', '21000["my message","foo"]'))
    assert sent(s)[0][1].startswith('61-1000[') and sent(s)[1] == ('123', b'foo')


def test_unhandled_event_is_not_acknowledged(run):
    s = make_server(async_handlers=False)
    run(s.manager.connect('123', '/'))
    run(s._handle_eio_message('123', '21000["nobody listens"]'))
    assert sent(s) == []


def test_async_handlers_start_a_background_task(run):
    s = make_server(async_handlers=True)
    run(s.manager.connect('123', '/'))
    run(s._handle_eio_message('123', '2["my message","a","b","c"]'))
    s.eio.start_background_task.assert_called_once_with(
        s._handle_event_internal, s, '1', '123', ['my message', 'a', 'b', 'c'], '/', None)


def test_async_handlers_for_real(run):
    """With a real event loop the handler runs as an asyncio task, so it can
    itself wait for an acknowledgement (call) while messages keep coming."""
    s = make_server(async_handlers=True)
    s.eio.start_background_task = lambda fn, *a: asyncio.ensure_future(fn(*a))
    s.eio.create_event = asyncio.Event
    sid = run(s.manager.connect('123', '/'))
    result = []

    async def ask(sid):
        result.append(await s.call('question', to=sid, timeout=2))

    s.on('ask', ask)

    async def scenario():
        await s._handle_eio_message('123', '2["ask"]')
        for _ in range(100):
            if sent(s):
                break
            await asyncio.sleep(0)
        assert sent(s) == [('123', '21["question"]')]
        await s._handle_eio_message('123', '31["yes",2]')
        for _ in range(100):
            if result:
                break
            await asyncio.sleep(0)

    run(scenario())
    assert result == [('yes', 2)] and sid == '1'


def test_handler_tasks_are_held_until_they_end(run):
    """The event loop keeps weak references to tasks only: a handler waiting
    for something that nothing else references must not be collected."""
    import gc
    s = make_server(async_handlers=True)
    s.eio.start_background_task = lambda fn, *a: asyncio.ensure_future(fn(*a))
    run(s.manager.connect('123', '/'))
    wait_forever = UnreferencedWait()
    s.on('wait', wait_forever)

    async def scenario():
        await s._handle_eio_message('123', '2["wait"]')
        await asyncio.wait_for(wait_forever.started.wait(), 5)
        gc.collect()
        assert wait_forever.alive()  # still there: the task is held
        (task,) = [t for t in base_endpoint._running_tasks if not t.done()]
        task.cancel()
        await asyncio.wait([task], timeout=5)
        base_endpoint.drop_finished_tasks()  # finished tasks are dropped in batches
        assert task not in base_endpoint._running_tasks  # released once done

    run(scenario())


def test_invalid_packets(run):
    s = make_server()
    with pytest.raises(ValueError):
        run(s._handle_eio_message('123', '4'))
    with pytest.raises(ValueError):
        run(s._handle_eio_message('123', '9'))
    run(s._on_eio_message('123', '9'))  # the Engine.IO entry point only logs


def test_send_with_ack(run):
    s = make_server()
    run(connect(s))
    cb = MagicMock()
    id1 = s.manager._generate_ack_id('1', cb)
    id2 = s.manager._generate_ack_id('1', cb)
    run(s._emit_internal('123', 'my event', ['foo'], id=id1))
    run(s._emit_internal('123', 'my event', ['bar'], id=id2))
    run(s._handle_eio_message('123', '31["foo",2]'))
    cb.assert_called_once_with('foo', 2)


def test_send_with_async_ack_namespace(run):
    s = make_server(namespaces=['/foo'])
    run(connect(s, message='0/foo,'))
    cb = AsyncMock()
    run(s.emit('my event', 'x', to='1', namespace='/foo', callback=cb))
    assert sent(s)[-1] == ('123', '2/foo,1["my event","x"]')
    run(s._handle_eio_message('123', '3/foo,1["foo",2]'))
    cb.assert_awaited_once_with('foo', 2)


# -- sessions, namespaces, options ----------------------------------------------------------


def test_session(run):
    s = make_server(namespaces='*')
    eio_session = {}

    async def get_session(eio_sid):
        assert eio_sid == '123'
        return eio_session

    s.eio.get_session = get_session

    async def scenario():
        await connect(s)
        await s._handle_eio_message('123', '0/ns,')
        await s.save_session('1', {'foo': 'bar'})
        async with s.session('1') as session:
            assert session == {'foo': 'bar'}
            session['foo'] = 'baz'
            session['bar'] = 'foo'
        assert await s.get_session('1') == {'foo': 'baz', 'bar': 'foo'}
        async with s.session('2', namespace='/ns') as session:
            assert session == {}
            session['a'] = 'b'

    run(scenario())
    assert eio_session == {'/': {'foo': 'baz', 'bar': 'foo'}, '/ns': {'a': 'b'}}


def test_namespace_handler(run):
    result = {}

    class MyNamespace(socketio.AsyncNamespace):
        def on_connect(self, sid, environ):
            result['result'] = (sid, environ)

        async def on_disconnect(self, sid, reason):
            result['disconnect'] = (sid, reason)

        async def on_foo(self, sid, data):
            result['result'] = (sid, data)

        def on_bar(self, sid):
            result['result'] = 'bar'

        async def on_baz(self, sid, data1, data2):
            result['result'] = (data1, data2)

    s = make_server(async_handlers=False)
    s.register_namespace(MyNamespace('/foo'))
    run(connect(s, message='0/foo,'))
    assert result['result'] == ('1', 'environ')
    run(s._handle_eio_message('123', '2/foo,["foo","a"]'))
    assert result['result'] == ('1', 'a')
    run(s._handle_eio_message('123', '2/foo,["bar"]'))
    assert result['result'] == 'bar'
    run(s._handle_eio_message('123', '2/foo,["baz","a","b"]'))
    assert result['result'] == ('a', 'b')
    run(s.disconnect('1', '/foo'))
    assert result['disconnect'] == ('1', s.reason.SERVER_DISCONNECT)


def test_bad_namespace_handler():
    class Dummy:
        pass

    class SyncNS(namespace.Namespace):
        pass

    s = make_server()
    for bad in (123, Dummy, Dummy(), namespace.Namespace, SyncNS()):
        with pytest.raises(ValueError):
            s.register_namespace(bad)


def test_logger():
    logger = logging.getLogger('socketio.server')
    level, handlers = logger.level, logger.handlers[:]
    try:
        logger.setLevel(logging.NOTSET)
        assert make_server(logger=False).logger.getEffectiveLevel() == logging.ERROR
        logger.setLevel(logging.NOTSET)
        assert make_server(logger=True).logger.getEffectiveLevel() == logging.INFO
        logger.setLevel(logging.WARNING)
        assert make_server(logger=True).logger.getEffectiveLevel() == logging.WARNING
        assert make_server(logger='foo').logger == 'foo'
    finally:
        logger.setLevel(level)
        logger.handlers[:] = handlers


def test_engineio_logger_and_custom_json(eio):
    socketio.AsyncServer(engineio_logger='foo')
    eio.assert_called_once_with(logger='foo', async_handlers=False)

    class CustomJSON:
        @staticmethod
        def dumps(*args, **kwargs):
            return '*** encoded ***'

        @staticmethod
        def loads(*args, **kwargs):
            return '+++ decoded +++'

    eio.reset_mock()
    socketio.AsyncServer(json=CustomJSON)
    eio.assert_called_once_with(json=CustomJSON, async_handlers=False)
    pkt = packet.Packet(packet_type=packet.EVENT, data={'foo': 'bar'})
    assert pkt.encode() == '2*** encoded ***'
    assert packet.Packet.json is CustomJSON
