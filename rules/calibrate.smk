# The calibration guest proved at each segment po2 -> this machine's proving time, memory and
# receipt size per po2 (zkprof.calibrate), from which every prediction is made.


rule calibrate:
    output:
        RESULTS / "calibration.json",
    log:
        RESULTS / "logs" / "calibrate.log",
    conda:
        "../envs/zkprof.yaml"
    # Every core: timings taken while other jobs share the machine would predict too little.
    threads: workflow.cores
    params:
        po2="{}..{}".format(*config["calibration_po2"]),
        repeats=config["calibration_repeats"],
    shell:
        "python3 -m zkprof calibrate --po2 {params.po2} --repeats {params.repeats} "
        "--threads {threads} --out {output} > {log} 2>&1"
