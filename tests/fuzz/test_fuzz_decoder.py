"""Short fuzz run of the packet decoders and the server's message entry point.

A few thousand generated inputs (hypothesis, derandomized so a CI failure
reproduces) plus a seeded mutation run over the seed corpus. Rules (see
``harness.py``): decoders only raise ``ValueError`` with a message, a server
never lets an exception escape, and no input takes longer than
``harness.MAX_SECONDS``. The long run is ``python tests/fuzz/run_long.py``.
"""
from __future__ import annotations

import json
import random
import time
import tracemalloc

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socketio import packet
from socketio.msgpack_packet import MsgPackPacket
from socketio.packet import Packet

from . import harness


def fuzz_settings(n: int) -> settings:
    return settings(max_examples=n, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


def check(target, messages):
    try:
        harness.check(target, messages)
    except harness.FuzzFailure:
        harness.save_crasher(target, messages, 'found by test_fuzz_decoder',
                             harness.CORPUS_DIR / 'new')
        raise


# -- strategies ----------------------------------------------------------------------
scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
placeholders = st.fixed_dictionaries({
    '_placeholder': st.sampled_from([True, False, 1, 'true']),
    'num': st.integers(-3, 5) | st.floats() | st.text(max_size=2) | st.none()})
json_values = st.recursive(scalars | placeholders,
                           lambda inner: st.lists(inner, max_size=4) |
                           st.dictionaries(st.text(max_size=6), inner, max_size=4),
                           max_leaves=15)
types = st.sampled_from('0123456789') | st.text(max_size=1)
counts = st.none() | st.integers(0, 1002).map(str) | st.text('0123456789-', max_size=12)
namespaces = st.none() | st.sampled_from(['/', '/chat', '/a?b=1', '/x,']) | \
    st.text(max_size=10).map(lambda s: '/' + s)
ids = st.none() | st.integers(0, 10**30).map(str) | st.text('0123456789', max_size=120)
payloads = st.none() | json_values.map(lambda v: json.dumps(v, allow_nan=True)) | \
    st.lists(json_values, max_size=4).map(lambda v: json.dumps(['ev'] + v)) | \
    st.text(max_size=30)


@st.composite
def text_packets(draw):
    """A packet built from the protocol's parts, each possibly wrong."""
    parts = [draw(types)]
    count = draw(counts)
    if count is not None:
        parts.append(count + ('-' if draw(st.booleans()) else ''))
    ns = draw(namespaces)
    if ns is not None:
        parts.append(ns + (',' if draw(st.booleans()) else ''))
    for piece in (draw(ids), draw(payloads)):
        if piece is not None:
            parts.append(piece)
    text = ''.join(parts)
    if draw(st.booleans()):  # a random cut or splice
        i = draw(st.integers(0, len(text)))
        text = text[:i] + draw(st.text(max_size=4)) + text[i + 1:]
    return text


attachments = st.lists(st.binary(max_size=16) | st.text(max_size=8), max_size=4)
msgpack_values = st.recursive(
    scalars | st.binary(max_size=8) | st.builds(msgpack.ExtType, st.integers(0, 127),
                                                 st.binary(max_size=4)),
    lambda inner: st.lists(inner, max_size=4) |
    st.dictionaries(st.text(max_size=6) | st.integers(), inner, max_size=4),
    max_leaves=15)
msgpack_packets = st.fixed_dictionaries(
    {}, optional={'type': st.integers(-2, 12) | scalars, 'nsp': st.text(max_size=8) | scalars,
                  'data': msgpack_values, 'id': st.integers() | scalars}) | msgpack_values


def packb(value):
    try:
        return msgpack.packb(value)
    except (ValueError, OverflowError, TypeError):
        return b'\xc1'  # never-used byte: an invalid msgpack message


# -- decoders --------------------------------------------------------------------------
@fuzz_settings(1000)
@given(st.text(max_size=80))
def test_text_decoder_arbitrary_text(text):
    check('packet', [text])


@fuzz_settings(1000)
@given(st.binary(max_size=80))
def test_text_decoder_arbitrary_bytes(data):
    check('packet', [data])


@fuzz_settings(700)
@given(text_packets(), attachments)
def test_text_decoder_structured(text, extra):
    check('packet', [text] + extra)


@fuzz_settings(1000)
@given(st.binary(max_size=80))
def test_msgpack_decoder_arbitrary_bytes(data):
    check('msgpack', [data])


@fuzz_settings(500)
@given(msgpack_packets)
def test_msgpack_decoder_structured(value):
    check('msgpack', [packb(value)])


# -- a server's message entry point ------------------------------------------------------
session_openers = st.sampled_from([[], ['0'], ['0/chat,'], ['0', '0/chat,{"a":1}']])


@fuzz_settings(300)
@given(session_openers, st.lists(text_packets() | st.binary(max_size=20), max_size=5))
def test_server_survives_text_messages(opening, messages):
    check('server', opening + messages)


@fuzz_settings(200)
@given(st.lists(msgpack_packets.map(packb) | st.binary(max_size=20), max_size=5))
def test_server_survives_msgpack_messages(messages):
    opening = [msgpack.packb({'type': 0, 'nsp': '/'})]
    check('server-msgpack', opening + messages)


def test_seeded_mutation_run():
    """The long run's engine, briefly: 3,000 mutated seeds over every target."""
    rnd = random.Random(20240611)
    for _ in range(3000):
        target, messages = harness.random_case(rnd)
        check(target, messages)


# -- regression corpus -------------------------------------------------------------------
CORPUS = harness.load_corpus()


def test_corpus_is_not_empty():
    assert len(CORPUS) >= 5


@pytest.mark.parametrize('case', CORPUS, ids=[c['name'] for c in CORPUS])
def test_corpus_case(case):
    check(case['target'], case['messages'])


# -- limits and pathological sizes -------------------------------------------------------
def bounded(fn, *args, seconds=harness.MAX_SECONDS, max_bytes=20_000_000):
    """Run ``fn``; return the ValueError message (or None); check time and memory."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        fn(*args)
        error = None
    except ValueError as exc:
        error = str(exc)
    finally:
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert elapsed < seconds, f'{elapsed:.3f}s'
    assert peak < max_bytes, f'peak {peak} bytes'
    return error


@pytest.mark.parametrize('text,message', [
    ('2' + '[' * 1_000_000, 'nested too deeply'),
    ('2["a",' + '{"a":' * 200 + '1' + '}' * 200 + ']', 'nested too deeply'),
    ('2["a",' + '[' * (Packet.max_depth + 1) + ']' * (Packet.max_depth + 1) + ']',
     'nested too deeply'),
    ('5%d-["a"]' % (Packet.max_attachments + 1), 'Too many attachments'),
    ('5' + '9' * 10_000 + '-["a"]', 'Packet id is too long'),  # no count: an id
    ('2' + '1' * 10_000 + '["a"]', 'Packet id is too long'),
    ('2["a",' + '9' * 100_000 + ']', 'int'),
    ('2["' + 'x' * 900_000, 'Unterminated string'),
    ('2/' + '[' * 500_000 + ',["a"]', 'Invalid namespace'),
])
def test_hostile_text_is_rejected_quickly(text, message):
    error = bounded(Packet, packet.EVENT, None, None, None, None, text)
    assert error is not None and message.lower() in error.lower(), error


def test_limits_accept_up_to_the_maximum():
    depth = Packet.max_depth - 1  # the event list itself is one level
    pkt = Packet(encoded_packet='2["a",' + '[' * depth + ']' * depth + ']')
    assert pkt.data[0] == 'a'
    pkt = Packet(encoded_packet='5%d-["a"]' % Packet.max_attachments)
    assert pkt.attachment_count == Packet.max_attachments


def test_limits_are_class_attributes_that_can_be_tightened():
    class Strict(Packet):
        max_attachments = 2
        max_depth = 4

    with pytest.raises(ValueError, match='Too many attachments'):
        Strict(encoded_packet='53-["a"]')
    with pytest.raises(ValueError, match='nested too deeply'):
        Strict(encoded_packet='2["a",[[[[1]]]]]')
    assert Strict(encoded_packet='52-["a"]').attachment_count == 2


def test_wide_payload_is_linear():
    text = '2["a",' + ','.join(['[1,{"b":"c"}]'] * 60_000) + ']'  # ~800 KB
    assert bounded(Packet, packet.EVENT, None, None, None, None, text,
                   seconds=2.0, max_bytes=200_000_000) is None


@pytest.mark.parametrize('data', [
    b'\x91' * 100_000 + b'\xc0',                      # 100k nested arrays
    b'\xdd\xff\xff\xff\xff',                           # array of 4 billion items
    b'\xdf\x0f\xff\xff\xff',                           # map of 268 million items
    b'\xc6\x7f\xff\xff\xff',                           # bin of 2 GB, 0 bytes given
    msgpack.packb({'type': 2, 'nsp': '/', 'data': ['a', [[[[[[1]]]]]]] * 10}) * 3,
])
def test_hostile_msgpack_is_rejected_quickly(data):
    assert bounded(MsgPackPacket, packet.EVENT, None, None, None, None, data)


def test_attachment_count_lies_are_caught():
    pkt = Packet(encoded_packet='52-["a",{"_placeholder":true,"num":5}]')
    pkt.add_attachment(b'1')
    with pytest.raises(ValueError, match='placeholder'):
        pkt.add_attachment(b'2')
    pkt = Packet(encoded_packet='51-["a",{"_placeholder":true,"num":0}]')
    assert pkt.add_attachment(b'x') is True
    with pytest.raises(ValueError, match='Unexpected binary attachment'):
        pkt.add_attachment(b'y')
