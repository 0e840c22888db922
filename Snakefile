# zkprof: Ethereum state tests -> witnesses -> zkVM execute/prove -> Parquet metrics -> reports.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


# `snakemake --report report.html`: this description, then each plot with its caption (report/).
report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/guest.smk"
include: "rules/witness.smk"
include: "rules/run.smk"
include: "rules/calibrate.smk"
include: "rules/report.smk"


# Small bookkeeping jobs run where Snakemake runs, not as cluster jobs.
localrules:
    all,
    input_errors,
    aggregate,
    report,
    regression_gate,
    estimate,


rule all:
    default_target: True
    input:
        all_outputs(),


onsuccess:
    print(results_note())
