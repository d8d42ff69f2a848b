"""The text packet header parser: pure Python and C (when built) must agree."""
from __future__ import annotations

import json
import sys
import tracemalloc
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from socketio import packet
from socketio.packet import Packet

PARSERS = [pytest.param(packet._py_parse_header, id='python')]
if packet._c_parse_header is not None:
    PARSERS.append(pytest.param(packet._c_parse_header, id='c'))

LONG_ID = '1' * 100


def memory_growth(run: Callable[[], None]) -> int:
    """Bytes still allocated after a second ``run()`` (the first one warms
    up caches): a C function that leaks grows by its calls."""
    run()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        run()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def outcome(parse: Callable[[str, Any], tuple], text: str, max_attachments: Any) -> Any:
    """The result tuple, or the exception type and message."""
    try:
        return parse(text, max_attachments)
    except (ValueError, TypeError) as exc:
        return type(exc), str(exc)


@pytest.mark.parametrize('parse', PARSERS)
@pytest.mark.parametrize('text,expected', [
    ('2', (2, 0, None, None, 1)),
    ('9', (9, 0, None, None, 1)),
    ('2["a"]', (2, 0, None, None, 1)),
    ('2/chat,["a"]', (2, 0, '/chat', None, 7)),
    ('2/chat', (2, 0, '/chat', None, 6)),
    ('2/chat,', (2, 0, '/chat', None, 7)),
    ('2/chat?x=1,5["a"]', (2, 0, '/chat', 5, 12)),
    ('2/a?b,c,1', (2, 0, '/a', None, 6)),
    ('2/,', (2, 0, '/', None, 3)),
    ('2/chat,x', (2, 0, '/chat', None, 7)),
    ('2123["a"]', (2, 0, None, 123, 4)),
    ('2007', (2, 0, None, 7, 4)),
    ('3/x,5[]', (3, 0, '/x', 5, 5)),
    ('2' + LONG_ID, (2, 0, None, int(LONG_ID), 101)),
    ('2' + LONG_ID + '["a"]', (2, 0, None, int(LONG_ID), 101)),
    ('2/x,' + LONG_ID, (2, 0, '/x', int(LONG_ID), 104)),
    ('2' + '9' * 19, (2, 0, None, 10 ** 19 - 1, 20)),
    ('2' + '9' * 18, (2, 0, None, 10 ** 18 - 1, 19)),
    ('51-["a"]', (5, 1, None, None, 3)),
    ('60-', (6, 0, None, None, 3)),
    ('512-/x,7["a"]', (5, 12, '/x', 7, 8)),
    ('51000-[]', (5, 1000, None, None, 6)),
    ('5007-[]', (5, 7, None, None, 5)),
    ('51-1-', (5, 1, None, 1, 4)),  # a dash after the id of a binary packet
    ('2/x,1-', (2, 0, '/x', 1, 5)),
    ('2/\u00e9\U0001f600,3', (2, 0, '/\u00e9\U0001f600', 3, 6)),
    ('2/\u0663,\u0663', (2, 0, '/\u0663', None, 4)),
    ('2\u0663', (2, 0, None, None, 1)),
    ('2\u00b2', (2, 0, None, None, 1)),
    ('\U0001f600', None),
    # a binary packet without an attachment count has none (python-socketio)
    ('5', (5, 0, None, None, 1)),
    ('51', (5, 0, None, 1, 2)),
    ('5-', (5, 0, None, None, 1)),
    ('5-1-', (5, 0, None, None, 1)),
    ('5a-', (5, 0, None, None, 1)),
    ('5\u0663-', (5, 0, None, None, 1)),
    ('51\u0663-', (5, 0, None, 1, 2)),
    ('5["a"]', (5, 0, None, None, 1)),
    ('6/x,["a"]', (6, 0, '/x', None, 4)),
])
def test_parse_header(parse, text, expected):
    if expected is None:
        with pytest.raises(ValueError, match='^Invalid packet type$'):
            parse(text, 1000)
    else:
        assert parse(text, 1000) == expected


