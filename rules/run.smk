# Witness + program -> one Parquet row per case (execute, or prove and verify).


rule run_case:
    input:
        witness=RESULTS / "witnesses" / "{case_id}.bin",
        case=RESULTS / "witnesses" / "{case_id}.json",
        program=RESULTS / "guests" / f"{GUEST}.bin",
    output:
        metrics=RESULTS / "{action}" / "cases" / "{case_id}.parquet",
    log:
        RESULTS / "{action}" / "logs" / "{case_id}.log",
    conda:
        "../envs/zkprof.yaml"
    threads: job_threads
    resources:
        mem_mb=prove_mem_mb,
    params:
        results_dir=RESULTS,
        segment_po2=config["segment_po2"],
        cycle_limit=config["cycle_limit"],
        receipt_kind=config["receipt_kind"],
        pprof=config["pprof"],
    script:
        "../scripts/run_case.py"
