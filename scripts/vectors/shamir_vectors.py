#!/usr/bin/env python3
"""Independent known-answer vectors for OpenKCM's Shamir shares.

The Swift ShamirSplitter multiplies in GF(2^8) bit by bit in constant time;
this script uses log/antilog tables built from the generator 3 instead, and
checks every vector by Lagrange interpolation before printing it. Output:
Tests/OpenKCMCoreTests/Resources/shamir-vectors.json.
"""
import hashlib
import itertools
import json

EXP = [0] * 510
LOG = [0] * 256
x = 1
for i in range(255):
    EXP[i] = x
    LOG[x] = i
    # multiply by the generator 3 = x + 1 modulo x^8 + x^4 + x^3 + x + 1
    x ^= (x << 1) ^ (0x11B if x & 0x80 else 0)
    x &= 0xFF
for i in range(255, 510):
    EXP[i] = EXP[i - 255]


def mul(a, b):
    return 0 if a == 0 or b == 0 else EXP[LOG[a] + LOG[b]]


def div(a, b):
    return 0 if a == 0 else EXP[(LOG[a] - LOG[b]) % 255]


def evaluate(coeffs, xv):  # coeffs[0] is the secret byte
    y, p = 0, 1
    for c in coeffs:
        y ^= mul(c, p)
        p = mul(p, xv)
    return y


def interpolate(points):
    s = 0
    for j, (xj, yj) in enumerate(points):
        basis = 1
        for m, (xm, _) in enumerate(points):
            if m != j:
                basis = mul(basis, div(xm, xm ^ xj))
        s ^= mul(yj, basis)
    return s


def make(n, m, seed):
    secret = bytes((seed * 31 + i * 7) & 0xFF for i in range(32))
    set_id = bytes((seed * 5 + i) & 0xFF for i in range(4))
    coefficients = bytes((seed * 101 + i * 37 + 11) & 0xFF for i in range(32 * (m - 1)))
    shares = []
    for xv in range(1, n + 1):
        ys = bytes(evaluate([secret[b]] + list(coefficients[b * (m - 1):(b + 1) * (m - 1)]), xv) for b in range(32))
        body = bytes([1, m, xv]) + set_id + ys
        shares.append((body + hashlib.sha256(body).digest()[:4]).hex())
    # check: every m-subset interpolates back to the secret
    for subset in itertools.combinations(range(n), m):
        got = bytes(interpolate([(i + 1, bytes.fromhex(shares[i])[7 + b]) for i in subset]) for b in range(32))
        assert got == secret
    kcv = __import__("hmac").new(secret, b"OpenKCM key check value v1", hashlib.sha256).digest()[:16]
    return dict(shares=n, threshold=m, secret=secret.hex(), setID=set_id.hex(),
                coefficients=coefficients.hex(), keyCheckValue=kcv.hex(), encodedShares=shares)


print(json.dumps(dict(
    source="scripts/vectors/shamir_vectors.py (table-based GF(2^8), independent of the Swift code)",
    vectors=[make(3, 2, 1), make(5, 3, 2), make(6, 6, 3), make(10, 4, 4), make(255, 2, 5)],
), indent=1))
