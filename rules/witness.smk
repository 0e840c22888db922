# Input file -> the guest input bytes, description and expected result of each of its cases.


rule witnesses:
    input:
        source_file=source_file_of,
    output:
        witnesses=RESULTS / "witnesses" / "{source_key}.parquet",
    log:
        RESULTS / "logs" / "witnesses" / "{source_key}.log",
    conda:
        "../envs/zkprof.yaml"
    params:
        source=SOURCE,
    script:
        "../scripts/witness.py"
