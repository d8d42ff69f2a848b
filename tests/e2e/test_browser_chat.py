"""The demo chat in a real browser: headless Chromium driven by playwright-core.

``tests/js/browser_chat.js`` opens two pages, sets the nicknames alice and
bob, joins a room and chats both ways. Screenshots of both pages are saved in
the test's ``tmp_path`` (named in the failure message when it fails).
"""
from __future__ import annotations

import pytest
from conftest import free_port
from support import python_process, run_node

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_two_browser_pages_chat(chromium, node_modules, tmp_path):
    port = free_port()
    with python_process('examples/chat/app.py', '--port', str(port), port=port):
        result = run_node('browser_chat.js', f'http://127.0.0.1:{port}', str(tmp_path),
                          timeout=50)
    assert result['ok'] is True, result

    alice, bob = result['alice'], result['bob']
    for page, me in ((alice, 'alice'), (bob, 'bob')):
        assert page['status'] == 'online'
        assert page['nickname'] == me
        assert page['title'] == '# tea'
        assert page['users'] == ['alice', 'bob']
        assert {'name': 'tea', 'count': '2', 'active': True} in page['rooms']
        assert {'name': 'lobby', 'count': '0', 'active': False} in page['rooms']

    # Each page shows both messages in order; the sender's own one carries the
    # delivered tick, and markup typed by a user is shown as text.
    assert [(m['from'], m['text'], m['mine'], m['delivered'], m['tick'])
            for m in alice['messages']] == [
        ('alice', 'Hi Bob! <b>not bold</b>', True, True, '✓'),
        ('bob', 'Hello Alice ✓', False, False, None),
    ]
    assert [(m['from'], m['text'], m['mine'], m['delivered'], m['tick'])
            for m in bob['messages']] == [
        ('alice', 'Hi Bob! <b>not bold</b>', False, False, None),
        ('bob', 'Hello Alice ✓', True, True, '✓'),
    ]
    assert sorted(p.split('/')[-1] for p in result['screenshots']) == [
        'chat-alice.png', 'chat-bob.png']
