# zkprof: Ethereum state tests -> witnesses -> zkVM execute/prove -> Parquet metrics -> reports.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "rules/common.smk"
include: "rules/guest.smk"
include: "rules/witness.smk"
include: "rules/run.smk"
include: "rules/report.smk"


rule all:
    default_target: True
    input:
        all_outputs(),
