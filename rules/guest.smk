# Guest crate -> R0BF program + image id. Every run job takes the program as input, so a new guest
# (different program bytes) re-runs every case; a rebuild with identical bytes re-runs none.


rule build_guest:
    input:
        guest_sources,
    output:
        program=RESULTS / "guests" / "{guest}.bin",
        meta=RESULTS / "guests" / "{guest}.json",
    log:
        RESULTS / "logs" / "guests" / "{guest}.log",
    conda:
        "../envs/zkprof.yaml"
    params:
        guest_dir=GUEST_DIR,
        out_dir=lambda wildcards, output: Path(output.program).parent,
    shell:
        "python3 -m zkprof guest build {params.guest_dir} --out {params.out_dir} > {log} 2>&1"
