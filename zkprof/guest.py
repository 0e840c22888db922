"""Build RISC Zero guests offline: Debian's rustc-web with `-Zbuild-std`, then wrap the user ELF with
the v1compat kernel into an R0BF program and compute its image id (no rzup, no docker, no risc0-build).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from zkprof.atomic import write_bytes_atomic
from zkprof.paths import GUESTS_DIR, cache_dir

GUEST_TARGET = "riscv32im-risc0-zkvm-elf"
# Debian's rustc-web ships std's source (rust-web-src), which -Zbuild-std needs; rustup's toolchain
# cannot fetch the riscv32im target offline.
GUEST_RUSTC = os.environ.get("ZKPROF_GUEST_RUSTC", "/usr/bin/rustc")
GUEST_CARGO = os.environ.get("ZKPROF_GUEST_CARGO", "/usr/bin/cargo")
GUEST_RUSTFLAGS = [
    "-C", "passes=lower-atomic",
    "-C", "link-arg=-Ttext=0x00200800",
    "-C", "link-arg=--fatal-warnings",
    "-C", "panic=abort",
    "--cfg", 'getrandom_backend="custom"',
]  # fmt: skip


class GuestBuildError(RuntimeError):
    """The guest crate did not build; the message carries cargo's diagnostics."""


@dataclass(frozen=True)
class GuestProgram:
    """A built guest: the R0BF program file and the metadata file beside it."""

    name: str
    program_path: Path
    image_id: str
    elf_sha256: str
    # Built with zkprof-evm's `accelerators` feature (RISC Zero's keccak and SHA-256 accelerators).
    accelerators: bool = False

    @property
    def meta_path(self) -> Path:
        return self.program_path.with_suffix(".json")


# The built-in EVM guest and its build with RISC Zero's accelerators (the same program otherwise).
EVM_GUEST = "evm"
EVM_ACCELERATED_GUEST = "evm-accelerated"


def resolve_guest_dir(guest: str | Path, *, accelerators: bool = False) -> Path:
    """A guest named by a crate folder under native/guests/, or by a path to any guest crate.
    `accelerators` picks the accelerated build of the built-in EVM guest; other guests are
    taken as they are."""
    if accelerators and str(guest) == EVM_GUEST:
        guest = EVM_ACCELERATED_GUEST
    return Path(guest) if "/" in str(guest) else GUESTS_DIR / str(guest)


def uses_accelerators(guest_dir: Path) -> bool:
    """Whether the guest crate builds zkprof-evm with its `accelerators` feature."""
    import tomllib

    manifest = tomllib.loads((guest_dir / "Cargo.toml").read_text())
    evm = manifest.get("dependencies", {}).get("zkprof-evm", {})
    return isinstance(evm, dict) and "accelerators" in evm.get("features", [])


def guest_target_dir() -> Path:
    return cache_dir() / "guest-target"


def guest_env() -> dict[str, str]:
    env = dict(os.environ)
    # Keep rustup's toolchain selection out of Debian's cargo.
    for var in ("RUSTUP_TOOLCHAIN", "RUSTFLAGS", "CARGO_BUILD_RUSTFLAGS", "CARGO_TARGET_DIR"):
        env.pop(var, None)
    env["RUSTC_BOOTSTRAP"] = "1"
    env["RUSTC"] = GUEST_RUSTC
    env["CARGO_ENCODED_RUSTFLAGS"] = "\x1f".join(GUEST_RUSTFLAGS)
    # The zkVM (risc0-zkvm 3) runs the bigint2 programs; risc0-bigint2 refuses to build without
    # this flag, which risc0's own build tool sets for the same reason.
    env["RISC0_FEATURE_bigint2"] = "1"
    # Panic locations embed source paths in the ELF. Cargo's trim-paths rewrites them to
    # `<crate>-<version>/...`, so the image id does not depend on where the clone or the registry
    # live (same source, same image id), and every guest shares one build of std.
    env["CARGO_PROFILE_RELEASE_TRIM_PATHS"] = "all"
    env["CARGO_TARGET_DIR"] = str(guest_target_dir())
    return env


