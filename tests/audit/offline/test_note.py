"""Signed notes and checkpoints: key formats, known answers from Go's note package, forgeries.

The PeterNeumann key, text and signature are the documented example of golang.org/x/mod/sumdb/note.
"""

from __future__ import annotations

import base64
import hashlib

import pytest

from audit.errors import CheckpointError, KeyFormatError
from audit.offline.merkle import EMPTY_ROOT, leaf_hash
from audit.offline.note import (
    Checkpoint,
    generate_signer_key,
    key_id,
    open_note,
    parse_checkpoint,
    parse_signer_key,
    parse_verifier_key,
    sign_checkpoint,
    sign_note,
    split_note,
    verify_checkpoint,
)

GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_SIG = (
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
)
GO_NOTE = GO_TEXT + "\n\u2014 PeterNeumann " + GO_SIG + "\n"
# transparency-dev/formats test key whose base64 part contains '+'.
PLUS_VKEY = "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6"

ORIGIN = "example.gov.vn/vanthu/log"
ROOT = leaf_hash(b"some root")


def test_key_id_by_hand() -> None:
    """key ID = SHA-256(name || 0x0A || 0x01 || pub)[:4], computed here without audit.note."""
    raw = base64.b64decode(GO_VKEY.split("+", 2)[2])
    assert raw[0] == 0x01
    by_hand = hashlib.sha256(b"PeterNeumann" + b"\n" + b"\x01" + raw[1:]).digest()[:4]
    assert by_hand.hex() == "c74f20a3"
    assert key_id("PeterNeumann", raw[1:]) == by_hand


def test_go_known_answer_sign_and_open() -> None:
    signer = parse_signer_key(GO_SKEY)
    assert signer.key_id.hex() == "c74f20a3"
    assert signer.verifier.key_string() == GO_VKEY
    assert signer.key_string() == GO_SKEY
    assert sign_note(GO_TEXT, signer) == GO_NOTE  # Ed25519 is deterministic
    assert open_note(GO_NOTE, parse_verifier_key(GO_VKEY)) == GO_TEXT


def test_signer_repr_hides_the_secret() -> None:
    signer = parse_signer_key(GO_SKEY)
    assert "AYEK" not in repr(signer) and "AYEK" not in str(signer)


def test_vkey_splits_on_first_two_plus_only() -> None:
    verifier = parse_verifier_key(PLUS_VKEY)
    assert verifier.name == "TEST"
    assert verifier.key_id.hex() == "7997405c"
    assert verifier.key_string() == PLUS_VKEY


@pytest.mark.parametrize(
    "vkey",
    [
        "",
        "PeterNeumann",
        "PeterNeumann+c74f20a3",
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
        "PeterNeumann+c74f20a3+Apc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+!!!!",
    ],
)
def test_bad_verifier_keys(vkey: str) -> None:
    with pytest.raises(KeyFormatError):
        parse_verifier_key(vkey)


def test_bad_signer_keys() -> None:
    with pytest.raises(KeyFormatError):
        parse_signer_key(GO_VKEY)
    with pytest.raises(KeyFormatError):
        parse_signer_key(GO_SKEY.replace("c74f20a3", "c74f20a4"))
    with pytest.raises(KeyFormatError):
        generate_signer_key("has space")
    with pytest.raises(KeyFormatError):
        generate_signer_key("has+plus")


def test_checkpoint_round_trip() -> None:
    skey, vkey = generate_signer_key(ORIGIN)
    assert skey.startswith(f"PRIVATE+KEY+{ORIGIN}+")
    note = sign_checkpoint(skey, ORIGIN, 42, ROOT)
    text, sigs = split_note(note)
    assert text == f"{ORIGIN}\n42\n{base64.b64encode(ROOT).decode()}\n"
    assert note.startswith(text + "\n\u2014 " + ORIGIN + " ")
    assert len(sigs) == 1 and len(sigs[0].signature) == 64
    checkpoint = verify_checkpoint(note, vkey, origin=ORIGIN)
    assert checkpoint == Checkpoint(ORIGIN, 42, ROOT)
    assert verify_checkpoint(note.encode(), parse_verifier_key(vkey)).size == 42


def test_empty_tree_checkpoint() -> None:
    skey, vkey = generate_signer_key(ORIGIN)
    assert verify_checkpoint(sign_checkpoint(skey, ORIGIN, 0, EMPTY_ROOT), vkey).size == 0


def test_every_changed_byte_is_caught() -> None:
    skey, vkey = generate_signer_key(ORIGIN)
    note = sign_checkpoint(skey, ORIGIN, 7, ROOT).encode()
    for i in range(len(note)):
        for bit in (0x01, 0x20):
            forged = bytearray(note)
            forged[i] ^= bit
            with pytest.raises(CheckpointError):
                verify_checkpoint(bytes(forged), vkey)


