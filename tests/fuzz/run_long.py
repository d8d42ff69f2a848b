#!/usr/bin/env python
"""The long fuzz run of the packet decoders and the server entry point.

    .venv/bin/python tests/fuzz/run_long.py                 # 100,000 inputs, best engine
    .venv/bin/python tests/fuzz/run_long.py --runs 1000000 --engine mutation --seed 7

Engines:

``atheris``
    Coverage-guided (libFuzzer through Google's atheris; ``pip install
    --only-binary=:all: atheris``, or the ``fuzz`` extra). An input is one
    target byte followed by the messages, separated by ``b'\\xfe\\xff'``.
    The fuzzer stops at the first failure and leaves a ``crash-*`` file;
    the failing input is also written to ``tests/fuzz/corpus/new/``.
``mutation``
    A seeded random mutation fuzzer over the seed corpus (``harness.py``);
    it needs nothing installed, keeps going after a failure and records each
    distinct one in ``tests/fuzz/corpus/new/``.

The default is atheris when it imports, else mutation. The rules checked are
those of ``harness.py``. The run ends with one JSON line: engine, inputs,
seconds, inputs/s, failures, peak RSS. Move a reviewed crasher from
``corpus/new/`` to ``corpus/`` to replay it in the test suite forever.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

HERE = Path(__file__).resolve().parent
SEPARATOR = b'\xfe\xff'
TARGET_NAMES = ['packet', 'msgpack', 'server', 'server-msgpack']


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def summary(engine: str, inputs: int, seconds: float, failures: List[str],
            **extra: Any) -> Dict[str, Any]:
    result = {'engine': engine, 'inputs': inputs, 'seconds': round(seconds, 1),
              'inputs_per_s': round(inputs / seconds) if seconds else None,
              'failures': len(failures), 'failure_messages': failures[:20],
              'peak_rss_mb': round(peak_rss_mb(), 1), **extra}
    return result


# -- mutation engine ---------------------------------------------------------------------
def run_mutation(runs: int, seed: int) -> Dict[str, Any]:
    sys.path.insert(0, str(HERE))
    import harness

    rnd = random.Random(seed)
    failures: Dict[str, str] = {}
    slowest = 0.0
    start = time.perf_counter()
    for i in range(runs):
        target, messages = harness.random_case(rnd)
        try:
            slowest = max(slowest, harness.check(target, messages))
        except harness.FuzzFailure as exc:
            key = str(exc)[:120]
            if key not in failures:
                path = harness.save_crasher(target, messages, key, harness.CORPUS_DIR / 'new')
                failures[key] = str(path)
                print(f'FAILURE #{len(failures)} at input {i}: {key} -> {path}', flush=True)
        if i and i % 20000 == 0:
            rate = i / (time.perf_counter() - start)
            print(f'{i} inputs, {rate:.0f}/s, {len(failures)} failures', flush=True)
    # the corpus is replayed too, so a fixed crasher that regressed is reported
    for case in harness.load_corpus():
        try:
            harness.check(case['target'], case['messages'])
        except harness.FuzzFailure as exc:
            failures.setdefault(f'corpus {case["name"]}: {exc}'[:120], case['name'])
    return summary('mutation', runs, time.perf_counter() - start, list(failures),
                   seed=seed, slowest_input_s=round(slowest, 4))


# -- atheris engine -------------------------------------------------------------------------
def split_input(data: bytes):
    target = TARGET_NAMES[data[0] % len(TARGET_NAMES)] if data else 'packet'
    parts = data[1:].split(SEPARATOR)
    messages = []
    for n, part in enumerate(parts):
        if target in ('packet', 'server') and n == 0 or part[:1] == b'\xfd':
            part = part.lstrip(b'\xfd')
            try:
                messages.append(part.decode('utf-8'))
                continue
            except UnicodeDecodeError:
                pass
        messages.append(part)
    return target, messages


def write_seeds(directory: Path) -> None:
    sys.path.insert(0, str(HERE))
    import harness

    n = 0
    for text in harness.TEXT_SEEDS:
        for target in (0, 2):
            (directory / f'seed{n}').write_bytes(bytes([target]) + text.encode('utf-8'))
            n += 1
    for att in ('51-["a",{"_placeholder":true,"num":0}]',):
        (directory / f'seed{n}').write_bytes(b'\x00' + att.encode() + SEPARATOR + b'bin')
        n += 1
    for data in harness.MSGPACK_SEEDS:
        for target in (1, 3):
            (directory / f'seed{n}').write_bytes(bytes([target]) + data)
            n += 1


def atheris_child(runs: int, seed: int, corpus: str) -> None:
    import atheris

    with atheris.instrument_imports(include=['socketio', 'msgpack', 'json']):
        sys.path.insert(0, str(HERE))
        import harness

    def one_input(data: bytes) -> None:
        target, messages = split_input(data)
        try:
            harness.check(target, messages)
        except harness.FuzzFailure as exc:
            path = harness.save_crasher(target, messages, str(exc)[:200],
                                        harness.CORPUS_DIR / 'new')
            print(f'FAILURE: {exc} -> {path}', flush=True)
            raise

    atheris.Setup([sys.argv[0], f'-runs={runs}', f'-seed={seed}', '-timeout=10',
                   '-rss_limit_mb=4096', '-max_len=4096', '-print_final_stats=1', corpus],
                  one_input)
    atheris.Fuzz()


def run_atheris(runs: int, seed: int) -> Dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix='sio-fuzz-') as corpus:
        write_seeds(Path(corpus))
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, __file__, '--child', '--runs', str(runs),
                               '--seed', str(seed), '--corpus', corpus],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              cwd=tempfile.gettempdir())
        seconds = time.perf_counter() - start
    output = proc.stdout
    sys.stdout.write(output[-4000:])
    failures = [line for line in output.splitlines() if line.startswith('FAILURE')]
    if proc.returncode != 0 and not failures:
        failures = [f'fuzzer exited with {proc.returncode}']
    stats = {}
    for line in output.splitlines():
        if line.startswith('stat::'):
            key, _, value = line[6:].partition(':')
            stats[key.strip()] = value.strip()
    executed = int(stats.get('number_of_executed_units', 0))
    # peak RSS of the child, as libFuzzer measured it
    rss = stats.get('peak_rss_mb')
    result = summary('atheris', executed, seconds, failures, seed=seed,
                     exit_code=proc.returncode)
    if rss is not None:
        result['peak_rss_mb'] = float(rss)
    for line in output.splitlines():
        if line.startswith('#') and ' cov: ' in line:
            result['last_status'] = line.strip()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--runs', type=int, default=100_000)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--engine', choices=['auto', 'atheris', 'mutation'], default='auto')
    parser.add_argument('--child', action='store_true', help=argparse.SUPPRESS)
    parser.add_argument('--corpus', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        atheris_child(args.runs, args.seed, args.corpus)
        return 0
    engine = args.engine
    if engine == 'auto':
        try:
            import atheris  # noqa: F401
            engine = 'atheris'
        except ImportError:
            engine = 'mutation'
    os.environ.setdefault('PYTHONHASHSEED', '0')
    if engine == 'atheris':
        result = run_atheris(args.runs, args.seed)
    else:
        result = run_mutation(args.runs, args.seed)
    print(json.dumps(result))
    return 1 if result['failures'] else 0


if __name__ == '__main__':
    sys.exit(main())