@pytest.mark.parametrize('parse', PARSERS)
@pytest.mark.parametrize('text,message', [
    ('', 'Empty packet'),
    ('x', 'Invalid packet type'),
    (' 2', 'Invalid packet type'),
    ('\u0663', 'Invalid packet type'),
    ('\u00b2', 'Invalid packet type'),
    ('5' + '1' * 101 + '-', 'Packet id is too long'),  # no count: an id
    ('5' + '1' * 100 + '-', 'Too many attachments'),
    ('5' + '1' * 99 + '-', 'Too many attachments'),
    ('5' + '0' * 10 + '-', 'Too many attachments'),
    ('5' + '0' * 9 + '-', None),  # nine digits are accepted: count 0
    ('51001-', 'Too many attachments'),
    ('6' + '9' * 12 + '-["a"]', 'Too many attachments'),
    ('2' + '1' * 101, 'Packet id is too long'),
    ('2/x,' + '1' * 101, 'Packet id is too long'),
    ('21-["a"]', 'Attachment count in a non-binary packet'),
    ('0' + '1' * 99 + '-', 'Attachment count in a non-binary packet'),
    ('2/foo["bar"]', 'Invalid namespace'),
    ('2/foo{"a":1}', 'Invalid namespace'),
    ('2/x"y",["a"]', 'Invalid namespace'),
    ('2/x?[,', None),  # junk after '?' is cut off first
    ('2/\U0001f600[,', 'Invalid namespace'),
])
def test_parse_header_errors(parse, text, message):
    if message is None:
        parse(text, 1000)
    else:
        with pytest.raises(ValueError, match=f'^{message}$'):
            parse(text, 1000)


@pytest.mark.parametrize('parse', PARSERS)
@pytest.mark.parametrize('max_attachments,ok', [
    (2, True), (1, False), (0, False), (-1, False), (2 ** 100, True),
    (-2 ** 100, False), (2.5, True), (1.5, False), (True, False),
    (float('nan'), True),
])
def test_parse_header_max_attachments(parse, max_attachments, ok):
    if ok:
        assert parse('52-', max_attachments) == (5, 2, None, None, 3)
        assert parse('502-', max_attachments) == (5, 2, None, None, 4)
    else:
        for text in ('52-', '502-'):
            with pytest.raises(ValueError, match='^Too many attachments$'):
                parse(text, max_attachments)
    # non-binary packets do not look at the limit
    assert parse('2', max_attachments) == (2, 0, None, None, 1)


@pytest.mark.parametrize('parse', PARSERS)
def test_parse_header_max_attachments_not_comparable(parse):
    with pytest.raises(TypeError):
        parse('51-', None)
    assert parse('21', None) == (2, 0, None, 1, 2)


@pytest.mark.skipif(packet._c_parse_header is None, reason='C speedups not built')
def test_c_parse_header_arguments():
    parse = packet._c_parse_header
    with pytest.raises(TypeError):
        parse('2')
    with pytest.raises(TypeError):
        parse('2', 1000, 1)
    with pytest.raises(TypeError):
        parse(b'2', 1000)

    class Text(str):
        pass

    with pytest.raises(TypeError):
        parse(Text('2'), 1000)


@pytest.mark.skipif(packet._c_parse_header is None, reason='C speedups not built')
def test_c_parse_header_does_not_leak():
    parse = packet._c_parse_header
    texts = ['2/chat,12["a"]', '51-/x,' + '7' * 50 + '[]', '2/ns,' + '1' * 101,
             '2/\U0001f600{,', '2/x?y,' + '1' * 99 + '-', '5' + '1' * 20 + '-',
             '51-/\u00e9' * 20]
    refcounts = [sys.getrefcount(text) for text in texts]

    def run() -> None:
        for _ in range(2000):
            for text in texts:
                outcome(parse, text, 1000)
                outcome(parse, text, None)

    grown = memory_growth(run)
    assert grown < 20000, grown  # a leak would be tens of thousands of objects
    assert [sys.getrefcount(text) for text in texts] == refcounts


