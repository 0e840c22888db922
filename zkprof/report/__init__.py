"""Reports of zkprof runs (and of openvm-prof metrics files): aggregation, comparison with a
previous run, markdown, Bencher JSON, a GitHub summary and plots.

Entry points: `zkprof.report.pipeline.write_reports` (the Snakemake rules) and
`zkprof.report.cli.add_report_parser` / `run_report` (`zkprof report`). Nothing is imported here,
so hooking the command line in costs no start-up time (matplotlib loads only to draw)."""
