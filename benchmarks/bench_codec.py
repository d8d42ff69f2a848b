"""Codec benchmark: Socket.IO packet encode/decode against bare JSON.

Three payloads: a small text event, a ~10 KB JSON event and a binary event
with two attachments. "Encode" builds the ``Packet`` and encodes it (what an
emit does); "decode" builds a ``Packet`` from the wire text (and adds the
attachments of the binary event), which is what a server does on receipt.
The baseline is ``json.dumps`` / ``json.loads`` of the same payload (for the
binary event: of the JSON text that goes on the wire, placeholders
included, since ``json`` cannot carry bytes).
"""
from __future__ import annotations

import json
from typing import Any, Dict, List

from socketio import packet

from .common import paired_ratio

TARGET = 1.3


def payloads() -> Dict[str, List[Any]]:
    """The event payloads (event name first) used by the benchmark."""
    big = {'items': [{'id': i, 'name': f'item {i}', 'price': i * 1.25,
                      'tags': ['a', 'b'], 'active': i % 3 == 0} for i in range(125)]}
    return {
        'small text event': ['chat', {'user': 'ana', 'text': 'hello there'}],
        '10 KB JSON event': ['update', big],
        'binary event, 2 attachments': ['upload', {'name': 'photo.png',
                                                   'head': b'\x89PNG' * 64},
                                        b'\x00\x01' * 512],
    }


def _row(name: str, ours: float, base: float, ratio: float, base_name: str) -> Dict[str, Any]:
    return {'group': 'codec', 'name': name, 'value': ours * 1e6, 'unit': 'us/op',
            'baseline': base * 1e6, 'baseline_name': base_name, 'ratio': ratio,
            'target': f'<= {TARGET}x', 'holds': ratio <= TARGET}


def run(quick: bool = False) -> List[Dict[str, Any]]:
    """Run the codec benchmark and return its result rows."""
    repeats = 7 if quick else 21
    target = 0.02 if quick else 0.05
    rows = []
    Packet = packet.Packet
    for label, data in payloads().items():
        wire = Packet(packet.EVENT, data=data, namespace='/').encode()
        if isinstance(wire, list):
            header, attachments = wire[0], wire[1:]
            json_text = header[header.index('['):]
            json_data = json.loads(json_text)  # the placeholder form

            def decode(header=header, attachments=attachments):
                pkt = Packet(encoded_packet=header)
                for attachment in attachments:
                    pkt.add_attachment(attachment)
                return pkt
        else:
            json_text = json.dumps(data)
            json_data = data

            def decode(wire=wire):
                return Packet(encoded_packet=wire)

        def encode(data=data):
            return Packet(packet.EVENT, data=data, namespace='/').encode()

        assert decode().data == data, label
        ours, base, ratio = paired_ratio(encode, lambda d=json_data: json.dumps(d),
                                         repeats, target)
        rows.append(_row(f'encode {label}', ours, base, ratio, 'json.dumps'))
        ours, base, ratio = paired_ratio(decode, lambda t=json_text: json.loads(t),
                                         repeats, target)
        rows.append(_row(f'decode {label}', ours, base, ratio, 'json.loads'))
    return rows
