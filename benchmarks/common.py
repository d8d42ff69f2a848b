"""Timing helpers shared by the in-process benchmarks.

The machine is small and noisy, so every figure is the median of several
repeats, and the contenders of one comparison are timed in alternation
within each repeat (their ratio is the median of the per-repeat ratios).
"""
from __future__ import annotations

import gc
import statistics
import time
from typing import Callable, List, Tuple


def _loop(fn: Callable[[], object], number: int) -> float:
    """Seconds taken by ``number`` calls of ``fn``."""
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return time.perf_counter() - start


def _null() -> None:
    return None


def calibrate(fn: Callable[[], object], target: float = 0.05) -> int:
    """Return how many calls of ``fn`` take roughly ``target`` seconds."""
    number = 1
    while True:
        elapsed = _loop(fn, number)
        if elapsed >= target / 4 or number >= 1 << 24:
            return max(1, int(number * target / max(elapsed, 1e-9)))
        number *= 4


def paired_ratio(ours: Callable[[], object], base: Callable[[], object], repeats: int,
                 target: float = 0.05) -> Tuple[float, float, float]:
    """Time ``ours`` against ``base`` in alternation.

    Returns ``(ours_seconds, base_seconds, ratio)``: medians of the repeats,
    the ratio being the median of the per-repeat ratios (robust to noise
    that hits both contenders of one repeat).
    """
    n_ours, n_base = calibrate(ours, target), calibrate(base, target)
    t_ours: List[float] = []
    t_base: List[float] = []
    ratios: List[float] = []
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for i in range(repeats):
            pair = []
            # alternate which one goes first
            order = ((ours, n_ours), (base, n_base)) if i % 2 == 0 else \
                ((base, n_base), (ours, n_ours))
            for fn, number in order:
                overhead = _loop(_null, number)
                pair.append(max(_loop(fn, number) - overhead, 1e-12) / number)
            if i % 2:
                pair.reverse()
            t_ours.append(pair[0])
            t_base.append(pair[1])
            ratios.append(pair[0] / pair[1])
            gc.collect()
    finally:
        if gc_was_enabled:
            gc.enable()
    return statistics.median(t_ours), statistics.median(t_base), statistics.median(ratios)
