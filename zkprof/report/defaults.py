"""Report defaults, in a module with no imports, so the command line can show them cheaply."""

DEFAULT_NOISE_PCT = 2.0  # changes under this are not flagged (zkprof runs)
# Below openvm-prof's display threshold (0.1%) nothing shows, so its colours mean "changed at all":
# the default noise threshold for its files.
OPENVM_NOISE_PCT = 0.1
DEFAULT_TOP_CASES = 20  # per-case rows per group in the detailed tables
DEFAULT_DEVICES = 16  # openvm-prof's defaults: 16 devices x 2 proofs each = 32 provers
DEFAULT_PROOFS_PER_DEVICE = 2
DEFAULT_PROVERS = DEFAULT_DEVICES * DEFAULT_PROOFS_PER_DEVICE
