# Snakemake adapter: one input file -> the witnesses of all its cases (see zkprof.witness).
from pathlib import Path

from zkprof.metrics import without_pandas
from zkprof.witness import write_file_witnesses

sm = snakemake  # noqa: F821 (provided by Snakemake)
without_pandas()
descriptions = write_file_witnesses(
    sm.params.source, Path(sm.input.source_file), Path(sm.output.witnesses)
)
Path(sm.log[0]).write_text("".join(f"{d['case_id']}: error={d['error']}\n" for d in descriptions))
