# Snakemake adapter: case -> witness (see zkprof.witness).
from pathlib import Path

from zkprof.witness import write_witness

sm = snakemake  # noqa: F821 (provided by Snakemake)
description = write_witness(
    sm.params.source,
    Path(sm.input.source_file),
    sm.wildcards.case_id,
    Path(sm.output.witness),
    Path(sm.output.case),
)
Path(sm.log[0]).write_text(f"{description['case_id']}: error={description['error']}\n")