def build_elf(guest_dir: Path, *, quiet: bool = False) -> Path:
    """Compile the guest crate at `guest_dir`; returns the path of its ELF."""
    guest_dir = guest_dir.resolve()
    if not (guest_dir / "Cargo.toml").is_file():
        raise GuestBuildError(f"{guest_dir}: no Cargo.toml, not a guest crate")
    for tool in (GUEST_RUSTC, GUEST_CARGO):
        if not shutil.which(tool):
            raise GuestBuildError(
                f"{tool} not found: install Debian's rustc-web, cargo-web, rust-web-src and lld "
                "(bash envs/bootstrap.sh does)"
            )
    cmd = [
        GUEST_CARGO, "build", "--release", "--locked" if (guest_dir / "Cargo.lock").exists() else "",
        "--target", GUEST_TARGET,
        "-Zbuild-std=alloc,core,proc_macro,panic_abort,std",
        "-Zbuild-std-features=compiler-builtins-mem",
        "-Ztrim-paths",
        # Fresh by content, not mtime: clones at other paths share these artifacts (same source,
        # same build), so an older file of different content must still count as changed.
        "-Zchecksum-freshness",
        "--message-format=json-render-diagnostics",
    ]  # fmt: skip
    proc = subprocess.run(
        [c for c in cmd if c],
        cwd=guest_dir,
        env=guest_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL if quiet else None,
        text=True,
        check=False,
    )
    executables = []
    for line in proc.stdout.splitlines():
        msg = json.loads(line) if line.startswith("{") else {}
        if msg.get("reason") == "compiler-artifact" and msg.get("executable"):
            executables.append(Path(msg["executable"]))
    if proc.returncode != 0:
        raise GuestBuildError(f"building guest {guest_dir} failed (cargo exit {proc.returncode})")
    if len(executables) != 1:
        raise GuestBuildError(f"guest {guest_dir} must build exactly one binary, got {executables}")
    return executables[0]


def wrap_elf(elf: bytes) -> tuple[bytes, str]:
    """User ELF -> (R0BF program bytes, image id hex)."""
    from zkprof import _native

    return _native.program_from_elf(elf)


def build_program(guest_dir: Path, out_dir: Path, *, quiet: bool = False) -> GuestProgram:
    """Build a guest and write `<out_dir>/<name>.bin` (R0BF) and `<name>.json` (image id, hashes)."""
    guest_dir = guest_dir.resolve()
    elf_path = build_elf(guest_dir, quiet=quiet)
    elf = elf_path.read_bytes()
    program, image_id = wrap_elf(elf)
    name = guest_dir.name
    out_dir.mkdir(parents=True, exist_ok=True)
    built = GuestProgram(
        name=name,
        program_path=out_dir / f"{name}.bin",
        image_id=image_id,
        elf_sha256=hashlib.sha256(elf).hexdigest(),
        accelerators=uses_accelerators(guest_dir),
    )
    write_bytes_atomic(built.program_path, program)
    meta = {
        "name": name,
        "image_id": image_id,
        "elf_sha256": built.elf_sha256,
        "program_sha256": hashlib.sha256(program).hexdigest(),
        "guest_dir": str(guest_dir),
        "accelerators": built.accelerators,
        "rustc": _tool_version(GUEST_RUSTC),
    }
    write_bytes_atomic(
        built.meta_path, (json.dumps(meta, indent=2, sort_keys=True) + "\n").encode()
    )
    return built


def unprovable_reason(program: GuestProgram) -> str | None:
    """Why this build of zkprof cannot prove the program (None: it can). risc0 proves the keccak
    coprocessor's work as a lifted succinct receipt, which needs the recursion programs; an offline
    build (DOCS_RS=1) lacks them, and risc0 would fail only after proving every segment."""
    from zkprof import _native

    if program.accelerators and not _native.recursion_available():
        return (
            f"guest {program.name} uses the keccak coprocessor, whose proofs need RISC Zero's "
            "recursion programs, absent from this build (built offline, DOCS_RS=1); execute "
            "counts its cycles exactly; to prove, run with accelerators: false or rebuild with "
            "RECURSION_SRC_PATH"
        )
    return None


def load_program(program_path: Path) -> GuestProgram:
    meta = json.loads(program_path.with_suffix(".json").read_text())
    return GuestProgram(
        name=meta["name"],
        program_path=program_path,
        image_id=meta["image_id"],
        elf_sha256=meta["elf_sha256"],
        accelerators=meta.get("accelerators", False),
    )


def _tool_version(tool: str) -> str:
    out = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False)
    return out.stdout.strip()


if __name__ == "__main__":  # build an ELF only, for bootstrap before the native module exists
    print(build_elf(Path(sys.argv[1])))
