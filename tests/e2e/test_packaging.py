"""The package installed without its ``.py`` sources (byte-code only, as
PyInstaller and some container builds ship it) or zipped behaves as from
source: the same coroutine functions, the same code paths, a working
client-server round trip, tracebacks naming the methods that ran."""
from __future__ import annotations

import compileall
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from support import ROOT

pytestmark = pytest.mark.e2e

SCRIPT = r'''
import asyncio, inspect, logging, sys
import socketio
from socketio import packet

import socketio.async_server, socketio.server
for module in (socketio, socketio.server, socketio.async_server, packet):
    assert module.__file__.startswith(sys.argv[1]) and module.__file__.endswith('.pyc'), \
        module.__file__
assert inspect.iscoroutinefunction(socketio.AsyncServer.emit)
assert inspect.iscoroutinefunction(socketio.AsyncClient.call)
assert not inspect.iscoroutinefunction(socketio.Server.emit)
print('speedups', packet.SPEEDUPS)

records = []
logging.getLogger('socketio.server').addHandler(
    type('H', (logging.Handler,), {'emit': lambda self, r: records.append(r)})())

async def main():
    sio = socketio.AsyncServer(async_mode='aiohttp')
    from aiohttp import web
    app = web.Application()
    sio.attach(app)

    @sio.event
    async def echo(sid, data):
        return data

    @sio.event
    async def boom(sid):
        raise RuntimeError('kaboom')

    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, '127.0.0.1', 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(f'http://127.0.0.1:{port}', wait_timeout=5)
    assert await client.call('echo', {'x': [1, b'\x00']}, timeout=5) == {'x': [1, b'\x00']}
    await client.emit('boom')
    for _ in range(500):
        if records:
            break
        await asyncio.sleep(0.01)
    await client.disconnect()
    await runner.cleanup()

asyncio.run(main())
(record,) = [r for r in records if 'handler error' in r.getMessage()]
import traceback
frames = [f.name for f in traceback.extract_tb(record.exc_info[2])]
assert '_handle_event_internal' in frames and 'boom' in frames, frames
print('ok')
'''


def bytecode_only_copy(dest: Path) -> Path:
    """Copy the package (with its built C module) and keep only byte code."""
    package = dest / 'socketio'
    shutil.copytree(ROOT / 'socketio', package,
                    ignore=shutil.ignore_patterns('__pycache__', '*.pyi', '*.c'))
    assert compileall.compile_dir(str(package), legacy=True, quiet=1)
    for source in package.glob('*.py'):
        source.unlink()
    return package


def run(pythonpath: Path) -> str:
    """Run SCRIPT with the package from ``pythonpath`` only: no site
    processing (the test environment's editable install would add the
    source tree), the other packages from site-packages."""
    site_packages = sysconfig.get_paths()['purelib']
    result = subprocess.run([sys.executable, '-S', '-c', SCRIPT, str(pythonpath)], cwd='/',
                            env={'PYTHONPATH': f'{pythonpath}:{site_packages}',
                                 'PATH': '/usr/bin:/bin'},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_bytecode_only_install(tmp_path):
    package = bytecode_only_copy(tmp_path)
    assert not list(package.glob('*.py')) and list(package.glob('*.pyc'))
    out = run(tmp_path)
    assert out.splitlines()[-1] == 'ok'
    from socketio import packet
    assert f'speedups {packet.SPEEDUPS}' in out  # the same codec as from source


def test_zipped_install(tmp_path):
    package = bytecode_only_copy(tmp_path / 'build')
    archive = tmp_path / 'socketio.zip'
    with zipfile.ZipFile(archive, 'w') as zf:
        for path in package.iterdir():
            zf.write(path, 'socketio/' + path.name)
    out = run(archive)
    assert out.splitlines()[-1] == 'ok'
    assert 'speedups False' in out  # a C module cannot load from a zip file
