# Snakemake adapter: input files that could not be read become failed rows, so they are reported.
from pathlib import Path

from zkprof.aggregate import input_error_rows
from zkprof.metrics import write_rows

sm = snakemake  # noqa: F821 (provided by Snakemake)
write_rows(
    input_error_rows(sm.params.errors, sm.params.sources, sm.wildcards.action), Path(sm.output[0])
)
Path(sm.log[0]).write_text(f"{len(sm.params.errors)} input errors\n")
