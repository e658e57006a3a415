"""Tests of signing.keys: encrypted keys at rest, PIN policy, the Signer interface, PIN lockout.

Most tests use few KDF rounds for speed; one checks the production default.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from cryptography.hazmat.primitives import serialization

from signing import keys
from signing.crypto.verification import verify_signature
from signing.errors import (
    KeyBlobError,
    PinBlocked,
    PinError,
    PinLocked,
    SigningError,
    WeakPassphrase,
    WeakPin,
)
from tests.signing.signing_testkit import DOCUMENT, NOW, Pki

FAST = 1_000
PIN = "284719"


def _raw(key: keys.SigningKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def test_round_trip_and_wrong_pin(env: Pki) -> None:
    key = env.official.private_key
    blob = keys.encrypt_private_key(key, PIN, rounds=FAST)
    assert _raw(keys.decrypt_private_key(blob, PIN)) == _raw(key)
    with pytest.raises(PinError):
        keys.decrypt_private_key(blob, "284718")


def test_blob_is_pbes2_aes256_pbkdf2_sha256_and_hides_the_key(env: Pki) -> None:
    key = env.official.private_key
    blob = keys.encrypt_private_key(key, PIN, rounds=FAST)
    algorithm = asn1_keys.EncryptedPrivateKeyInfo.load(blob)["encryption_algorithm"]
    assert algorithm["algorithm"].native == "pbes2"
    assert algorithm.kdf == "pbkdf2"
    assert algorithm.kdf_hmac == "sha256"
    assert algorithm.kdf_iterations == FAST
    assert algorithm.encryption_cipher == "aes"
    assert algorithm.key_length == 32
    assert _raw(key)[-32:] not in blob
    assert keys.encrypt_private_key(key, PIN, rounds=FAST) != blob  # fresh salt and IV


def test_default_rounds_are_the_production_strength(env: Pki) -> None:
    blob = keys.encrypt_private_key(env.seal.private_key, PIN)
    info = asn1_keys.EncryptedPrivateKeyInfo.load(blob)
    assert info["encryption_algorithm"].kdf_iterations == keys.DEFAULT_KDF_ROUNDS == 600_000


def test_openssl_reads_the_blob(env: Pki, tmp_path: Path, openssl: str) -> None:
    key = env.official.private_key
    (tmp_path / "k.der").write_bytes(keys.encrypt_private_key(key, PIN, rounds=FAST))
    result = subprocess.run(
        [
            openssl, "pkcs8", "-inform", "DER", "-in", str(tmp_path / "k.der"),
            "-passin", f"pass:{PIN}", "-topk8", "-nocrypt", "-outform", "DER",
        ],
        capture_output=True,
        check=True,
    )  # fmt: skip
    assert result.stdout == _raw(key)


def test_pepper_is_needed_when_used(env: Pki) -> None:
    blob = keys.encrypt_private_key(env.official.private_key, PIN, rounds=FAST, pepper=b"s" * 32)
    keys.decrypt_private_key(blob, PIN, pepper=b"s" * 32)
    with pytest.raises(PinError):
        keys.decrypt_private_key(blob, PIN)
    with pytest.raises(PinError):
        keys.decrypt_private_key(blob, PIN, pepper=b"t" * 32)


def test_corrupt_blob_is_not_a_pin_error(env: Pki) -> None:
    blob = keys.encrypt_private_key(env.official.private_key, PIN, rounds=FAST)
    for junk in (b"", b"garbage", blob[:40]):
        with pytest.raises(KeyBlobError):
            keys.decrypt_private_key(junk, PIN)
    plain = _raw(env.official.private_key)
    with pytest.raises(KeyBlobError):
        keys.decrypt_private_key(plain, PIN)


def test_change_pin(env: Pki) -> None:
    blob = keys.encrypt_private_key(env.official.private_key, PIN, rounds=FAST)
    renewed = keys.change_pin(blob, PIN, "503816", rounds=FAST)
    keys.decrypt_private_key(renewed, "503816")
    with pytest.raises(PinError):
        keys.decrypt_private_key(renewed, PIN)
    with pytest.raises(PinError):
        keys.change_pin(blob, "000001", "503816", rounds=FAST)


@pytest.mark.parametrize(
    "pin", ["12345", "abcdef", "12 345", "١٢٣٤٥٦", "111111", "123456", "987654", "890123", "9" * 33]
)
def test_weak_pins_are_refused(env: Pki, pin: str) -> None:
    with pytest.raises(WeakPin):
        keys.check_pin_policy(pin)
    with pytest.raises(WeakPin):
        keys.encrypt_private_key(env.official.private_key, pin, rounds=FAST)


@pytest.mark.parametrize("pin", ["284719", "1357924680", "000123"])
def test_acceptable_pins(pin: str) -> None:
    keys.check_pin_policy(pin)


def test_stored_key_signer_signs_verifiably(env: Pki) -> None:
    cred = env.official
    blob = keys.encrypt_private_key(cred.private_key, PIN, rounds=FAST)
    signer = keys.StoredKeySigner.unlock(blob, PIN, cred.certificate, cred.chain)
    assert isinstance(signer, keys.Signer)
    assert signer.certificate == cred.certificate
    p7s = signer.sign_detached(DOCUMENT)
    roots, intermediates, crls = env.verifier_args()
    result = verify_signature(DOCUMENT, p7s, roots, intermediates, crls)
    assert result.serial == cred.certificate.serial_number
    assert "PRIVATE" not in repr(signer) and "Nguyễn" in repr(signer)
    with pytest.raises(PinError):
        keys.StoredKeySigner.unlock(blob, "999990", cred.certificate)


def test_stored_key_signer_refuses_a_foreign_key(env: Pki) -> None:
    with pytest.raises(SigningError):
        keys.StoredKeySigner(env.official.certificate, env.seal.private_key)


def test_generated_key_kinds() -> None:
    assert keys.generate_signing_key("ec-p384").curve.name == "secp384r1"  # type: ignore[union-attr]
    with pytest.raises(ValueError):
        keys.generate_signing_key("dsa")  # type: ignore[arg-type]


def _failures(count: int, last: dt.datetime) -> list[dt.datetime]:
    return [last - dt.timedelta(seconds=10 * i) for i in range(count)][::-1]


def test_pin_attempts_lock_after_max_failures() -> None:
    policy = keys.PinAttempts(max_failures=5, lockout=dt.timedelta(minutes=5), block_after=10)
    policy.check(_failures(4, NOW), NOW)
    with pytest.raises(PinLocked) as locked:
        policy.check(_failures(5, NOW), NOW + dt.timedelta(seconds=1))
    assert locked.value.retry_after == 299
    assert locked.value.status == 429
    policy.check(_failures(5, NOW), NOW + dt.timedelta(minutes=5))


def test_pin_attempts_escalate_then_block() -> None:
    policy = keys.PinAttempts(max_failures=3, lockout=dt.timedelta(minutes=1), block_after=6)
    assert policy.locked_until(_failures(3, NOW)) == NOW + dt.timedelta(minutes=1)
    assert policy.locked_until(_failures(5, NOW)) == NOW + dt.timedelta(minutes=4)
    assert policy.remaining_before_block(_failures(5, NOW)) == 1
    with pytest.raises(PinBlocked):
        policy.check(_failures(6, NOW), NOW + dt.timedelta(days=365))


def test_pin_attempts_lockout_is_capped() -> None:
    policy = keys.PinAttempts(max_failures=1, max_lockout=dt.timedelta(hours=1), block_after=None)
    assert policy.locked_until(_failures(40, NOW)) == NOW + dt.timedelta(hours=1)
    assert policy.remaining_before_block(_failures(40, NOW)) is None


def test_ca_key_passphrase_round_trip(env: Pki) -> None:
    key = env.issuing.private_key
    blob = keys.encrypt_ca_key(key, "một câu mật khẩu đủ dài", rounds=FAST)
    assert _raw(keys.decrypt_ca_key(blob, "một câu mật khẩu đủ dài")) == _raw(key)
    with pytest.raises(PinError):
        keys.decrypt_ca_key(blob, "một câu mật khẩu đủ dài!")
    with pytest.raises(WeakPassphrase):
        keys.encrypt_ca_key(key, "short", rounds=FAST)
