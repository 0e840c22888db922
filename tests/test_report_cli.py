"""`zkprof report`: both flag sets, clear errors instead of panics, the CI exit status, plots."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from tests.report_fixtures import native_rows, openvm_metrics, write_json
from zkprof.metrics import write_rows
from zkprof.report.cli import EXIT_REGRESSION, EXIT_USAGE, add_report_parser, main, run_report
from zkprof.report.plots import PLOT_FILES

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    write_rows(native_rows(), tmp_path / "prev" / "prove" / "metrics.parquet")
    write_rows(native_rows(1.1, 0.5), tmp_path / "cur" / "prove" / "metrics.parquet")
    write_rows(native_rows(action="execute"), tmp_path / "cur" / "execute" / "metrics.parquet")
    return tmp_path


def test_parser_hooks_into_a_zkprof_cli(runs: Path) -> None:
    parser = argparse.ArgumentParser(prog="zkprof")
    add_report_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(
        ["report", str(runs / "cur" / "prove"), "--out", str(runs / "o"), "--no-plots"]
    )
    assert args.func is run_report
    assert args.func(args) == 0
    assert (runs / "o" / "report.md").is_file()


def test_native_run_with_plots(runs: Path) -> None:
    out = runs / "out"
    assert main([str(runs / "cur" / "prove"), "--prev", str(runs / "prev"), "--out", str(out)]) == 0
    for name in PLOT_FILES:
        assert (out / name).read_bytes().startswith(PNG_MAGIC)


def test_fail_on_regression(runs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = [
        str(runs / "cur" / "prove"),
        "--prev",
        str(runs / "prev"),
        "--out",
        str(runs / "o"),
        "--no-plots",
    ]
    # cycles grew 10%: a regression over 5%, not over 20%
    assert main([*base, "--fail-on-regression", "5"]) == EXIT_REGRESSION
    assert "regressions of at least 5%" in capsys.readouterr().err
    assert main([*base, "--fail-on-regression", "20"]) == 0
    # with the noise threshold above the change, nothing is flagged
    assert main([*base, "--noise-pct", "15", "--fail-on-regression", "5"]) == 0


def test_several_runs(runs: Path) -> None:
    out = runs / "multi"
    code = main(
        [str(runs / "cur" / "prove"), str(runs / "cur" / "execute"), "--out", str(out), "--no-plots",
         "--benchmark-results-link", "https://example.org/b"]
    )  # fmt: skip
    assert code == 0
    summary = (out / "summary.md").read_text()
    assert "[prove](https://example.org/b/prove/report.md)" in summary
    assert "[execute](https://example.org/b/execute/report.md)" in summary
    assert set(json.loads((out / "bencher.json").read_text())) >= {
        "prove",
        "execute",
        "prove::arith",
    }


def test_native_errors(runs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(runs / "cur")]) == EXIT_USAGE  # two actions: which one?
    assert "holds runs for execute, prove" in capsys.readouterr().err
    two = [str(runs / "cur" / "prove"), str(runs / "prev" / "prove")]
    assert main([*two, "--out", str(runs / "x"), "--names", "a,a"]) == EXIT_USAGE
    assert "distinct --names" in capsys.readouterr().err
    assert main([*two, "--prev", str(runs / "prev"), "--out", str(runs / "x")]) == EXIT_USAGE
    assert main([]) == EXIT_USAGE


def test_openvm_argument_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write_json(openvm_metrics(), tmp_path / "a.json")
    b = write_json(openvm_metrics(), tmp_path / "b.json")
    both = f"{a},{b}"
    # openvm-prof panics on these; here they are errors that say what to do
    assert main(["--json-paths", both, "--prev-json-paths", str(a)]) == EXIT_USAGE
    assert "one previous path per metrics file" in capsys.readouterr().err
    assert main(["--json-paths", both, "--names", "x"]) == EXIT_USAGE
    assert "one name per metrics file" in capsys.readouterr().err
    assert main(["--json-paths", both]) == EXIT_USAGE  # both are named "fib" by their app group
    assert "name them with --names" in capsys.readouterr().err
    assert (
        main(["--json-paths", both, "--names", "x,y", "--output-json", str(tmp_path / "o.json")])
        == 0
    )
    assert set(json.loads((tmp_path / "o.json").read_text())) >= {"x", "y", "x::fib", "y::leaf"}
    assert main(["--json-paths", str(a), "summary"]) == EXIT_USAGE  # no --benchmark-results-link
    (tmp_path / "bad.json").write_text('{"gauge": [{"metric": "m", "labels": [], "value": "x1"}]}')
    assert main(["--json-paths", str(tmp_path / "bad.json")]) == EXIT_USAGE
    assert "value 'x1' is not a number" in capsys.readouterr().err


def test_openvm_summary_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = write_json(openvm_metrics(), tmp_path / "fib-1.json")
    code = main(["--json-paths", str(a), "--num-devices", "1", "--proofs-per-device", "1",
                 "summary", "--benchmark-results-link", "https://x"])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert out.startswith("| group | app.proof_time_ms |")
    assert "[fib](https://x/fib-1.md)" in out
    # one prover: leaf proofs 0.3 + 0.4 s run one after the other
    assert "| leaf |  0.70 |  0.40 |  0.70 |" in (tmp_path / "fib-1.md").read_text()


def test_openvm_regression_exit(tmp_path: Path) -> None:
    slow = write_json(openvm_metrics(proof_scale=1.5), tmp_path / "new" / "fib.json")
    fast = write_json(openvm_metrics(), tmp_path / "old" / "fib.json")
    args = ["--json-paths", str(slow), "--prev-json-paths", str(fast), "--fail-on-regression", "10"]
    assert main(args) == EXIT_REGRESSION
    text = slow.with_suffix(".md").read_text()
    assert (
        "<span style='color: red'>(+350 ms [+50.0%])</span> 1.05 s" in text
    )  # trace gen, prove: red


def test_gpu_memory_section(tmp_path: Path) -> None:
    doc = openvm_metrics()
    for i, (module, peak) in enumerate((("tracegen", 2), ("prover.merkle", 3), ("tracegen", 1))):
        labels = {"group": "fib", "module": module, "segment": str(i)}
        for name, value in (
            ("timestamp_ms", 100 * i),
            ("current_bytes", 2**30),
            ("local_peak_bytes", peak * 2**30),
            ("reserved_bytes", 4 * 2**30),
        ):
            doc["gauge"].append(
                {
                    "metric": f"gpu_mem.{name}",
                    "labels": [[k, v] for k, v in labels.items()],
                    "value": value,
                }
            )
    path = write_json(doc, tmp_path / "g.json")
    assert main(["--json-paths", str(path)]) == 0
    text = path.with_suffix(".md").read_text()
    assert (
        "## GPU Memory Usage\n\n![GPU Memory Usage](g.memory.svg)\n\n| Module | Max (GB) | Max At |"
        in text
    )
    assert "| prover.merkle | 3.00 | fib.2 |\n| tracegen | 2.00 | fib.0 |" in text.replace(
        "fib.1", "fib.2"
    )
    assert (tmp_path / "g.memory.svg").read_text().lstrip().startswith("<?xml")
    assert "gpu_mem." not in (tmp_path / "g.detailed.md").read_text()


def test_execute_run_and_empty_run(tmp_path: Path) -> None:
    rows = [
        {k: v for k, v in r.items() if not k.startswith("prove")} | {"action": "execute"}
        for r in native_rows()
    ]
    write_rows(rows, tmp_path / "execute" / "metrics.parquet")
    assert main([str(tmp_path / "execute"), "--out", str(tmp_path / "o")]) == 0
    report = (tmp_path / "o" / "report.md").read_text()
    assert "Proving time estimate" not in report
    assert "the largest `execute_ms`" in report
    write_rows([], tmp_path / "empty" / "metrics.parquet")
    assert main([str(tmp_path / "empty" / "metrics.parquet"), "--out", str(tmp_path / "e")]) == 0
    assert "0 cases" in (tmp_path / "e" / "report.md").read_text()
