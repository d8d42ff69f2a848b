"""End-to-end tests of the demo chat (examples/chat/app.py) run as a process.

Two ``socketio.Client`` users join a room and chat both ways; their messages
are acknowledged. The ``--redis`` variant runs two demo processes on
different ports that share one chat through Redis on 127.0.0.1:6379.
"""
from __future__ import annotations

import threading
import time
import uuid
from typing import Any, Callable, List, Tuple

import pytest
from conftest import free_port, require_service
from support import python_process

import socketio

APP = 'examples/chat/app.py'
pytestmark = pytest.mark.e2e


class User:
    """A chat user: a ``socketio.Client`` that records what the server sends."""

    def __init__(self, url: str, nickname: str) -> None:
        self.events: List[Tuple[str, Any]] = []
        self.changed = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        for event in ('message', 'users', 'rooms'):
            self.client.on(event, self._recorder(event))
        self.client.connect(url, auth={'nickname': nickname}, wait_timeout=5)

    def _recorder(self, event: str) -> Callable[[Any], None]:
        def record(data: Any) -> None:
            with self.changed:
                self.events.append((event, data))
                self.changed.notify_all()
        return record

    def call(self, event: str, data: Any = None) -> Any:
        return self.client.call(event, data, timeout=10)

    def wait_for(self, event: str, check: Callable[[Any], bool], timeout: float = 10) -> Any:
        """Return the first ``event`` payload passing ``check``, waiting if needed."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for name, data in self.events:
                    if name == event and check(data):
                        return data
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f'no {event!r} matching the check; got {self.events}')
                self.changed.wait(left)

    def messages(self, room: str) -> List[Tuple[str, str]]:
        with self.changed:
            return [(d['from'], d['text']) for e, d in self.events
                    if e == 'message' and d['room'] == room]


def disconnect_all(*users: User) -> None:
    """Disconnect users in parallel (each WebSocket close may take a moment)."""
    threads = [threading.Thread(target=u.client.disconnect) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)


def chat_both_ways(alice: User, bob: User, room: str) -> None:
    """Alice and Bob exchange one message each; both get delivery acks."""
    ack = alice.call('message', {'room': room, 'text': 'hello bob', 'id': 'a1'})
    assert ack['ok'] is True and ack['id'] == 'a1' and isinstance(ack['time'], float)
    got = bob.wait_for('message', lambda m: m['id'] == 'a1')
    assert got['from'] == 'alice' and got['text'] == 'hello bob' and got['room'] == room
    assert got['time'] == ack['time']

    ack = bob.call('message', {'room': room, 'text': 'hi alice <3', 'id': 'b1'})
    assert ack == {'ok': True, 'id': 'b1', 'time': ack['time']}
    alice.wait_for('message', lambda m: m['id'] == 'b1')

    # The sender is not sent its own message back; each side saw one message.
    assert alice.messages(room) == [('bob', 'hi alice <3')]
    assert bob.messages(room) == [('alice', 'hello bob')]


def test_two_users_chat_in_a_room():
    port = free_port()
    with python_process(APP, '--port', str(port), port=port) as proc:
        url = f'http://127.0.0.1:{port}'
        alice = User(url, 'alice')
        bob = User(url, 'guest')
        try:
            assert bob.call('set_nickname', {'nickname': '  bob  '}) == {
                'ok': True, 'nickname': 'bob'}
            assert alice.call('hello')['nickname'] == 'alice'
            # Not in the room yet: the message is refused in the ack.
            refused = alice.call('message', {'room': 'tea', 'text': 'x', 'id': 'r'})
            assert refused['ok'] is False and refused['id'] == 'r'
            # Malformed requests are answered, not crashed on.
            assert alice.call('join', 'tea')['ok'] is False
            assert alice.call('join', {'room': ['tea']})['ok'] is False
            assert alice.call('leave', {'room': 'tea'})['ok'] is False
            assert alice.call('message', 'hello')['ok'] is False

            ack = alice.call('join', {'room': 'tea'})
            assert ack == {'ok': True, 'room': 'tea', 'users': ['alice']}
            ack = bob.call('join', {'room': 'tea'})
            assert ack == {'ok': True, 'room': 'tea', 'users': ['alice', 'bob']}
            # Alice is told who is online when Bob arrives, and everyone sees
            # the room list with its member count.
            alice.wait_for('users', lambda d: d == {'room': 'tea', 'users': ['alice', 'bob']})
            alice.wait_for('rooms', lambda d: {'name': 'tea', 'count': 2} in d)
            rooms = bob.call('list_rooms')
            assert {'name': 'tea', 'count': 2} in rooms and {'name': 'lobby', 'count': 0} in rooms

            chat_both_ways(alice, bob, 'tea')

            assert bob.call('leave', {'room': 'tea'})['users'] == ['alice']
            alice.wait_for('users', lambda d: d == {'room': 'tea', 'users': ['alice']})
        finally:
            disconnect_all(alice, bob)
        assert proc.poll() is None, 'the demo exited while clients disconnected'


def test_page_and_vendored_client_are_served():
    import urllib.request
    port = free_port()
    with python_process(APP, port=port, env={'PORT': str(port)}):  # PORT from the environment
        base = f'http://127.0.0.1:{port}'
        with urllib.request.urlopen(base + '/', timeout=10) as r:
            page = r.read().decode()
        assert '/static/vendor/socket.io.min.js' in page and '/static/app.js' in page
        with urllib.request.urlopen(base + '/static/vendor/socket.io.min.js', timeout=10) as r:
            assert b'Socket.IO v4.8.4' in r.read(200)
        with urllib.request.urlopen(base + '/static/app.js', timeout=10) as r:
            assert r.headers['Content-Type'].startswith(('application/javascript', 'text/javascript'))


@pytest.mark.broker
def test_two_processes_share_one_chat_through_redis():
    require_service('127.0.0.1', 6379, 'Redis')
    redis_url = 'redis://127.0.0.1:6379/0'
    room = 'room-' + uuid.uuid4().hex[:8]  # other runs may share this Redis
    port1, port2 = free_port(), free_port()
    with python_process(APP, '--port', str(port1), '--redis', redis_url, port=port1), \
            python_process(APP, '--port', str(port2), port=port2,
                           env={'SOCKETIO_REDIS': redis_url}):
        alice = User(f'http://127.0.0.1:{port1}', 'alice')
        bob = User(f'http://127.0.0.1:{port2}', 'bob')
        try:
            assert alice.call('join', {'room': room})['users'] == ['alice']
            # Who is online is shared: Bob, on the other process, sees Alice.
            assert bob.call('join', {'room': room})['users'] == ['alice', 'bob']
            # Alice hears of Bob through the message queue. A process may still
            # be subscribing to Redis just after start-up, so Bob re-announces
            # himself (joining again is harmless) until the news gets through.
            deadline = time.monotonic() + 15
            while True:
                try:
                    alice.wait_for('users', lambda d: d['users'] == ['alice', 'bob'], 0.5)
                    break
                except AssertionError:
                    if time.monotonic() > deadline:
                        raise
                    bob.call('join', {'room': room})
            chat_both_ways(alice, bob, room)
        finally:
            disconnect_all(alice, bob)
