"""An original python-socketio release as a black-box peer.

It is installed from the package index into a throw-away virtual
environment of its own (``.venv-original-<version>`` in the repository,
ignored by git) and only ever runs as a separate process: its code is never
imported by the tests nor read by anyone.
"""
from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import in_ci
from support import ROOT

VERSION = '5.18.1'


def original_python(version: str = VERSION) -> str:
    """The interpreter of a venv with python-socketio ``version``, redis and
    uvicorn; skips the test (fails it under CI) when it cannot be installed."""
    venv = ROOT / f'.venv-original-{version}'
    python = venv / 'bin' / 'python'
    stamp = venv / '.installed'
    if not (stamp.exists() and python.exists()):
        subprocess.run([sys.executable, '-m', 'venv', '--clear', str(venv)], check=True,
                       timeout=120)
        result = subprocess.run(
            [str(python), '-m', 'pip', 'install', '-q', '--disable-pip-version-check',
             f'python-socketio=={version}', 'redis', 'uvicorn', 'werkzeug',
             'simple-websocket'],
            capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            reason = f'cannot install python-socketio {version}: {result.stderr[-500:]}'
            if in_ci():
                pytest.fail(reason)
            pytest.skip(reason)
        stamp.write_text(version)
    return str(python)
