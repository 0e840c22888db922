# Case -> guest input bytes plus the case's description and expected result.


rule witness:
    input:
        fixture=fixture_of,
    output:
        witness=RESULTS / "witnesses" / "{case_id}.bin",
        case=RESULTS / "witnesses" / "{case_id}.json",
    log:
        RESULTS / "logs" / "witness" / "{case_id}.log",
    params:
        tests_dir=TESTS_DIR,
    script:
        "../scripts/witness.py"
