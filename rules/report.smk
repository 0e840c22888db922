# Per-case Parquet -> one dataset for the run, the machine's description and a summary table.


rule input_errors:
    output:
        RESULTS / "{action}" / "input_errors.parquet",
    params:
        errors=[str(e) for e in INDEX.errors],
        sources=[e.source for e in INDEX.errors],
    script:
        "../scripts/input_errors.py"


rule aggregate:
    input:
        cases=lambda wildcards: case_metrics(wildcards.action),
        errors=RESULTS / "{action}" / "input_errors.parquet",
    output:
        metrics=RESULTS / "{action}" / "metrics.parquet",
        hardware=RESULTS / "{action}" / "hardware.json",
        summary=RESULTS / "{action}" / "summary.md",
    log:
        RESULTS / "logs" / "aggregate_{action}.log",
    script:
        "../scripts/aggregate.py"
