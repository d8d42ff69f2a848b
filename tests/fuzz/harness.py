"""What the fuzzers run: one hostile input against the packet decoders or a server.

Shared by the short run in the test suite (``test_fuzz_decoder.py``), the
corpus replay and the long run (``run_long.py``). Every check raises
:class:`FuzzFailure` when an input breaks a rule:

* the decoders (:class:`socketio.packet.Packet`, text or bytes, with binary
  attachments, and :class:`socketio.msgpack_packet.MsgPackPacket`) either
  decode or raise ``ValueError`` with a message; any other exception is a bug;
* a server fed the input as Engine.IO messages never lets an exception escape
  (bad input is logged and dropped);
* no input takes longer than :data:`MAX_SECONDS` to handle.

Corpus files (``corpus/*.json``) record inputs that once broke a rule:
``{"target": ..., "messages": [{"text": ...} | {"base64": ...}], "note": ...}``.
"""
from __future__ import annotations

import base64
import json
import logging
import random
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence, Union

import msgpack

import socketio
from socketio import packet
from socketio.msgpack_packet import MsgPackPacket
from socketio.packet import Packet

CORPUS_DIR = Path(__file__).resolve().parent / 'corpus'
#: Longest time any single input may take (generous: CI machines are slow).
MAX_SECONDS = 0.5

Message = Union[str, bytes]


class FuzzFailure(AssertionError):
    """An input broke one of the rules above."""


# -- targets ---------------------------------------------------------------------
def _touch(pkt: Packet) -> None:
    """Read everything a server reads from a decoded packet, and re-encode it."""
    pkt.packet_type, pkt.namespace, pkt.id, pkt.data  # noqa: B018
    repr(pkt)
    pkt.encode()


def decode_text(messages: Sequence[Message]) -> None:
    """Default serializer: the first message is the packet, the rest attachments."""
    pkt = Packet(encoded_packet=messages[0])
    for attachment in messages[1:]:
        if pkt.attachment_count <= len(pkt.attachments):
            break
        pkt.add_attachment(attachment)
    _touch(pkt)


def decode_msgpack(messages: Sequence[Message]) -> None:
    """MessagePack serializer: every message is a whole packet."""
    for message in messages:
        _touch(MsgPackPacket(encoded_packet=message))


class _Servers:
    """Servers fed with hostile messages through the Engine.IO entry point.

    ``async_handlers=False`` runs handlers inline so that nothing escapes into
    threads; the handlers echo, acknowledge and emit with callbacks so that
    acks from the fuzzer can match real ids.
    """

    def __init__(self) -> None:
        self.servers: Dict[str, socketio.Server] = {}

    def get(self, serializer: str) -> socketio.Server:
        server = self.servers.get(serializer)
        if server is None:
            server = socketio.Server(async_mode='threading', async_handlers=False,
                                     namespaces='*', serializer=serializer,
                                     logger=logging.getLogger('fuzz.socketio'))
            server.logger.setLevel(logging.CRITICAL)
            server.eio.logger.setLevel(logging.CRITICAL)

            def catch_all(event: str, namespace: str, sid: str, *args: Any) -> Any:
                server.emit('echo', args[:2], to=sid, namespace=namespace,
                            callback=lambda *a: None)
                return args[:1] if args else None

            server.on('*', catch_all, namespace='*')
            self.servers[serializer] = server
        return server


_servers = _Servers()
_session = [0]


def _feed_server(serializer: str, messages: Sequence[Message]) -> None:
    server = _servers.get(serializer)
    _session[0] += 1
    eio_sid = f'fuzz{_session[0]}'
    server._handle_eio_connect(eio_sid, {'REMOTE_ADDR': '127.0.0.1'})
    try:
        for message in messages:
            server._on_eio_message(eio_sid, message)
    finally:
        server._handle_eio_disconnect(eio_sid, server.reason.TRANSPORT_CLOSE)
    if server.environ or server._binary_packet or server.manager.rooms:
        raise FuzzFailure('server state left behind after the session ended')


