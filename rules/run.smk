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
        spec=run_cases_spec,
    shell:
        "python3 -m zkprof.jobs run-cases {params.spec:q} {log:q}"
