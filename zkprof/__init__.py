"""zkprof: profile zkVM workloads (Ethereum state tests and any RISC Zero guest) and report the cost.

Imports stay light here: the workflow starts a process per case, so heavy modules load on use.
"""

__version__ = "0.1.0"