def feed_server(messages: Sequence[Message]) -> None:
    """A standard server (JSON serializer) receives every message in order."""
    _feed_server('default', messages)


def feed_msgpack_server(messages: Sequence[Message]) -> None:
    """A standard server with the msgpack serializer receives every message."""
    _feed_server('msgpack', messages)


TARGETS: Dict[str, Callable[[Sequence[Message]], None]] = {
    'packet': decode_text,
    'msgpack': decode_msgpack,
    'server': feed_server,
    'server-msgpack': feed_msgpack_server,
}
#: Targets whose only allowed exception is ValueError (servers allow none).
DECODERS = ('packet', 'msgpack')


def check(target: str, messages: Sequence[Message]) -> float:
    """Run one input; return its duration; raise :class:`FuzzFailure` on a bug."""
    start = time.perf_counter()
    try:
        TARGETS[target](messages)
    except ValueError as exc:
        if target not in DECODERS:
            raise FuzzFailure(f'{target}: ValueError escaped: {exc!r}') from exc
        if not str(exc):
            raise FuzzFailure(f'{target}: ValueError without a message') from exc
    except FuzzFailure:
        raise
    except Exception as exc:
        raise FuzzFailure(f'{target}: {type(exc).__name__}: {exc}') from exc
    elapsed = time.perf_counter() - start
    if elapsed > MAX_SECONDS:
        raise FuzzFailure(f'{target}: took {elapsed:.3f}s (limit {MAX_SECONDS}s)')
    return elapsed


# -- corpus ------------------------------------------------------------------------
def encode_message(message: Message) -> Dict[str, str]:
    if isinstance(message, str):
        try:
            message.encode('utf-8')
            return {'text': message}
        except UnicodeEncodeError:  # lone surrogates: keep them exactly
            return {'text_escaped': message.encode('utf-8', 'surrogatepass').hex()}
    return {'base64': base64.b64encode(bytes(message)).decode('ascii')}


def decode_message(item: Dict[str, str]) -> Message:
    if 'text' in item:
        return item['text']
    if 'text_escaped' in item:
        return bytes.fromhex(item['text_escaped']).decode('utf-8', 'surrogatepass')
    return base64.b64decode(item['base64'])


def load_corpus() -> List[Dict[str, Any]]:
    """Return every recorded case, with its messages decoded."""
    cases = []
    for path in sorted(CORPUS_DIR.glob('*.json')):
        case = json.loads(path.read_text(encoding='utf-8'))
        case['name'] = path.stem
        case['messages'] = [decode_message(m) for m in case['messages']]
        cases.append(case)
    return cases


