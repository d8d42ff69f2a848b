"""How event handlers are started: reused threads (standard server in
threading mode) and held asyncio tasks (AsyncServer)."""
import contextvars
import logging
import os
import signal
import threading
from unittest import mock

import pytest
from support import UnreferencedWait, wait_for

import socketio
from socketio import handler_threads
from socketio.handler_threads import HandlerThreads

var = contextvars.ContextVar('var', default='unset')


def run_and_wait(pool, fn, *args):
    done = threading.Event()
    out = {}

    def job():
        try:
            out['value'] = fn(*args)
        finally:
            done.set()

    pool.submit(job)
    assert done.wait(5), 'job did not run'
    return out.get('value')


def test_jobs_run_with_their_arguments_on_daemon_threads():
    pool = HandlerThreads()
    got = run_and_wait(pool, lambda a, b: (a, b, threading.current_thread().daemon,
                                           threading.current_thread().name), 1, 'two')
    assert got == (1, 'two', True, 'socketio-handler')


def test_an_idle_thread_is_reused():
    pool = HandlerThreads()
    idents = set()
    for _ in range(20):
        idents.add(run_and_wait(pool, threading.get_ident))
        # the job has ended; wait until its thread is back among the idle ones
        wait_for(lambda: pool._idle == 1, 5, 'the thread to be idle again')
    assert len(idents) == 1
    assert pool.threads == 1


def test_busy_threads_do_not_delay_new_jobs():
    pool = HandlerThreads()
    parties = 6
    barrier = threading.Barrier(parties, timeout=5)
    results = []
    done = threading.Semaphore(0)

    def job():
        try:
            results.append(barrier.wait())
        except threading.BrokenBarrierError:
            results.append('broken')
        done.release()

    for _ in range(parties):
        pool.submit(job)
    for _ in range(parties):
        assert done.acquire(timeout=10)
    assert 'broken' not in results  # all six ran at the same time
    assert pool.threads == parties


def test_idle_threads_end_after_the_timeout():
    pool = HandlerThreads(idle_timeout=0.05)
    release = threading.Event()
    for _ in range(3):
        pool.submit(release.wait, 5)
    assert pool.threads == 3
    release.set()
    wait_for(lambda: pool.threads == 0, 5, 'idle threads to end')
    assert pool._idle == 0
    assert run_and_wait(pool, lambda: 'again') == 'again'


def test_an_error_is_logged_and_the_thread_goes_on(caplog):
    pool = HandlerThreads()

    def boom():
        raise RuntimeError('kaput')

    with caplog.at_level(logging.ERROR, logger='socketio.server'):
        pool.submit(boom)
        wait_for(lambda: pool._idle == 1, 5, 'the thread to survive the error')
    assert 'Unhandled error in an event handler thread' in caplog.text
    assert 'kaput' in caplog.text
    assert run_and_wait(pool, lambda: 'still here') == 'still here'
    assert pool.threads == 1


def test_a_thread_that_cannot_start_leaves_its_job_to_the_next_thread():
    pool = HandlerThreads()
    ran = []
    done = threading.Event()
    real_start = threading.Thread.start
    with mock.patch.object(threading.Thread, 'start', side_effect=RuntimeError('no')):
        with pytest.raises(RuntimeError):
            pool.submit(ran.append, 'first')
    assert pool.threads == 0
    with mock.patch.object(threading.Thread, 'start', real_start):
        pool.submit(lambda: (ran.append('second'), done.set()))
    assert done.wait(5)
    wait_for(lambda: pool._idle == 1, 5, 'the thread to be idle again')
    assert ran == ['first', 'second']  # the queued job was not lost
    assert pool.threads == 1


def test_each_job_starts_with_a_fresh_context():
    pool = HandlerThreads()
    assert run_and_wait(pool, lambda: (var.get(), var.set('first'))[0]) == 'unset'
    wait_for(lambda: pool._idle == 1, 5, 'the thread to be idle again')
    assert run_and_wait(pool, var.get) == 'unset'
    assert pool.threads == 1


