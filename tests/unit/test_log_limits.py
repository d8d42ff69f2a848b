"""RepeatedLog: findings logged once per source and kind, then counted."""
import logging
from unittest import mock

from socketio import log_limits
from socketio.log_limits import RepeatedLog


def messages(caplog):
    return [r.getMessage() for r in caplog.records]


def test_repeats_are_counted_then_reported_after_the_interval(caplog):
    limits = RepeatedLog(interval=60)
    logger = logging.getLogger('test-limits')
    with caplog.at_level(logging.INFO, logger='test-limits'), \
            mock.patch('time.monotonic', return_value=1000.0) as now:
        for i in range(5):
            limits.log(logger, logging.WARNING, 'sid1', 'bad', 'bad packet %d', i)
        limits.log(logger, logging.WARNING, 'sid2', 'bad', 'bad packet %d', 9)
        limits.log(logger, logging.WARNING, 'sid1', 'other', 'other finding')
        assert messages(caplog) == ['bad packet 0', 'bad packet 9', 'other finding']
        now.return_value = 1061.0
        limits.log(logger, logging.WARNING, 'sid1', 'bad', 'bad packet %d', 5)
        assert messages(caplog)[-1] == \
            'bad packet 5 (and 4 more like this from sid1, not logged)'
        limits.log(logger, logging.WARNING, 'sid1', 'bad', 'bad packet %d', 6)
        limits.forget(logger, 'sid1')
        assert messages(caplog)[-1] == '1 more findings of "bad" from sid1 were not logged'
        limits.forget(logger, 'sid1')  # nothing left: nothing logged
        limits.forget(logger, 'sid2')
    assert len(caplog.records) == 5


def test_levels_and_the_caller_line(caplog):
    limits = RepeatedLog()
    logger = logging.getLogger('test-limits')
    with caplog.at_level(logging.INFO, logger='test-limits'):
        limits.log(logger, logging.ERROR, 's', 'e', 'an error')
        try:
            raise RuntimeError('boom')
        except RuntimeError:
            limits.log(logger, logging.ERROR, 's', 'x', 'with traceback', exc_info=True)
        limits.log(logger, logging.INFO, 's', 'i', 'info')
    assert [r.levelno for r in caplog.records] == [logging.ERROR, logging.ERROR, logging.INFO]
    assert caplog.records[1].exc_info is not None
    assert all(r.filename == 'test_log_limits.py' for r in caplog.records)


def test_memory_is_bounded(caplog):
    limits = RepeatedLog(max_sources=3)
    logger = logging.getLogger('test-limits')
    with caplog.at_level(logging.WARNING, logger='test-limits'):
        for source in range(10):
            limits.log(logger, logging.WARNING, source, 'k', 'finding from %s', source)
        assert len(limits._seen) == 3
        for kind in range(log_limits.MAX_KINDS + 10):
            limits.log(logger, logging.WARNING, 'one', f'kind {kind}', 'kind %s', kind)
        assert len(limits._seen['one']) == log_limits.MAX_KINDS


def _lines(caplog, text):
    return [r.getMessage() for r in caplog.records if text in r.getMessage()]


def test_a_server_cannot_flood_a_client_log(caplog):
    import asyncio

    import socketio
    client = socketio.Client(logger=logging.getLogger('tests.client'))
    aclient = socketio.AsyncClient(logger=logging.getLogger('tests.client'))
    with caplog.at_level(logging.WARNING):
        for _ in range(100):
            client._on_eio_message('9 not a packet')
            client._handle_eio_message('30[1]')  # an ack nobody waits for
            asyncio.run(aclient._on_eio_message('9 not a packet'))
    assert len(_lines(caplog, 'Invalid packet from the server')) == 2  # one per client
    assert _lines(caplog, 'Unknown callback received') == [
        'Unknown callback received, ignoring.']


def test_a_client_cannot_flood_the_manager_log_with_acks(caplog):
    import socketio
    mgr = socketio.Manager()
    socketio.Server(client_manager=mgr, async_mode='threading',
                    logger=logging.getLogger('tests.manager'))
    first = mgr.connect('e1', '/')
    second = mgr.connect('e2', '/')
    with caplog.at_level(logging.WARNING):
        for ack_id in range(1, 200):
            mgr.trigger_callback(first, ack_id, [])
        mgr.trigger_callback(second, 7, [])
    assert len(_lines(caplog, f'Unknown callback received from {first}')) == 1
    assert len(_lines(caplog, f'Unknown callback received from {second}')) == 1
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        mgr.disconnect(first, '/')
    assert _lines(caplog, 'were not logged') == [
        f'198 more findings of "unknown callback" from {first} were not logged']
