# Per-case Parquet -> one dataset for the run, the machine's description and a summary table.


rule input_errors:
    output:
        RESULTS / "{action}" / "input_errors.parquet",
    log:
        RESULTS / "logs" / "input_errors_{action}.log",
    conda:
        "../envs/zkprof.yaml"
    params:
        errors=[str(e) for e in INDEX.errors],
        sources=[e.source for e in INDEX.errors],
    script:
        "../scripts/input_errors.py"


rule aggregate:
    input:
        cases=lambda wildcards: case_metrics(wildcards.action),
        errors=RESULTS / "{action}" / "input_errors.parquet",
        calibration=calibration_inputs,
    output:
        metrics=RESULTS / "{action}" / "metrics.parquet",
        hardware=RESULTS / "{action}" / "hardware.json",
        summary=RESULTS / "{action}" / "summary.md",
    log:
        RESULTS / "logs" / "aggregate_{action}.log",
    conda:
        "../envs/zkprof.yaml"
    script:
        "../scripts/aggregate.py"


rule report:
    input:
        metrics=RESULTS / "{action}" / "metrics.parquet",
        prev=lambda wildcards: (
            [config["report_prev"]] if config.get("report_prev") else []
        ),
    output:
        markdown=report(
            RESULTS / "{action}" / "report" / "report.md",
            caption="../report/report_md.rst",
            category="{action}",
        ),
        bencher=RESULTS / "{action}" / "report" / "bencher.json",
        summary=RESULTS / "{action}" / "report" / "summary.md",
        regions=report(
            RESULTS / "{action}" / "report" / "cycle_regions.png",
            caption="../report/cycle_regions.rst",
            category="{action}",
        ),
        cycles_per_gas=report(
            RESULTS / "{action}" / "report" / "cycles_per_gas.png",
            caption="../report/cycles_per_gas.rst",
            category="{action}",
        ),
        cycles=report(
            RESULTS / "{action}" / "report" / "cycles_per_case.png",
            caption="../report/cycles_per_case.rst",
            category="{action}",
        ),
        time=report(
            RESULTS / "{action}" / "report" / "time_vs_cycles.png",
            caption="../report/time_vs_cycles.rst",
            category="{action}",
        ),
        changes=report(
            RESULTS / "{action}" / "report" / "changes.png",
            caption="../report/changes.rst",
            category="{action}",
        ),
        predictions=report(
            RESULTS / "{action}" / "report" / "predicted_vs_measured.png",
            caption="../report/predicted_vs_measured.rst",
            category="{action}",
        ),
        # One SVG per group with `pprof: true`; empty otherwise.
        flame_graphs=report(
            directory(RESULTS / "{action}" / "report" / "flame_graphs"),
            patterns=["{group}.svg"],
            caption="../report/flame_graph.rst",
            category="{action}",
        ),
    log:
        RESULTS / "logs" / "report_{action}.log",
    conda:
        "../envs/zkprof.yaml"
    params:
        noise_pct=config["report_noise_pct"],
        provers=config["report_provers"],
        link=config["benchmark_results_link"],
    script:
        "../scripts/report.py"


# For CI: fails when a metric regressed by at least fail_on_regression_pct against report_prev.
# A rule of its own, so that the report it judges is kept when it fails.
rule regression_gate:
    input:
        metrics=RESULTS / "{action}" / "metrics.parquet",
        prev=config["report_prev"] or [],
        report=RESULTS / "{action}" / "report" / "report.md",
    output:
        RESULTS / "{action}" / "report" / "no_regression.txt",
    log:
        RESULTS / "logs" / "regression_gate_{action}.log",
    conda:
        "../envs/zkprof.yaml"
    params:
        noise_pct=config["report_noise_pct"],
        threshold_pct=config["fail_on_regression_pct"],
    script:
        "../scripts/regression_gate.py"


# action=estimate: an execute run's predictions -> what proving the suite would cost.
rule estimate:
    input:
        metrics=RESULTS / "execute" / "metrics.parquet",
        calibration=calibration_inputs,
    output:
        markdown=RESULTS / "estimate" / "estimate.md",
        json=RESULTS / "estimate" / "estimate.json",
    log:
        RESULTS / "logs" / "estimate.log",
    conda:
        "../envs/zkprof.yaml"
    params:
        provers=config["report_provers"],
    script:
        "../scripts/estimate.py"