def save_crasher(target: str, messages: Sequence[Message], note: str,
                 directory: Path = CORPUS_DIR) -> Path:
    """Write a failing input as a corpus case and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    body = {'target': target, 'messages': [encode_message(m) for m in messages],
            'note': note}
    text = json.dumps(body, indent=1, ensure_ascii=False)
    name = f'{target}-{abs(hash(text)) % 10**10:010d}.json'
    path = directory / name
    path.write_text(text + '\n', encoding='utf-8')
    return path


# -- seeds and mutation (the long run's fallback engine) -----------------------------
TEXT_SEEDS = [
    '0', '0{}', '0/chat,{"token":"abc"}', '0/chat?x=1,{}', '1', '1/chat,',
    '2["message","hello"]', '2["ev",1,2.5,true,null,{"a":[1,{"b":"c"}]}]',
    '2/chat,7["ev","x"]', '21["ev"]', '3/chat,7["ok"]', '31[]', '31["a",{"b":1}]',
    '4{"message":"refused","data":{"x":1}}',
    '51-["bin",{"_placeholder":true,"num":0}]',
    '52-/chat,9["two",{"_placeholder":true,"num":0},[{"_placeholder":true,"num":1}]]',
    '61-/chat,4[{"_placeholder":true,"num":0}]',
    '2["deep",[[[[[[[[[[1]]]]]]]]]]]', '2["u","\\u00e9\\ud83d\\ude00"]',
]
ATTACHMENT_SEEDS = [b'', b'\x00\x01\x02', b'attachment', bytes(range(256))]
MSGPACK_SEEDS = [
    msgpack.packb(d) for d in [
        {'type': 0, 'nsp': '/', 'data': {'token': 'x'}},
        {'type': 0, 'nsp': '/chat'},
        {'type': 1, 'nsp': '/'},
        {'type': 2, 'nsp': '/', 'data': ['ev', 1, b'\x00\x01', {'a': [1.5, None]}]},
        {'type': 2, 'nsp': '/chat', 'data': ['ev'], 'id': 3},
        {'type': 3, 'nsp': '/', 'data': ['ok'], 'id': 1},
        {'type': 4, 'nsp': '/', 'data': {'message': 'no'}},
    ]]
JSON_TOKENS = ['[', ']', '{', '}', '"', ',', ':', '-', '/', '?', '\\', '0', '9', '1e999',
               'true', 'null', 'NaN', '"_placeholder":true', '"num":', '\x00', '\ud800',
               '[' * 200, '9' * 120, '{"a":' * 70]


def _mutate_text(rnd: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rnd.randint(1, 5)):
        op = rnd.randrange(5)
        pos = rnd.randint(0, len(chars))
        if op == 0:
            chars[pos:pos] = list(rnd.choice(JSON_TOKENS))
        elif op == 1 and chars:
            del chars[min(pos, len(chars) - 1):pos + rnd.randint(1, 4)]
        elif op == 2 and chars:
            chars[min(pos, len(chars) - 1)] = chr(rnd.choice([rnd.randrange(128),
                                                              rnd.randrange(0x110000)]))
        elif op == 3:
            chars[pos:pos] = list(rnd.choice(TEXT_SEEDS))
        else:
            chars = chars[:pos] if rnd.random() < 0.5 else chars[pos:]
    return ''.join(chars)


def _mutate_bytes(rnd: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rnd.randint(1, 5)):
        op = rnd.randrange(4)
        pos = rnd.randint(0, len(buf))
        if op == 0:
            buf[pos:pos] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 4)))
        elif op == 1 and buf:
            del buf[min(pos, len(buf) - 1)]
        elif op == 2 and buf:
            buf[min(pos, len(buf) - 1)] = rnd.choice([0xc0, 0xdc, 0xdd, 0xde, 0xdf, 0x91,
                                                      0x81, 0xd9, 0xc4, 0xd4, 0xff,
                                                      rnd.randrange(256)])
        else:
            buf[pos:pos] = rnd.choice(MSGPACK_SEEDS)
    return bytes(buf)


def random_case(rnd: random.Random) -> tuple:
    """Return ``(target, messages)``: a mutated seed for a random target."""
    target = rnd.choice(list(TARGETS))
    if target in ('packet', 'server'):
        messages: List[Message] = [_mutate_text(rnd, rnd.choice(TEXT_SEEDS))]
        if rnd.random() < 0.3:
            messages[0] = messages[0].encode('utf-8', 'surrogatepass')
        for _ in range(rnd.randrange(4)):
            if rnd.random() < 0.7:
                messages.append(_mutate_bytes(rnd, rnd.choice(ATTACHMENT_SEEDS)))
            else:
                messages.append(_mutate_text(rnd, rnd.choice(TEXT_SEEDS)))
        return target, messages
    messages = [_mutate_bytes(rnd, rnd.choice(MSGPACK_SEEDS))
                for _ in range(rnd.randint(1, 3))]
    if rnd.random() < 0.1:
        messages.append(_mutate_text(rnd, rnd.choice(TEXT_SEEDS)))
    return target, messages


__all__ = ['CORPUS_DIR', 'MAX_SECONDS', 'FuzzFailure', 'TARGETS', 'check', 'load_corpus',
           'save_crasher', 'random_case', 'TEXT_SEEDS', 'MSGPACK_SEEDS', 'packet']