@pytest.mark.skipif(not hasattr(os, 'fork'), reason='needs fork()')
def test_a_forked_child_starts_its_own_threads():
    pool = HandlerThreads()
    run_and_wait(pool, lambda: None)
    wait_for(lambda: pool._idle == 1, 5, 'the thread to be idle')
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        signal.alarm(10)  # bounded even if something deadlocks after fork()
        code = 1
        try:
            # the parent's idle thread does not exist here
            if pool._idle == 0 and pool.threads == 0:
                code = 0 if run_and_wait(pool, lambda: 'child') == 'child' else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def make_server(**kwargs):
    sio = socketio.Server(async_mode='threading', **kwargs)
    sio.eio.send = mock.MagicMock()
    sio._handle_eio_connect('e1', {})
    sio._handle_eio_message('e1', '0')
    return sio


def test_threading_server_runs_handlers_on_the_shared_threads():
    sio = make_server()
    seen = []
    called = threading.Event()

    @sio.on('ping_me')
    def ping_me(sid, data):
        seen.append((threading.current_thread().name, data))
        called.set()
        return data

    with mock.patch.object(handler_threads.shared, 'submit',
                           wraps=handler_threads.shared.submit) as submit:
        sio._handle_eio_message('e1', '2["ping_me","x"]')
        assert called.wait(5)
    assert seen == [('socketio-handler', 'x')]
    submit.assert_called_once()
    assert submit.call_args.args[0] == sio._handle_event_internal


def test_outside_threading_mode_handlers_go_through_start_background_task():
    """With eventlet or gevent (here: the mode name alone) a handler is a
    background task of the server's own ``start_background_task``."""
    sio = make_server()
    sio.async_mode = 'eventlet'
    sio.on('ev', lambda sid: None)
    sio.start_background_task = mock.MagicMock()
    with mock.patch.object(handler_threads.shared, 'submit') as submit:
        sio._handle_eio_message('e1', '2["ev"]')
    submit.assert_not_called()
    sid = sio.manager.sid_from_eio_sid('e1', '/')
    sio.start_background_task.assert_called_once_with(
        sio._handle_event_internal, sio, sid, 'e1', ['ev'], '/', None)


def test_without_async_handlers_the_handler_runs_inline():
    sio = make_server(async_handlers=False)
    sio.on('ev', lambda sid: threading.get_ident())
    with mock.patch.object(handler_threads.shared, 'submit') as submit:
        sio._handle_eio_message('e1', '21["ev"]')
    submit.assert_not_called()
    assert sio.eio.send.call_args.args[1] == f'31[{threading.get_ident()}]'


def test_asyncio_handler_tasks_are_held():
    """In the asyncio modes the server creates each handler task itself
    (not with start_background_task) and holds it until it ends, even when
    the handler waits for something nothing else references."""
    import asyncio
    import gc

    from socketio import base_endpoint

    async def scenario():
        sio = socketio.AsyncServer(async_mode='asgi')
        sio.eio.send = mock.AsyncMock()
        await sio._handle_eio_connect('e1', {})
        await sio._handle_eio_message('e1', '0')
        wait_forever = UnreferencedWait()
        sio.on('wait', wait_forever)
        before = set(base_endpoint._running_tasks)
        with mock.patch.object(sio, 'start_background_task') as start:
            await sio._handle_eio_message('e1', '2["wait"]')
        start.assert_not_called()
        await asyncio.wait_for(wait_forever.started.wait(), 5)
        gc.collect()
        assert wait_forever.alive()
        (task,) = set(base_endpoint._running_tasks) - before
        task.cancel()
        await asyncio.wait([task], timeout=5)
        base_endpoint.drop_finished_tasks()  # finished tasks are dropped in batches
        assert task not in base_endpoint._running_tasks

    asyncio.run(scenario())


def test_held_tasks_are_dropped_in_batches_once_done():
    from socketio import base_endpoint as endpoint

    class Finished:
        def done(self):
            return True

    class Running:
        def done(self):
            return False

    endpoint.drop_finished_tasks()
    start = len(endpoint._running_tasks)
    running = [endpoint.hold_task(Running()) for _ in range(300)]
    for _ in range(5000):
        endpoint.hold_task(Finished())
    # the running ones are all still there; the finished ones never pile up
    assert all(task in endpoint._running_tasks for task in running)
    assert len(endpoint._running_tasks) <= 2 * (start + 300) + 1
    endpoint.drop_finished_tasks()
    assert len(endpoint._running_tasks) == start + 300
    endpoint._running_tasks.difference_update(running)
