"""In-process broadcast benchmark.

A :class:`socketio.Server` gets 1,000 clients through its Engine.IO entry
points (``_handle_eio_connect`` then a CONNECT packet through
``_handle_eio_message``); Engine.IO's ``send`` and ``send_packet`` are
replaced by counters, so what is timed is our layer only. The server emits
a small event to everyone and to a room of 100. The baseline is the least
any implementation must do: call the same ``send_packet`` once per
recipient with a packet encoded beforehand. Per-recipient cost is the time
of one emit divided by the number of recipients.
"""
from __future__ import annotations

from typing import Any, Dict, List

from engineio import packet as eio_packet

import socketio

from .common import paired_ratio

TARGET = 1.2
CLIENTS = 1000
ROOM_SIZE = 100


class CountingEngineIO:
    """Stands in for Engine.IO's send functions: counts, sends nothing."""

    def __init__(self) -> None:
        self.sent = 0

    def send(self, eio_sid: str, data: Any) -> None:
        self.sent += 1

    def send_packet(self, eio_sid: str, pkt: Any) -> None:
        self.sent += 1


def connected_server(clients: int = CLIENTS, room_size: int = ROOM_SIZE):
    """A Server with ``clients`` clients connected, all of them in the room
    ``'all'`` and the first ``room_size`` in the room ``'room'``."""
    sio = socketio.Server(async_mode='threading')
    counter = CountingEngineIO()
    sio.eio.send = counter.send
    sio.eio.send_packet = counter.send_packet
    environ = {'REQUEST_METHOD': 'GET', 'PATH_INFO': '/socket.io/'}
    eio_sids = []
    for i in range(clients):
        eio_sid = f'eio{i:06d}'
        eio_sids.append(eio_sid)
        sio._handle_eio_connect(eio_sid, environ)
        sio._handle_eio_message(eio_sid, '0')
    for n, eio_sid in enumerate(eio_sids):
        sid = sio.manager.sid_from_eio_sid(eio_sid, '/')
        sio.enter_room(sid, 'all')  # a room with every client
        if n < room_size:
            sio.enter_room(sid, 'room')
    assert counter.sent == clients  # one CONNECT reply each
    return sio, counter, eio_sids


def run(quick: bool = False) -> List[Dict[str, Any]]:
    """Run the broadcast benchmark and return its result rows."""
    repeats = 7 if quick else 21
    target = 0.02 if quick else 0.05
    sio, counter, eio_sids = connected_server()
    data = {'n': 1, 'text': 'tick'}
    encoded = socketio.packet.Packet(socketio.packet.EVENT, data=['tick', data]).encode()
    pkt = eio_packet.Packet(eio_packet.MESSAGE, data=encoded)
    rows = []
    totals = {}
    for label, room, recipients in (('everyone (1,000)', None, eio_sids),
                                    ('room of 100', 'room', eio_sids[:ROOM_SIZE]),
                                    ('room of 1,000', 'all', eio_sids)):
        def ours(room=room):
            sio.emit('tick', data, to=room)

        def base(recipients=recipients):
            send_packet = sio.eio.send_packet
            for eio_sid in recipients:
                send_packet(eio_sid, pkt)

        before = counter.sent
        ours()
        assert counter.sent - before == len(recipients), label
        t_ours, t_base, ratio = paired_ratio(ours, base, repeats, target)
        n = len(recipients)
        totals[label] = (t_ours, t_base)
        with_target = room is None
        rows.append({'group': 'broadcast', 'name': f'emit to {label}, per recipient',
                     'value': t_ours / n * 1e9, 'unit': 'ns/recipient',
                     'baseline': t_base / n * 1e9,
                     'baseline_name': 'eio send_packet loop, pre-encoded',
                     'ratio': ratio, 'target': f'<= {TARGET}x' if with_target else None,
                     'holds': ratio <= TARGET if with_target else None})
    # what each extra recipient costs: the slope between the two room sizes
    # (same code path, so the one encode and the other per-emit costs cancel)
    (ours_big, base_big) = totals['room of 1,000']
    (ours_small, base_small) = totals['room of 100']
    extra = CLIENTS - ROOM_SIZE
    ratio = (ours_big - ours_small) / (base_big - base_small)
    rows.append({'group': 'broadcast', 'name': 'marginal cost of one more recipient',
                 'value': (ours_big - ours_small) / extra * 1e9, 'unit': 'ns/recipient',
                 'baseline': (base_big - base_small) / extra * 1e9,
                 'baseline_name': 'eio send_packet loop, pre-encoded',
                 'ratio': ratio, 'target': f'<= {TARGET}x', 'holds': ratio <= TARGET})
    return rows