# -- the two implementations agree on plausible and hostile headers --------------

ODD_CHARS = ',/?-[{"\u0663\u00b2\u00e9\U0001f600 0123456789a='
odd_char = st.sampled_from(ODD_CHARS)
odd_text = st.text(alphabet=st.one_of(odd_char, odd_char, st.characters()), max_size=8)
digit_runs = st.one_of(
    st.integers(1, 120).map(lambda k: '1' * k),
    st.integers(1, 120).map(lambda k: '9' * k),
    st.integers(0, 10 ** 40).map(str),
    st.text('0123456789', min_size=1, max_size=120),
    st.text('0123456789\u0663\u00b2', min_size=1, max_size=12))
# mostly valid type digits (binary ones twice as often), sometimes not
type_chars = st.sampled_from(list('01234567895656') + ['', 'x', '\u0663', '\U0001f600'])
counts = st.just('') | digit_runs.map(lambda d: d + '-') | digit_runs | \
    st.sampled_from(['1-', '2-', '0-', '10-', '1000-', '1001-', '-', '1--'])
namespaces = st.just('') | (st.sampled_from(['/', '/chat', '/a?b=1', '/x?[']) |
                            odd_text.map(lambda s: '/' + s)).flatmap(
    lambda ns: st.sampled_from([ns, ns + ',']))
ack_ids = st.just('') | digit_runs | digit_runs.map(lambda d: d + '-')
tails = st.sampled_from(['', '["a"]', '{}', '-', '1', '[', ',']) | odd_text
# hostile: any part may be missing or out of place
headers = st.tuples(type_chars, counts, namespaces, ack_ids, tails).map(''.join)
# plausible: a count exactly on binary types, then namespace and id variations
plausible = st.sampled_from('0123456').flatmap(lambda ptype: st.tuples(
    st.just(ptype),
    st.integers(0, 1002).map(lambda n: f'{n}-') if ptype in '56' else st.just(''),
    namespaces, ack_ids, tails).map(''.join))


