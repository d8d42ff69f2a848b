"""The flow drivers: one generator flow, run synchronously or under asyncio."""
import asyncio
import threading
from unittest import mock

import pytest

from socketio import trampoline
from socketio.trampoline import Done, call, call_flow, flow_method, run, run_async


def adder(x, y):
    return x + y


async def async_adder(x, y):
    await asyncio.sleep(0)
    return x + y


def boom():
    raise KeyError('boom')


def sample_flow(fn):
    total = yield call(fn, 1, 2)
    try:
        yield call(boom)
    except KeyError as exc:
        caught = exc.args[0]
    return total, caught


def test_sync_driver_returns_values_and_throws_errors_back():
    assert run(sample_flow(adder)) == (3, 'boom')


def test_async_driver_awaits_awaitables_only():
    assert asyncio.run(run_async(sample_flow(async_adder))) == (3, 'boom')
    assert asyncio.run(run_async(sample_flow(adder))) == (3, 'boom')
    plain = mock.MagicMock(return_value='plain')  # not awaitable: used as is

    def flow():
        return (yield call(plain))

    assert asyncio.run(run_async(flow())) == 'plain'


def test_uncaught_error_propagates_from_both_drivers():
    def flow():
        yield call(boom)

    with pytest.raises(KeyError):
        run(flow())
    with pytest.raises(KeyError):
        asyncio.run(run_async(flow()))


def test_flow_without_steps():
    def flow():
        return 'done'
        yield  # pragma: no cover

    assert run(flow()) == 'done'
    assert asyncio.run(run_async(flow())) == 'done'


class Thing:
    """A flow method, nested through call() and call_flow()."""

    _run = staticmethod(run)

    def __init__(self):
        self.seen = []

    @flow_method
    def inner(self, value):
        result = yield call(adder, value, 1)
        self.seen.append(result)
        return result

    def outer_flow(self, value):
        first = yield call(self.inner, value)
        second = yield from call_flow(self.inner, first)
        return first, second


class AsyncThing(Thing):
    _run = staticmethod(run_async)


def test_nested_flow_methods_run_inline_or_as_calls():
    thing = Thing()
    assert thing.inner(1) == 2  # called directly, runs its own flow
    assert run(thing.outer_flow(1)) == (2, 3)
    assert thing.seen == [2, 2, 3]
    athing = AsyncThing()
    assert asyncio.run(run_async(athing.outer_flow(1))) == (2, 3)


def test_replaced_flow_method_is_called_not_inlined():
    thing = Thing()
    thing.inner = mock.MagicMock(return_value=10)
    assert run(thing.outer_flow(1)) == (10, 10)
    assert thing.inner.call_args_list == [mock.call(1), mock.call(10)]
    assert thing.seen == []


def test_done_is_awaitable_with_its_value():
    async def main():
        return await Done(42)

    assert asyncio.run(main()) == 42


def test_call_each_sends_every_item_to_every_target():
    sent = []
    trampoline.call_each(lambda t, i: sent.append((t, i)), ['a', 'b'], [1])
    trampoline.call_each(lambda t, i: sent.append((t, i)), ['c'], [1, 2])
    assert sent == [('a', 1), ('b', 1), ('c', 1), ('c', 2)]

    async def send(t, i):
        sent.append((t, i))

    asyncio.run(trampoline.call_each_async(send, ['d', 'e'], [3, 4]))
    assert sent[-4:] == [('d', 3), ('d', 4), ('e', 3), ('e', 4)]


def test_wait_event_helpers_report_timeouts():
    event = threading.Event()
    assert trampoline.wait_event(event, 0.01) is False
    event.set()
    assert trampoline.wait_event(event, 0.01) is True

    async def main():
        aevent = asyncio.Event()
        first = await trampoline.wait_event_async(aevent, 0.01)
        aevent.set()
        return first, await trampoline.wait_event_async(aevent, 0.01)

    assert asyncio.run(main()) == (False, True)
