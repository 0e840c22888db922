# Case -> guest input bytes plus the case's description and expected result.


rule witness:
    input:
        source_file=source_file_of,
    output:
        witness=RESULTS / "witnesses" / "{case_id}.bin",
        case=RESULTS / "witnesses" / "{case_id}.json",
    log:
        RESULTS / "logs" / "witness" / "{case_id}.log",
    conda:
        "../envs/zkprof.yaml"
    params:
        source=SOURCE,
    script:
        "../scripts/witness.py"