def test_wrong_key_and_wrong_origin() -> None:
    skey, vkey = generate_signer_key(ORIGIN)
    _, other_vkey = generate_signer_key(ORIGIN)  # same name, other key: different key ID
    _, other_name_vkey = generate_signer_key("other.example/log")
    note = sign_checkpoint(skey, ORIGIN, 3, ROOT)
    with pytest.raises(CheckpointError, match="not signed by key"):
        verify_checkpoint(note, other_vkey)
    with pytest.raises(CheckpointError, match="not signed by key"):
        verify_checkpoint(note, other_name_vkey)
    with pytest.raises(CheckpointError, match="expected"):
        verify_checkpoint(note, vkey, origin="another.gov.vn/log")


def test_same_name_and_id_but_wrong_key_is_rejected() -> None:
    """A signature line claiming our name and key ID must verify, or the note is refused."""
    skey, vkey = generate_signer_key(ORIGIN)
    impostor = parse_signer_key(generate_signer_key(ORIGIN)[0])
    real = parse_signer_key(skey)
    text = Checkpoint(ORIGIN, 3, ROOT).text()
    forged_sig = base64.b64encode(real.key_id + impostor.sign(text.encode())).decode()
    note = text + f"\n\u2014 {ORIGIN} {forged_sig}\n"
    with pytest.raises(CheckpointError, match="does not verify"):
        verify_checkpoint(note, vkey)


def test_several_signatures() -> None:
    skey, vkey = generate_signer_key(ORIGIN)
    witness = parse_signer_key(generate_signer_key("witness.example")[0])
    text = Checkpoint(ORIGIN, 9, ROOT).text()
    note = sign_note(text, witness, parse_signer_key(skey))
    assert len(split_note(note)[1]) == 2
    assert verify_checkpoint(note, vkey).size == 9
    assert verify_checkpoint(note, witness.verifier).size == 9
    # An unknown key's bad signature is ignored, as C2SP requires.
    junk = base64.b64encode(b"\x01\x02\x03\x04" + b"\x00" * 64).decode()
    assert verify_checkpoint(note + f"\u2014 unknown.example {junk}\n", vkey).size == 9


@pytest.mark.parametrize(
    "note",
    [
        "a\n1\nAAAA\n",  # no signature block
        "a\n1\n\n\u2014 k AAAA",  # no final newline
        "a\n1\n\n- k AAAAAAAAAAAAAAAAAAAAAAAA\n",  # hyphen, not em dash
        "a\n1\n\n\u2014 kAAAAAAAAA\n",  # no space
        "a\n1\n\n\u2014 k A$AA\n",  # not base64
        "a\n1\n\n\u2014 k AAAA\n",  # too short
        "a\x07\n1\n\n\u2014 k AAAAAAAAAAAAAAAA\n",  # control character
        "a\n1\n\n\n",  # blank signature block
    ],
)
def test_malformed_notes(note: str) -> None:
    _, vkey = generate_signer_key("k")
    with pytest.raises(CheckpointError):
        open_note(note, parse_verifier_key(vkey))


def test_too_many_signatures() -> None:
    skey, vkey = generate_signer_key(ORIGIN)
    note = sign_checkpoint(skey, ORIGIN, 1, ROOT)
    junk = base64.b64encode(b"\x01\x02\x03\x04" + b"\x00" * 64).decode()
    with pytest.raises(CheckpointError, match="more than"):
        verify_checkpoint(note + f"\u2014 x {junk}\n" * 100, vkey)


@pytest.mark.parametrize(
    "text",
    [
        "origin\n042\n" + base64.b64encode(ROOT).decode() + "\n",
        "origin\n-1\n" + base64.b64encode(ROOT).decode() + "\n",
        "origin\n 1\n" + base64.b64encode(ROOT).decode() + "\n",
        "origin\n1\n" + base64.b64encode(ROOT[:31]).decode() + "\n",
        "origin\n1\n" + base64.b64encode(ROOT).decode().rstrip("=") + "\n",
        "origin\n1\n",
        "\n1\n" + base64.b64encode(ROOT).decode() + "\n",
        "origin\n1\n" + base64.b64encode(ROOT).decode() + "\n\n",
        "origin\n1\n" + base64.b64encode(ROOT).decode(),
    ],
)
def test_malformed_checkpoint_text(text: str) -> None:
    with pytest.raises(CheckpointError):
        parse_checkpoint(text)


def test_extension_lines_are_kept() -> None:
    text = f"o\n5\n{base64.b64encode(ROOT).decode()}\next one\n"
    assert parse_checkpoint(text).extensions == ("ext one",)
    assert parse_checkpoint(text).text() == text
