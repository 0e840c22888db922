"""Each accelerator path alone, in the probe guest (native/guests/accelerator-probe): its output
against an independent computation here, the calls it made, and (slow tier) its proof."""

from __future__ import annotations

import hashlib
import struct

import coincurve
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature
from eth_utils import keccak
from py_ecc import optimized_bls12_381 as bls
from py_ecc import optimized_bn128 as bn

from zkprof import _native
from zkprof.guest import GuestProgram
from zkprof.runner import RunSettings, measure_isolated

from .conftest import built_guest

BN254_P = 0x30644E72E131A029B85045B68181585D97816A916871CA8D3C208C16D87CFD47
SECRET = 0x45A915E4D060149EB4365960E6A7A45F334393093061116B197E3240065FF2D8


def word(x: int) -> bytes:
    return x.to_bytes(32, "big")


def bn254_mul(k: int, point: tuple[int, int]) -> tuple[int, int]:
    """Affine double-and-add over the bn254 base field (no point at infinity on the way here)."""

    def add(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
        if a == b:
            lam = 3 * a[0] * a[0] * pow(2 * a[1], -1, BN254_P)
        else:
            lam = (b[1] - a[1]) * pow(b[0] - a[0], -1, BN254_P)
        x = (lam * lam - a[0] - b[0]) % BN254_P
        return x, (lam * (a[0] - x) - a[1]) % BN254_P

    result = None
    for bit in bin(k)[2:]:
        result = add(result, result) if result else None
        if bit == "1":
            result = add(result, point) if result else point
    assert result is not None
    return result


def _ecrecover_input() -> tuple[bytes, bytes]:
    key = coincurve.PrivateKey.from_int(SECRET)
    digest = keccak(b"zkprof accelerator probe")
    sig = key.sign_recoverable(digest, hasher=None)
    address = keccak(key.public_key.format(compressed=False)[1:])[12:]
    return digest + word(27 + sig[64]) + sig[:64], b"\0" * 12 + address


def _modexp_input(base: int, exp: int, mod: int, size: int) -> tuple[bytes, bytes]:
    head = word(size) + word(size) + word(size)
    return head + base.to_bytes(size, "big") + exp.to_bytes(size, "big") + mod.to_bytes(
        size, "big"
    ), pow(base, exp, mod).to_bytes(size, "big")


def _bn254_g2(q: object) -> bytes:
    """A G2 point as EIP-197 encodes it: x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0."""
    x, y = bn.normalize(q)
    return word(x.coeffs[1]) + word(x.coeffs[0]) + word(y.coeffs[1]) + word(y.coeffs[0])


def _pairing_input() -> tuple[bytes, bytes]:
    """e(aG1, bG2) · e(abG1, -G2), EIP-197's encoding; its value as py_ecc computes it."""
    a, b = 0x1234567, 0x89ABCDEF0123
    pairs = [
        (bn.multiply(bn.G1, a), bn.multiply(bn.G2, b)),
        (bn.multiply(bn.G1, a * b), bn.neg(bn.G2)),
    ]
    data = b""
    for p, q in pairs:
        px, py = bn.normalize(p)
        data += word(px.n) + word(py.n) + _bn254_g2(q)
    product = bn.FQ12.one()
    for p, q in pairs:
        product *= bn.pairing(q, p)
    return data, bytes([product == bn.FQ12.one()])


def _p256_input() -> tuple[bytes, bytes]:
    """A P-256 signature by `cryptography`, as EIP-7951 takes it: hash ‖ r ‖ s ‖ x ‖ y."""
    key = ec.derive_private_key(SECRET, ec.SECP256R1())
    digest = hashlib.sha256(b"zkprof accelerator probe").digest()
    r, s = decode_dss_signature(key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256()))))
    public = key.public_key().public_numbers()
    return digest + word(r) + word(s) + word(public.x) + word(public.y), b"\x01"


def _bls_g1(p: object) -> bytes:
    x, y = bls.normalize(p)
    return x.n.to_bytes(48, "big") + y.n.to_bytes(48, "big")


def _bls_g2(q: object) -> bytes:
    x, y = bls.normalize(q)
    return b"".join(c.to_bytes(48, "big") for c in (*x.coeffs, *y.coeffs))  # real part first


def _bls_inputs() -> tuple[bytes, bytes, bytes]:
    """e(aG1, bG2) · e(abG1, -G2), which bilinearity makes 1, and the MSM aG1 + bG1 + (a+b)G1
    with its sum by py_ecc."""
    a, b = 0x5EED, 0xC0FFEE
    pairing = _bls_g1(bls.multiply(bls.G1, a)) + _bls_g2(bls.multiply(bls.G2, b))
    pairing += _bls_g1(bls.multiply(bls.G1, a * b)) + _bls_g2(bls.neg(bls.G2))
    points = [bls.multiply(bls.G1, k) for k in (3, 5, 7)]
    msm = b"".join(_bls_g1(p) + word(k) for p, k in zip(points, (a, b, a + b), strict=True))
    total = bls.multiply(bls.G1, 3 * a + 5 * b + 7 * (a + b))
    return pairing, msm, _bls_g1(total)


