"""The package never uses pickle (or a pickle-like loader) anywhere.

Unpickling data that came from a network peer or a message queue runs
arbitrary code, so the rule is absolute: message-queue payloads are JSON.
The scan works on the syntax tree of every module in ``socketio/``, so
comments and docstrings that merely mention pickle do not count, while
``import pickle``, ``from pickle import ...``, ``pickle.loads``,
``__import__('pickle')`` and ``importlib.import_module('pickle')`` all do.
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import List

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / 'socketio'
FORBIDDEN = {'pickle', 'cPickle', '_pickle', 'cloudpickle', 'dill', 'shelve', 'marshal',
             'jsonpickle'}
IMPORTERS = {'__import__', 'import_module'}


def pickle_uses(source: str, filename: str = '<source>') -> List[str]:
    """Return a description of every pickle use in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        where = f'{filename}:{getattr(node, "lineno", "?")}'
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split('.')[0] in FORBIDDEN:
                    found.append(f'{where}: import {alias.name}')
        elif isinstance(node, ast.ImportFrom):
            if (node.module or '').split('.')[0] in FORBIDDEN:
                found.append(f'{where}: from {node.module} import ...')
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN:
            found.append(f'{where}: name {node.id}')
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN:
            found.append(f'{where}: attribute .{node.attr}')
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else \
                func.attr if isinstance(func, ast.Attribute) else None
            if name in IMPORTERS and node.args and isinstance(node.args[0], ast.Constant) \
                    and str(node.args[0].value).split('.')[0] in FORBIDDEN:
                found.append(f'{where}: {name}({node.args[0].value!r})')
    return found


def package_files() -> List[Path]:
    files = sorted(PACKAGE.rglob('*.py'))
    assert len(files) > 10, f'expected the socketio package in {PACKAGE}'
    return files


def test_package_never_uses_pickle():
    found = []
    for path in package_files():
        found += pickle_uses(path.read_text(encoding='utf-8'),
                             str(path.relative_to(PACKAGE.parent)))
    assert found == [], 'pickle use in the package:\n' + '\n'.join(found)


@pytest.mark.parametrize('snippet', [
    'import pickle',
    'import pickle as p',
    'import cPickle',
    'from pickle import loads',
    'from _pickle import loads',
    'import marshal\nmarshal.loads(b"")',
    'x = pickle.loads(data)',
    'def f(m):\n    return m.pickle.dumps(1)',
    '__import__("pickle")',
    'importlib.import_module("pickle")',
    'import dill',
])
def test_scanner_catches(snippet):
    assert pickle_uses(snippet), snippet


@pytest.mark.parametrize('snippet', [
    '"""Payloads are JSON, never pickled."""',
    '# pickle is not used here',
    'import json\njson.loads("{}")',
    'pickled = False',
])
def test_scanner_ignores_mentions(snippet):
    assert pickle_uses(snippet) == []
