"""Signing keys at rest (PKCS#8, PBES2/PBKDF2-SHA256/AES-256-CBC under the PIN) and in use.

Also the PIN policy, the ``Signer`` interface a hardware token can implement, the PIN lockout.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from asn1crypto import algos as asn1_algos
from asn1crypto import core as asn1_core
from asn1crypto import keys as asn1_keys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from signing.crypto import cms
from signing.crypto.pki import SigningKey, key_matches_certificate, name_text
from signing.errors import (
    KeyBlobError,
    PinBlocked,
    PinError,
    PinLocked,
    SigningError,
    WeakPassphrase,
    WeakPin,
)

# OWASP's 2023 figure for PBKDF2-HMAC-SHA256. cryptography's BestAvailableEncryption fixes 2048
# rounds for PKCS#8, and its PKCS#12 builder keeps the MAC (a cheaper PIN oracle) at 2048 rounds,
# so the PKCS#8 blob is assembled here with a chosen round count.
DEFAULT_KDF_ROUNDS = 600_000
MAX_KDF_ROUNDS = 10_000_000  # refuse blobs that would pin a CPU for minutes
MIN_PIN_LENGTH = 6
MAX_PIN_LENGTH = 32
MIN_PASSPHRASE_LENGTH = 16

KeyKind = Literal["ec-p256", "ec-p384", "rsa-3072"]


def generate_signing_key(kind: KeyKind = "ec-p256") -> SigningKey:
    """A fresh signing key: P-256 by default, RSA for interoperability and legacy tokens."""
    if kind == "ec-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "ec-p384":
        return ec.generate_private_key(ec.SECP384R1())
    if kind == "rsa-3072":
        return rsa.generate_private_key(public_exponent=65537, key_size=3072)
    raise ValueError(f"unknown key kind {kind!r}")


def check_pin_policy(pin: str) -> None:
    """Refuse PINs that are not 6 to 32 ASCII digits, or that are one repeated digit or a plain run.

    Six digits are only safe with the online lockout (``PinAttempts``); trivial PINs are
    the first an attacker tries.
    """
    if not (MIN_PIN_LENGTH <= len(pin) <= MAX_PIN_LENGTH) or not (pin.isascii() and pin.isdigit()):
        raise WeakPin(f"The signing PIN must be {MIN_PIN_LENGTH} to {MAX_PIN_LENGTH} digits.")
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(pin)}
    if steps in ({0}, {1}, {9}):
        raise WeakPin("The signing PIN must not be one repeated digit or a sequence like 123456.")


def _password(pin: str, pepper: bytes | None) -> bytes:
    """Mix in a server-side secret if given, so a stolen database alone cannot brute-force PINs."""
    raw = pin.encode("utf-8")
    if pepper is None:
        return raw
    return hmac.new(pepper, raw, hashlib.sha256).hexdigest().encode("ascii")


def encrypt_private_key(
    key: SigningKey,
    pin: str,
    *,
    rounds: int = DEFAULT_KDF_ROUNDS,
    pepper: bytes | None = None,
) -> bytes:
    """Encrypt ``key`` as DER EncryptedPrivateKeyInfo (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC).

    Readable by cryptography and ``openssl pkcs8``; the PIN must meet the PIN policy.
    """
    check_pin_policy(pin)
    return _encrypt(key, _password(pin, pepper), rounds)


def encrypt_ca_key(key: SigningKey, passphrase: str, *, rounds: int = DEFAULT_KDF_ROUNDS) -> bytes:
    """Encrypt a root or issuing CA key at rest; no lockout guards it, so the passphrase is long."""
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise WeakPassphrase(f"A CA key passphrase needs {MIN_PASSPHRASE_LENGTH}+ characters.")
    return _encrypt(key, passphrase.encode("utf-8"), rounds)


def decrypt_ca_key(blob: bytes, passphrase: str) -> SigningKey:
    """Open a blob from ``encrypt_ca_key``; a wrong passphrase raises ``PinError``."""
    return decrypt_private_key(blob, passphrase)


def _encrypt(key: SigningKey, password: bytes, rounds: int) -> bytes:
    if not 1_000 <= rounds <= MAX_KDF_ROUNDS:
        raise ValueError("rounds out of range")
    salt, iv = os.urandom(16), os.urandom(16)
    aes_key = PBKDF2HMAC(hashes.SHA256(), 32, salt, rounds).derive(password)
    padder = sym_padding.PKCS7(128).padder()
    plain = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    encryptor = Cipher(algorithms.AES(aes_key), modes.CBC(iv)).encryptor()
    sealed = encryptor.update(padder.update(plain) + padder.finalize()) + encryptor.finalize()
    kdf_params = {
        "salt": asn1_algos.Pbkdf2Salt(name="specified", value=asn1_core.OctetString(salt)),
        "iteration_count": rounds,
        "prf": {"algorithm": "sha256", "parameters": None},
    }
    info = asn1_keys.EncryptedPrivateKeyInfo(
        {
            "encryption_algorithm": {
                "algorithm": "pbes2",
                "parameters": {
                    "key_derivation_func": {"algorithm": "pbkdf2", "parameters": kdf_params},
                    "encryption_scheme": {"algorithm": "aes256_cbc", "parameters": iv},
                },
            },
            "encrypted_data": sealed,
        }
    )
    return info.dump()


def _check_blob(blob: bytes) -> None:
    """Tell a corrupt blob (server problem) from a wrong PIN (user problem) before trying it."""
    try:
        info = asn1_keys.EncryptedPrivateKeyInfo.load(bytes(blob), strict=True)
        algorithm = info["encryption_algorithm"]
        if algorithm["algorithm"].native != "pbes2":
            raise ValueError("not PBES2")
        rounds = algorithm.kdf_iterations
    except (ValueError, TypeError, KeyError) as exc:
        raise KeyBlobError("The stored signing key is not a PBES2-encrypted PKCS#8 key.") from exc
    if rounds > MAX_KDF_ROUNDS:
        raise KeyBlobError("The stored signing key uses an unreasonable KDF iteration count.")


def decrypt_private_key(blob: bytes, pin: str, *, pepper: bytes | None = None) -> SigningKey:
    """Open a blob from ``encrypt_private_key``; a wrong PIN raises ``PinError`` for counting."""
    _check_blob(blob)
    try:
        key = serialization.load_der_private_key(bytes(blob), _password(pin, pepper))
    except ValueError as exc:
        raise PinError("Wrong signing PIN.") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise KeyBlobError("The stored signing key is of an unsupported type.")
    return key


def change_pin(
    blob: bytes,
    old_pin: str,
    new_pin: str,
    *,
    rounds: int = DEFAULT_KDF_ROUNDS,
    pepper: bytes | None = None,
) -> bytes:
    """Re-encrypt under a new PIN; the old PIN must open the blob first."""
    return encrypt_private_key(
        decrypt_private_key(blob, old_pin, pepper=pepper), new_pin, rounds=rounds, pepper=pepper
    )


@runtime_checkable
class Signer(Protocol):
    """Anything producing detached CMS signatures for one certificate: stored key, token, HSM."""

    @property
    def certificate(self) -> x509.Certificate: ...

    @property
    def chain(self) -> Sequence[x509.Certificate]: ...

    def sign_detached(self, data: bytes) -> bytes: ...


class StoredKeySigner:
    """A ``Signer`` over a key decrypted from its PIN-protected blob, held only in memory."""

    __slots__ = ("_certificate", "_chain", "_key")

    def __init__(
        self,
        certificate: x509.Certificate,
        private_key: SigningKey,
        chain: Sequence[x509.Certificate] = (),
    ) -> None:
        if not key_matches_certificate(certificate, private_key):
            raise SigningError("The private key does not belong to the signing certificate.")
        self._certificate = certificate
        self._key = private_key
        self._chain = tuple(chain)

    @classmethod
    def unlock(
        cls,
        blob: bytes,
        pin: str,
        certificate: x509.Certificate,
        chain: Sequence[x509.Certificate] = (),
        *,
        pepper: bytes | None = None,
    ) -> StoredKeySigner:
        """Decrypt the stored key with the PIN; raises ``PinError`` on a wrong PIN."""
        return cls(certificate, decrypt_private_key(blob, pin, pepper=pepper), chain)

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    @property
    def chain(self) -> Sequence[x509.Certificate]:
        return self._chain

    def sign_detached(self, data: bytes) -> bytes:
        """Detached CMS over ``data`` with the certificate and issuing CA embedded."""
        return cms.sign_detached(data, self._certificate, self._key, self._chain[:1])

    def sign_raw(self, data: bytes) -> bytes:
        """A bare SHA-256 signature (ECDSA, or RSASSA-PSS for RSA) for a PAdES signer to embed."""
        return cms.sign_raw(data, self._key)

    def __repr__(self) -> str:
        return f"StoredKeySigner(subject={name_text(self._certificate.subject)!r})"


@dataclass(frozen=True)
class PinAttempts:
    """Lockout rule for wrong PINs, pure so the database layer applies it to stored failures.

    ``failures`` are the times of wrong PINs since the last successful unlock. From
    ``max_failures`` on, each failure locks for ``lockout``, doubled per extra failure and capped
    at ``max_lockout``; at ``block_after`` the key is blocked until an administrator resets it,
    which bounds an attacker to that many guesses at a six-digit PIN.
    """

    max_failures: int = 5
    lockout: dt.timedelta = dt.timedelta(minutes=5)
    max_lockout: dt.timedelta = dt.timedelta(hours=24)
    block_after: int | None = 10

    def locked_until(self, failures: Sequence[dt.datetime]) -> dt.datetime | None:
        """When the current lockout ends, or None if these failures do not lock (blocks aside)."""
        if len(failures) < self.max_failures:
            return None
        extra = len(failures) - self.max_failures
        delay = self.lockout * (2 ** min(extra, 32))
        return max(failures) + min(delay, self.max_lockout)

    def remaining_before_block(self, failures: Sequence[dt.datetime]) -> int | None:
        """How many more wrong PINs block the key, for the warning shown next to the PIN field."""
        return None if self.block_after is None else max(self.block_after - len(failures), 0)

    def check(self, failures: Sequence[dt.datetime], now: dt.datetime) -> None:
        """Raise ``PinBlocked`` or ``PinLocked`` if no PIN may be tried at ``now``."""
        if self.block_after is not None and len(failures) >= self.block_after:
            raise PinBlocked("Too many wrong PINs: the key is blocked until an admin resets it.")
        until = self.locked_until(failures)
        if until is not None and now < until:
            wait = math.ceil((until - now).total_seconds())
            raise PinLocked("Too many wrong PINs: try again later.", retry_after=wait)
