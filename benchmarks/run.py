"""Run every benchmark, print a table and write the results as JSON.

Usage::

    python benchmarks/run.py [--quick] [--json results.json] [--only NAME ...]

``--quick`` (a smoke run, under two minutes) uses fewer repeats and shorter
end-to-end runs. See ``benchmarks/README.md`` for what each benchmark does.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
from typing import Any, Dict, List

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

#: benchmark name -> module in the benchmarks package
BENCHMARKS = {
    'codec': 'benchmarks.bench_codec',
    'broadcast': 'benchmarks.bench_broadcast',
    'memory': 'benchmarks.bench_memory',
    'import': 'benchmarks.bench_import',
    'e2e': 'benchmarks.bench_e2e',
}


def machine() -> Dict[str, Any]:
    """What the figures were measured on."""
    from importlib.metadata import version
    cpu = None
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    return {'cpus': os.cpu_count(), 'cpu_model': cpu or platform.processor(),
            'python': platform.python_version(),
            'python_engineio': version('python-engineio'),
            'platform': platform.platform()}


def _fmt(value: Any) -> str:
    if value is None:
        return '-'
    if isinstance(value, float):
        return f'{value:,.2f}' if abs(value) < 1000 else f'{value:,.0f}'
    return str(value)


def table(rows: List[Dict[str, Any]]) -> str:
    """Format result rows as a text table."""
    head = ('benchmark', 'ours', 'unit', 'baseline', 'ratio', 'target', 'holds')
    lines = [head]
    for row in rows:
        holds = {True: 'yes', False: 'NO', None: ''}[row.get('holds')]
        ratio = row.get('ratio')
        lines.append((f"{row['group']}: {row['name']}", _fmt(row['value']), row['unit'],
                      _fmt(row.get('baseline')), '-' if ratio is None else f'{ratio:.2f}x',
                      row.get('target') or '', holds))
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = []
    for n, line in enumerate(lines):
        cells = enumerate(zip(line, widths, strict=False))
        out.append('  '.join(cell.rjust(w) if 0 < i < 5 else cell.ljust(w)
                             for i, (cell, w) in cells).rstrip())
        if n == 0:
            out.append('-' * len(out[0]))
    return '\n'.join(out)


def main(argv: List[str] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--quick', action='store_true', help='short smoke run (< 2 minutes)')
    parser.add_argument('--json', metavar='FILE', help='write the results to FILE')
    parser.add_argument('--only', nargs='+', choices=list(BENCHMARKS), metavar='NAME',
                        help=f'run only these benchmarks ({", ".join(BENCHMARKS)})')
    args = parser.parse_args(argv)
    results: Dict[str, Any] = {'quick': args.quick, 'machine': machine(), 'benchmarks': {}}
    rows: List[Dict[str, Any]] = []
    failed = False
    for name in args.only or BENCHMARKS:
        started = time.monotonic()
        print(f'running {name} ...', file=sys.stderr, flush=True)
        try:
            bench_rows = importlib.import_module(BENCHMARKS[name]).run(quick=args.quick)
            entry: Dict[str, Any] = {'rows': bench_rows}
        except Exception as exc:  # report, keep going, exit non-zero
            failed = True
            bench_rows = []
            entry = {'error': f'{type(exc).__name__}: {exc}'}
            print(f'{name} failed: {entry["error"]}', file=sys.stderr)
        entry['seconds'] = round(time.monotonic() - started, 1)
        results['benchmarks'][name] = entry
        rows.extend(bench_rows)
    print(table(rows))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=2)
            f.write('\n')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
