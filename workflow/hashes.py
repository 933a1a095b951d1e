"""The hash functions the audit chain may use: SHA-256 (the default) and SM3 (GB/T 32905),
for installations assessed under 密评 (GB/T 39786), chosen by AUDIT_HASH.

SM3 comes from OpenSSL when this Python's OpenSSL provides it (the same function, about a
thousand times faster) and from gmssl, a pure-Python implementation, otherwise; both give
the same digest (tests/test_audit_hash.py). See docs/audit.md for the measured costs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from gmssl import sm3 as _gmssl_sm3

SHA256 = "sha256"
SM3 = "sm3"
DEFAULT = SHA256
# The session.info key that carries the configured algorithm (workflow.db).
SESSION_KEY = "audit_hash"

# GB/T 32905-2016, appendix A.1: SM3("abc").
_SM3_ABC = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


class UnknownHashAlgorithm(ValueError):
    """An algorithm name that is neither sha256 nor sm3."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sm3_gmssl(data: bytes) -> str:
    # sm3_hash takes a list of byte values and pads it in place: always a fresh list.
    return _gmssl_sm3.sm3_hash(list(data))


def sm3_openssl(data: bytes) -> str:
    return hashlib.new("sm3", data).hexdigest()


def _openssl_has_sm3() -> bool:
    try:
        return sm3_openssl(b"abc") == _SM3_ABC
    except ValueError:  # this OpenSSL was built without SM3 (or FIPS mode refuses it)
        return False


# Which SM3 runs here ("openssl" or "gmssl"); chosen once, at import.
SM3_IMPLEMENTATION = "openssl" if _openssl_has_sm3() else "gmssl"
_FUNCTIONS: dict[str, Callable[[bytes], str]] = {
    SHA256: sha256_hex,
    SM3: sm3_openssl if SM3_IMPLEMENTATION == "openssl" else sm3_gmssl,
}
ALGORITHMS: tuple[str, ...] = tuple(_FUNCTIONS)


def check(alg: str) -> str:
    """`alg` if it is a known algorithm, else UnknownHashAlgorithm naming the choices."""
    if alg not in _FUNCTIONS:
        raise UnknownHashAlgorithm(
            f"unknown audit hash algorithm {alg!r}: use one of {', '.join(ALGORITHMS)}"
        )
    return alg


def digest(alg: str, data: bytes) -> str:
    """The hex digest of `data` under `alg` (64 characters for both algorithms)."""
    return _FUNCTIONS[check(alg)](data)
