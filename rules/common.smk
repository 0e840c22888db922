# Configuration checks, case discovery and the input functions every other rule uses.
from pathlib import Path

from snakemake.utils import validate

from zkprof.paths import GUESTS_DIR, NATIVE_DIR
from zkprof.workflow import forced_targets, index_cases, source_files

validate(config, "../config/schema.yaml")

RESULTS = Path(config["results_dir"])
ACTION = config["action"]
TESTS_DIR = Path(config["tests_dir"])
GUEST_DIR = (
    Path(config["guest"]) if "/" in config["guest"] else GUESTS_DIR / config["guest"]
)
GUEST = GUEST_DIR.name

# (The filters are passed positionally: snakefmt reads a line starting with "include" as a directive.)
INDEX = index_cases(TESTS_DIR, config["include"], config["exclude"], RESULTS / ".index")
CASES = INDEX.by_id()


wildcard_constraints:
    case_id=r"[A-Za-z0-9._-]+",
    action=r"execute|prove",


def case_metrics(action):
    return [RESULTS / action / "cases" / f"{c}.parquet" for c in CASES]


def guest_sources(wildcards):
    # The shared crates are part of the EVM guest's source: a change there is a new guest.
    roots = [GUEST_DIR, NATIVE_DIR / "evm", NATIVE_DIR / "types"]
    return [str(p) for root in roots if root.is_dir() for p in source_files(root)]


def fixture_of(wildcards):
    return TESTS_DIR / CASES[wildcards.case_id].source


def all_outputs():
    return [RESULTS / ACTION / "metrics.parquet", RESULTS / ACTION / "summary.md"]


# --config force_rerun=true forces every case, as Snakemake's own --forcerun run_case does; with
# retry_failed, the metrics files of cases whose last run failed are forced, so they run again.
workflow.dag_settings.forcerun = set(workflow.dag_settings.forcerun) | forced_targets(
    config, RESULTS, ACTION, CASES
)
