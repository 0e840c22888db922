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
        spec=lambda wildcards, input, output: json.dumps(
            {
                "tests_dir": config.get("tests_dir"),
                "inputs_dir": config.get("inputs_dir"),
                "source_file": input.source_file,
                "out": output.witnesses,
            }
        ),
    shell:
        "python3 -m zkprof.jobs witnesses {params.spec:q} {log:q}"
