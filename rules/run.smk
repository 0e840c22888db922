# Witnesses + program -> one Parquet row per case (execute, or prove and verify), a batch per job.


rule run_cases:
    input:
        witnesses=witnesses_of_batch,
        program=RESULTS / "guests" / f"{GUEST}.bin",
    output:
        metrics=RESULTS / "{action}" / "batches" / "{batch}.parquet",
    log:
        RESULTS / "{action}" / "logs" / "batches" / "{batch}.log",
    conda:
        "../envs/zkprof.yaml"
    threads: job_threads
    resources:
        mem_mb=prove_mem_mb,
    params:
        case_ids=lambda wildcards: BATCHES[wildcards.action][wildcards.batch].case_ids,
        results_dir=RESULTS,
        segment_po2=config["segment_po2"],
        cycle_limit=config["cycle_limit"],
        receipt_kind=config["receipt_kind"],
        pprof=config["pprof"],
        plan=batch_plan,
    script:
        "../scripts/run_cases.py"
