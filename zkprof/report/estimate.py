"""Proving-time estimates: how long a run's proofs take on one prover, on unboundedly many, on N.

A job is one case, lasting its measured `prove_ms` (execution + segment proving + compression:
zkprof proves a case's segments in one process, so a case is the unit a prover takes).

* sequential = the sum of the job durations;
* unbounded parallelism = the longest job (one prover per case);
* N provers = the makespan of this deterministic schedule: sort the jobs longest first, deal them
  out in rounds of N in "snake" order (round 0 to provers 0..N-1, round 1 to provers N-1..0, ...),
  and take the busiest prover's total. It is within one longest job of the ideal sum/N, and equal
  durations are interchangeable, so the result depends only on the multiset of durations.

The snake deal rather than exact greedy LPT keeps the estimate one vectorised pass over a million
cases. openvm-prof's own estimate (a plain round-robin in segment order) is `round_robin_makespan`.
"""

from __future__ import annotations

import numpy as np


def snake_provers(ranks: np.ndarray, provers: int) -> np.ndarray:
    """The prover of the job at each rank (0 = longest) under the snake deal."""
    rounds, seat = np.divmod(ranks, provers)
    return np.where(rounds % 2 == 0, seat, provers - 1 - seat)


def bounded_makespan(durations: np.ndarray, provers: int) -> float:
    """Makespan of the snake deal of `durations` over `provers` machines (NaNs ignored)."""
    jobs = np.sort(durations[np.isfinite(durations)])[::-1]
    if len(jobs) == 0:
        return 0.0
    loads = np.bincount(
        snake_provers(np.arange(len(jobs)), provers), weights=jobs, minlength=provers
    )
    return float(loads.max())


def grouped_estimates(
    durations: np.ndarray, codes: np.ndarray, n_groups: int, provers: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group: (sequential, unbounded, N-prover) estimates, each group on its own N provers."""
    order = np.argsort(codes, kind="stable")
    return sorted_grouped_estimates(durations[order], codes[order], n_groups, provers)


def sorted_grouped_estimates(
    durations: np.ndarray, codes: np.ndarray, n_groups: int, provers: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`grouped_estimates` of durations already ordered by group code."""
    sequential, unbounded, bounded = np.zeros(n_groups), np.zeros(n_groups), np.zeros(n_groups)
    bounds = np.searchsorted(codes, np.arange(n_groups + 1))
    for group in range(n_groups):
        jobs = durations[bounds[group] : bounds[group + 1]]
        jobs = jobs[np.isfinite(jobs)]
        if len(jobs):
            sequential[group] = jobs.sum()
            unbounded[group] = jobs.max()
            bounded[group] = bounded_makespan(jobs, provers)
    return sequential, unbounded, bounded


def round_robin_makespan(durations: list[float], slots: int) -> float:
    """openvm-prof's schedule: job i to slot i mod min(slots, jobs), in the given order."""
    if not durations or slots <= 0:
        return 0.0
    width = min(slots, len(durations))
    loads = [0.0] * width
    for i, duration in enumerate(durations):
        loads[i % width] += duration
    return max(loads)
