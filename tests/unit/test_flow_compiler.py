"""Native twins of flow methods (socketio/flow_compiler.py)."""
import asyncio
import inspect
import traceback
from unittest import mock

import pytest

import socketio
from socketio import flow_compiler, trampoline
from socketio.endpoint import Endpoint
from socketio.flow_compiler import compile_flow
from socketio.trampoline import call, call_flow, flow_method, run, run_async


def helper_flow(x):
    got = yield call(double, x)
    return got + 1


def double(x):
    return 2 * x


async def adouble(x):
    return 2 * x


class Toy(Endpoint):
    """A flavour-neutral class with flows using every supported step form."""

    def __init__(self, doubler):
        self.doubler = doubler
        self.log = []

    @flow_method
    def inner(self, x):
        value = yield call(self.doubler, x)
        self.log.append(('inner', value))
        return value

    @flow_method
    def outer(self, x):
        a = yield from call_flow(self.inner, x)
        b = yield from helper_flow(a)  # a plain flow, not a flow method
        try:
            yield call(self.fail, b)
        except KeyError as exc:
            self.log.append(('caught', exc.args[0]))
        return (yield call(self.doubler, b)), self.log

    def fail(self, value):
        raise KeyError(value)

    @flow_method
    def raising(self):
        yield call(self.doubler, 1)
        raise ValueError('from the flow')  # the line the traceback must show


class SyncToy(Toy):
    _run = staticmethod(run)


class AsyncToy(Toy):
    _run = staticmethod(run_async)


def test_shells_get_native_twins_of_the_right_flavour():
    assert SyncToy.outer.__wrapped_flow__ is trampoline._FLOW_METHODS[Toy.outer]
    assert not inspect.iscoroutinefunction(SyncToy.outer)
    assert inspect.iscoroutinefunction(AsyncToy.outer)
    assert Toy.outer in trampoline._FLOW_METHODS  # the flavour-neutral method stays
    for cls in (socketio.Server, socketio.Client):
        assert not inspect.iscoroutinefunction(cls._trigger_event)
        assert cls._trigger_event.__wrapped_flow__ is not None
    assert inspect.iscoroutinefunction(socketio.AsyncServer._handle_event_internal)
    assert inspect.iscoroutinefunction(socketio.AsyncServer._send_packet)
    assert inspect.iscoroutinefunction(socketio.AsyncClient._trigger_event)
    # managers too: the base class is itself a working sync manager
    for cls in (socketio.BaseManager, socketio.Manager, socketio.PubSubManager,
                socketio.RedisManager):
        assert not inspect.iscoroutinefunction(cls._emit_flow)
        assert cls._emit_flow.__wrapped_flow__ is not None
    for cls in (socketio.AsyncManager, socketio.AsyncRedisManager):
        assert inspect.iscoroutinefunction(cls._emit_flow)


def expected(x):
    a = 2 * x
    b = 2 * a + 1
    return 2 * b, [('inner', a), ('caught', b)]


def test_sync_twin_does_what_the_driven_flow_does():
    native = SyncToy(double).outer(3)
    driven = run(trampoline._FLOW_METHODS[Toy.outer](SyncToy(double), 3))
    assert native == driven == expected(3)


@pytest.mark.parametrize('doubler', [double, adouble], ids=['plain', 'coroutine'])
def test_async_twin_does_what_the_driven_flow_does(doubler):
    async def both():
        native = await AsyncToy(doubler).outer(3)
        driven = await run_async(trampoline._FLOW_METHODS[Toy.outer](AsyncToy(doubler), 3))
        return native, driven

    native, driven = asyncio.run(both())
    assert native == driven == expected(3)


def test_replacing_a_flow_method_on_the_instance_is_honoured():
    toy = SyncToy(double)
    toy.inner = mock.MagicMock(return_value=100)
    assert toy.outer(3) == (2 * 201, [('caught', 201)])
    toy.inner.assert_called_once_with(3)

    atoy = AsyncToy(double)
    atoy.inner = mock.AsyncMock(return_value=100)
    assert asyncio.run(atoy.outer(3)) == (2 * 201, [('caught', 201)])


def test_an_override_in_a_subclass_is_used():
    class Mine(AsyncToy):
        async def inner(self, x):
            return -x

    assert asyncio.run(Mine(double).outer(3)) == (2 * -5, [('caught', -5)])
    assert Mine.inner.__qualname__.endswith('Mine.inner')


def test_a_flow_can_still_delegate_to_a_twin_inline():
    toy = SyncToy(double)
    flow = call_flow(toy.inner, 5)  # the twin is known: its flow runs inline
    assert inspect.isgenerator(flow)
    assert run(flow) == 10


def test_tracebacks_point_at_the_flow_source():
    with pytest.raises(ValueError) as info:
        SyncToy(double).raising()
    last = traceback.extract_tb(info.tb)[-1]
    assert last.filename == __file__
    assert last.line == "raise ValueError('from the flow')  # the line the traceback must show"
    with pytest.raises(ValueError) as info:
        asyncio.run(AsyncToy(adouble).raising())
    assert traceback.extract_tb(info.tb)[-1].line == last.line


def raw_yield(self):
    yield self.thing, (), {}


def uses_super(self):
    yield call(super().thing)


def nested(self):
    def inner():
        return 1
    yield call(inner)


def with_lambda(self):
    yield call(lambda: 1)


def closure_maker():
    value = 1

    def flow(self):
        yield call(print, value)
    return flow


@pytest.mark.parametrize('flow', [raw_yield, uses_super, nested, with_lambda, closure_maker()])
@pytest.mark.parametrize('is_async', [False, True])
def test_unsupported_flows_are_left_to_their_driver(flow, is_async):
    assert compile_flow(flow, is_async) is None


def test_a_flow_without_source_is_left_to_its_driver():
    namespace = {'call': call}
    exec('def made(self):\n    yield call(print)\n', namespace)
    assert compile_flow(namespace['made'], False) is None


def test_compiled_twins_are_cached_per_flavour():
    first = flow_compiler._compiled[(trampoline._FLOW_METHODS[Toy.inner], False)]
    assert first is SyncToy.inner

    class AnotherSync(Toy):
        _run = staticmethod(run)

    assert AnotherSync.inner is first
