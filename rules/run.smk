# Witness + program -> one Parquet row per case (execute, or prove and verify).


def prove_mem_mb(wildcards):
    # Proving memory grows about 2x per +1 po2 (measured: 0.6 GB at po2 16); executing is small.
    if wildcards.action != "prove":
        return 512
    return max(
        512, int(config["prove_mem_mb_base"] * 2 ** (config["segment_po2"] - 16))
    )


def job_threads(wildcards):
    # risc0's executor is single-threaded; its prover uses every thread it is given.
    if wildcards.action == "execute":
        return 1
    return config["prove_threads"] or workflow.cores


rule run_case:
    input:
        witness=RESULTS / "witnesses" / "{case_id}.bin",
        case=RESULTS / "witnesses" / "{case_id}.json",
        program=RESULTS / "guests" / f"{GUEST}.bin",
    output:
        metrics=RESULTS / "{action}" / "cases" / "{case_id}.parquet",
    log:
        RESULTS / "{action}" / "logs" / "{case_id}.log",
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