def cut(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """Cut anywhere (also in the middle of the digits), or not at all."""
    return st.tuples(strategy, st.integers(1, 200)).map(lambda pair: pair[0][:pair[1]])


texts = st.one_of(plausible, plausible, cut(plausible), headers, cut(headers),
                  st.text(max_size=20),
                  st.text(alphabet=odd_char, max_size=20))
limits = st.sampled_from([1000, 0, 1, 2, 10 ** 12, -1, 2 ** 80])


@pytest.mark.skipif(packet._c_parse_header is None, reason='C speedups not built')
@settings(max_examples=4000, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(text=texts, max_attachments=limits)
@example(text='5' + '1' * 100 + '-', max_attachments=1000)
@example(text='2/x,' + '9' * 100 + '-', max_attachments=1000)
@example(text='2' + '9' * 99 + '-', max_attachments=1000)
def test_c_and_python_agree(text, max_attachments):
    py = outcome(packet._py_parse_header, text, max_attachments)
    c = outcome(packet._c_parse_header, text, max_attachments)
    assert c == py
    if type(py) is tuple:
        assert [type(item) for item in c] == [type(item) for item in py]


# -- decode uses the header fields ------------------------------------------------

DECODERS = [pytest.param((parse.values[0], None), id=parse.id) for parse in PARSERS]
if packet._c_decode is not None:
    DECODERS.append(pytest.param((packet._c_parse_header, packet._c_decode), id='c-decode'))


@pytest.fixture(params=DECODERS)
def parse_header(request, monkeypatch):
    """Make ``Packet.decode`` use each header parser in turn, then the whole
    decode in C."""
    parse, c_decode = request.param
    monkeypatch.setattr(packet, '_parse_header', parse)
    monkeypatch.setattr(packet, '_c_decode', c_decode)
    return parse


def test_decode_keeps_id_without_one(parse_header):
    pkt = Packet(id=7)
    pkt.decode('2["a"]')
    assert pkt.id == 7
    pkt.decode('2/x,8["a"]')
    assert (pkt.namespace, pkt.id) == ('/x', 8)
    pkt.decode('2["b"]')
    assert (pkt.namespace, pkt.id, pkt.data) == (None, 8, ['b'])


def test_decode_long_id_and_unicode_namespace(parse_header):
    pkt = Packet(encoded_packet='61-/\u00e9\U0001f600,' + LONG_ID + '["a"]')
    assert (pkt.packet_type, pkt.attachment_count, pkt.namespace, pkt.id) == \
        (packet.BINARY_ACK, 1, '/\u00e9\U0001f600', int(LONG_ID))


def test_decode_header_error_messages(parse_header):
    for text, message in [('', 'Empty packet'), ('x', 'Invalid packet type'),
                          ('5' + '1' * 101, 'Packet id is too long'),
                          ('2/a[,', 'Invalid namespace')]:
        with pytest.raises(ValueError, match=f'^{message}$'):
            Packet().decode(text)


def test_decode_max_attachments_from_subclass(parse_header):
    class Small(Packet):
        max_attachments = 1

    assert Small(encoded_packet='51-["a"]').attachment_count == 1
    with pytest.raises(ValueError, match='^Too many attachments$'):
        Small(encoded_packet='52-["a"]')


# -- the whole decode in C agrees with the Python code ----------------------------

def decoded(text: str, c_decode: Any, monkeypatch: Any, id: Any = None) -> Any:
    """What ``Packet(encoded_packet=text)`` and ``Packet().decode(text)``
    give with ``c_decode`` (or the Python code): the fields, or the error."""
    monkeypatch.setattr(packet, '_c_decode', c_decode)
    results = []
    for how in ('init', 'decode'):
        try:
            if how == 'init':
                pkt = Packet(encoded_packet=text, id=id)
            else:
                pkt = Packet(id=id)
                pkt.decode(text)
            results.append((pkt.packet_type, pkt.attachment_count, pkt.namespace,
                            pkt.id, repr(pkt.data), pkt.attachments))
        except (ValueError, TypeError) as exc:
            results.append((type(exc), str(exc)))
    return results


json_tails = st.one_of(
    st.sampled_from(['["a"]', '["a",1]', ' ["a"]', '["a"] ', '["a"]x', '[1]', '[]',
                     '{}', '"s"', '[', '{"_placeholder":true,"num":0}',
                     '["a",{"_placeholder":true,"num":0}]', '[' * 130 + ']' * 130,
                     '["' + '[' * 200 + '"]', '["a",' + '[' * 100 + ']' * 100 + ']',
                     '["a","' + 'x' * 5000 + '"]', '["a",{"b":[null,true,1.5e3]}]']),
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                 lambda inner: st.lists(inner, max_size=3)
                 | st.dictionaries(st.text(max_size=3), inner, max_size=3),
                 max_leaves=8).map(lambda v: json.dumps(v, separators=(',', ':'))),
    st.text(max_size=10))
full_texts = st.tuples(st.one_of(plausible, headers), json_tails).map(''.join)


@pytest.mark.skipif(packet._c_decode is None, reason='C speedups not built')
@settings(max_examples=3000, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(text=st.one_of(full_texts, texts), id=st.sampled_from([None, 7]))
@example(text='2["a"]', id=None)
@example(text='', id=None)
@example(text='5', id=None)
@example(text='51-', id=None)
@example(text='2' + '[' * 130 + ']' * 130, id=None)
def test_c_decode_and_python_agree(text, id):
    with pytest.MonkeyPatch.context() as monkeypatch:
        py = decoded(text, None, monkeypatch, id)
        c = decoded(text, packet._c_decode, monkeypatch, id)
    assert c == py


@pytest.mark.skipif(packet._c_decode is None, reason='C speedups not built')
def test_c_decode_arguments_and_fallbacks():
    decode = packet._c_decode
    scan = packet._scan_once
    with pytest.raises(TypeError):
        decode('2', 1000, 128, packet._scan_once)
    with pytest.raises(TypeError):
        decode(b'2', 1000, 128, scan, 0)
    assert decode('2/x,3["a",1]', 1000, 128, scan, 0) == (2, 0, '/x', 3, ['a', 1])
    assert decode('0', 1000, 128, scan, 0) == (0, 0, None, None, None)
    with pytest.raises(ValueError, match='^Invalid packet type$'):
        decode('x', 1000, 128, scan, 0)
    # the Python code decides: whitespace, extra data, bad JSON, odd events,
    # a binary event without data, a depth check, a long text, an odd limit
    for text in ('2 ["a"]', '2["a"] ', '2["a"]x', '2[', '2[1]', '2{}', '51-',
                 '2["a",' + '[' * 129 + ']' * 129 + ']', '2["' + 'x' * 5000 + '"]'):
        assert decode(text, 1000, 128, scan, 0) is None, text
    assert decode('2["a"]', 1000, 'x', scan, 0) is None
    assert decode('2["' + '[' * 200 + '"]', 1000, 128, scan, 0) is None  # counted
    assert decode('2["' + '[' * 100 + '"]', 1000, 128, scan, 0) == \
        (2, 0, None, None, ['[' * 100])

    def failing_scan(text, index):
        raise KeyError('boom')

    with pytest.raises(KeyError):
        decode('2["a"]', 1000, 128, failing_scan, 0)
    with pytest.raises(TypeError):
        decode('2["a"]', 1000, 128, lambda text, index: None, 0)


@pytest.mark.skipif(packet._c_decode is None, reason='C speedups not built')
def test_c_decode_does_not_leak():
    decode, scan = packet._c_decode, packet._scan_once
    texts = ['2/chat,12["a",{"b":[1,2]}]', '51-/x,7["a",{"_placeholder":true,"num":0}]',
             '2["a"] ', '2[', '2{}', '2/\U0001f600{,', '3/x,5[1]', '0', '51-',
             '2["' + 'x' * 5000 + '"]', '2["' + '[' * 200 + '"]']
    refcounts = [sys.getrefcount(text) for text in texts]

    def run() -> None:
        for _ in range(2000):
            for text in texts:
                try:
                    decode(text, 1000, 128, scan, 0)
                except ValueError:
                    pass

    grown = memory_growth(run)
    assert grown < 20000, grown  # a leak would be tens of thousands of objects
    assert [sys.getrefcount(text) for text in texts] == refcounts


# -- the whole encode in C agrees with the Python code ----------------------------

class ListSub(list):
    pass


class DictSub(dict):
    pass


def encoded(ptype: Any, data: Any, namespace: Any, id: Any, c_encode: Any) -> Any:
    """What ``Packet(ptype, data, namespace, id).encode()`` gives with
    ``c_encode`` (or the Python code): the text or parts, or the error."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(packet, '_c_encode_text', c_encode)
        try:
            pkt = Packet(ptype, data=data, namespace=namespace, id=id)
            return pkt.encode(), pkt.packet_type
        except (ValueError, TypeError) as exc:
            return type(exc), str(exc)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=4)
    | st.binary(max_size=3) | st.sampled_from([bytearray(b'x'), object(), 2 ** 70]),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    | st.lists(inner, max_size=2).map(ListSub)
    | st.dictionaries(st.text(max_size=2), inner, max_size=2).map(DictSub),
    max_leaves=10)


@pytest.mark.skipif(packet._c_encode_text is None, reason='C speedups not built')
@settings(max_examples=3000, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(ptype=st.sampled_from([packet.EVENT, packet.ACK]),
       data=st.one_of(json_values, st.lists(json_values, max_size=3)),
       namespace=st.sampled_from([None, '/', '/chat', '', '/\u00e9']),
       id=st.sampled_from([None, 0, 7, 10 ** 20]))
@example(ptype=packet.EVENT, data=['a', b'x'], namespace=None, id=None)
@example(ptype=packet.ACK, data=[[[[]]]], namespace='/', id=1)
def test_c_encode_and_python_agree(ptype, data, namespace, id):
    py = encoded(ptype, data, namespace, id, None)
    c = encoded(ptype, data, namespace, id, packet._c_encode_text)
    assert c == py


@pytest.mark.skipif(packet._c_encode_text is None, reason='C speedups not built')
def test_c_encode_fallbacks_and_errors():
    encode, plain = packet._c_encode_text, packet._c_plain
    with pytest.raises(TypeError):
        encode(2, None, None, ['a'])
    assert encode(2, None, None, ['a'], plain) == '2["a"]'
    assert encode(3, '/x', 5, [{'a': (1, 2)}], plain) == '3/x,5[{"a":[1,2]}]'
    # left to the Python code
    for args in [(2, None, None, ['a', b'x']), (2, None, None, [ListSub()]),
                 (2, None, None, [{'a': DictSub()}]), (2, None, None, [object()]),
                 (12, None, None, ['a']), (-1, None, None, ['a']), ('2', None, None, ['a']),
                 (2, b'/x', None, ['a'])]:
        assert encode(*args, plain) is None, args
    deep: Any = []
    for _ in range(100000):
        deep = [deep]
    assert encode(2, None, None, deep, plain) is None
    circular: Any = {}
    circular['a'] = [circular]
    assert encode(2, None, None, ['a', circular], plain) is None
    with pytest.raises(ValueError, match='Circular reference'):
        Packet(packet.EVENT, data=['a', circular]).encode()
    with pytest.raises(TypeError):
        encode(2, None, None, ['a'], lambda data, indent: 'not a list')


@pytest.mark.skipif(packet._c_encode_text is None, reason='C speedups not built')
def test_c_encode_does_not_leak():
    encode, plain = packet._c_encode_text, packet._c_plain
    cases = [(2, None, None, ['a', {'b': [1, 2.5, None]}]), (3, '/chat', 12, [('x', 'y')]),
             (3, '/', 7, ['z']), (2, None, None, ['a', b'x']), (2, None, None, [object()]),
             (2, '/n', None, [float('nan')])]

    def run() -> None:
        for _ in range(2000):
            for case in cases:
                try:
                    encode(*case, plain)
                except TypeError:
                    pass

    grown = memory_growth(run)
    assert grown < 20000, grown  # a leak would be tens of thousands of objects


@pytest.mark.skipif(packet._c_decode is None, reason='C speedups not built')
def test_c_decode_leaves_long_digit_runs_to_python():
    decode, scan = packet._c_decode, packet._scan_once
    long = '2["a",' + '1' * 101 + ']'
    assert decode(long, 1000, 128, scan, 100) is None  # maybe too long: Python decides
    assert decode(long, 1000, 128, scan, 0)[4] == ['a', int('1' * 101)]
    assert decode('2["a",' + '1' * 100 + ']', 1000, 128, scan, 100)[4][1] == int('1' * 100)
    run = packet._speedups.digit_run
    assert run('x' + '7' * 101, 0, 100) and not run('x' + '7' * 100, 0, 100)
    assert not run('7' * 101, 1, 100) and run('a1' + '2' * 100, 1, 100)
    with pytest.raises(ValueError):
        run('abc', 5, 100)
    with pytest.raises(TypeError):
        run(b'abc', 0, 100)


def test_long_integers_with_and_without_the_c_module(monkeypatch):
    text = '2["a",' + '1' * 101 + ']'
    for digit_run in (packet._digit_run, packet._py_digit_run):
        monkeypatch.setattr(packet, '_digit_run', digit_run)
        monkeypatch.setattr(packet, '_c_decode', None)
        with pytest.raises(ValueError, match='Integer is too large'):
            Packet(encoded_packet=text)
        assert Packet(encoded_packet='2["' + '1' * 101 + '"]').data == ['1' * 101]