G = (1, 2)
BLS_PAIRING_IN, BLS_MSM_IN, BLS_MSM_OUT = _bls_inputs()
PAIRING_IN, PAIRING_OUT = _pairing_input()
P256_IN, P256_OUT = _p256_input()
ECRECOVER_IN, ECRECOVER_OUT = _ecrecover_input()
MODEXP_IN, MODEXP_OUT = _modexp_input(3, 2**255 - 21, 2**255 - 19, 32)
# operation -> (input, expected output, the counter it must raise)
OPERATIONS = {
    "keccak": (b"\x00" + b"abc" * 100, keccak(b"abc" * 100), "keccak_permutations"),
    "sha256": (b"\x01" + b"x" * 200, hashlib.sha256(b"x" * 200).digest(), "sha_compressions"),
    "ecrecover": (b"\x02" + ECRECOVER_IN, ECRECOVER_OUT, "bigint2_calls"),
    "modexp": (b"\x03" + MODEXP_IN, MODEXP_OUT, "bigint2_calls"),
    "bn254_add": (
        b"\x04" + word(1) + word(2) + word(1) + word(2),
        b"".join(word(c) for c in bn254_mul(2, G)),
        "bigint2_calls",
    ),
    "bn254_mul": (
        b"\x05" + word(1) + word(2) + word(9),
        b"".join(word(c) for c in bn254_mul(9, G)),
        "bigint2_calls",
    ),
    "bn254_pairing": (b"\x06" + PAIRING_IN, PAIRING_OUT, "bigint2_calls"),
    "p256_verify": (b"\x07" + P256_IN, P256_OUT, "bigint2_calls"),
    "bls12_381_pairing": (b"\x08" + BLS_PAIRING_IN, b"\x01", "bigint2_calls"),
    "bls12_381_g1_msm": (b"\x09" + BLS_MSM_IN, BLS_MSM_OUT, "bigint2_calls"),
    # The pairings' field programs in few cycles: bn254's Fq2 tower (a G2 membership check) and
    # BLS12-381's 384-bit field (an addition).
    "bn254_g2_check": (b"\x0a" + _bn254_g2(bn.multiply(bn.G2, 0xC0FFEE)), b"\x01", "bigint2_calls"),
    "bls12_381_g1_add": (
        b"\x0b" + _bls_g1(bls.multiply(bls.G1, 3)) + _bls_g1(bls.multiply(bls.G1, 5)),
        _bls_g1(bls.multiply(bls.G1, 8)),
        "bigint2_calls",
    ),
    # The same signature over another hash: rejected.
    "p256_reject": (b"\x07" + bytes([P256_IN[0] ^ 1]) + P256_IN[1:], b"\x00", "bigint2_calls"),
}


@pytest.fixture(scope="module")
def probe() -> GuestProgram:
    return built_guest("accelerator-probe")


def split_journal(journal: bytes) -> tuple[bytes, dict[str, int]]:
    """The probe's journal: the output, then AcceleratorCalls (three little-endian u64)."""
    keccak_permutations, sha_compressions, bigint2_calls = struct.unpack("<3Q", journal[-24:])
    return journal[:-24], {
        "keccak_permutations": keccak_permutations,
        "sha_compressions": sha_compressions,
        "bigint2_calls": bigint2_calls,
    }


@pytest.mark.parametrize("operation", OPERATIONS)
def test_each_accelerator_path_computes_the_reference(probe: GuestProgram, operation: str) -> None:
    guest_input, expected, counter = OPERATIONS[operation]
    run = _native.execute(probe.program_path.read_bytes(), guest_input, segment_po2=16)
    output, calls = split_journal(bytes(run["journal"]))
    assert output == expected
    assert calls[counter] > 0
    # ecrecover hashes the recovered key with keccak; nothing else calls another accelerator.
    others = {"keccak_permutations"} if operation == "ecrecover" else set()
    assert all(n == 0 for name, n in calls.items() if name not in {counter, *others})


# Not proved: keccak (its coprocessor proofs need the recursion programs this build lacks), and
# the pairings and the BLS12-381 MSM: 5, 51 and 7 million cycles, hours each at this machine's
# 1.3-1.5 kHz. Their field programs are proved all the same: bn254's Fq2 programs
# (extfield_xxone_mul, extfield_deg2_add/sub, modinv at 256 bits) by bn254_g2_check, the 384-bit
# modmul and modinv by bls12_381_g1_add.
UNPROVED = {"keccak", "bn254_pairing", "bls12_381_pairing", "bls12_381_g1_msm"}


@pytest.mark.slow  # a proof of up to a few hundred thousand cycles each: minutes on 2 cores
@pytest.mark.parametrize("operation", [op for op in OPERATIONS if op not in UNPROVED])
def test_each_accelerator_path_proves(probe: GuestProgram, operation: str) -> None:
    guest_input, expected, _ = OPERATIONS[operation]
    proved = measure_isolated(
        probe.program_path.read_bytes(), guest_input, RunSettings(action="prove", segment_po2=16)
    )
    assert proved["receipt_kind"] == "composite" and proved["verify_ms"] > 0
    assert split_journal(bytes(proved["journal"]))[0] == expected
