"""C2SP signed notes and tlog-checkpoints with Ed25519: keys, signing, parsing and verification.

A checkpoint is the log's signed promise of (origin, size, root); auditors trust roots through it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import unicodedata
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from audit.errors import CheckpointError, KeyFormatError
from audit.offline.merkle import HASH_SIZE

ALG_ED25519 = 0x01
SIG_PREFIX = "\u2014 "  # em dash, space
MAX_SIGNATURES = 100
MAX_NOTE_BYTES = 1 << 16
_PRIVATE_PREFIX = "PRIVATE+KEY+"


def b64(data: bytes) -> str:
    """Standard base64 with padding, as every C2SP format uses."""
    return base64.b64encode(data).decode("ascii")


def unb64(text: str, what: str) -> bytes:
    """Strict base64 decoding: no stray characters, padding required, canonical spelling."""
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise CheckpointError(f"{what} is not base64") from None
    if b64(data) != text:
        raise CheckpointError(f"{what} is not in canonical base64")
    return data


def check_key_name(name: str) -> None:
    """Key names are non-empty, with no Unicode space nor '+', so key strings split cleanly."""
    if not name or "+" in name or any(c.isspace() or unicodedata.category(c) == "Zs" for c in name):
        raise KeyFormatError(f"invalid key name {name!r}: non-empty, no spaces, no '+'")
    if any(ord(c) < 0x20 or c == "\x7f" for c in name):
        raise KeyFormatError("key names hold no control characters")


def key_id(name: str, public_key: bytes) -> bytes:
    """Ed25519 key ID: first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key)."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()[:4]


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class Verifier:
    """A trusted log key: checks signatures made by the matching Signer."""

    name: str
    key_id: bytes
    public_key: bytes

    def key_string(self) -> str:
        """The ``name+hex(keyid)+base64(0x01||pub)`` string published as ``log.vkey``."""
        return f"{self.name}+{self.key_id.hex()}+{b64(bytes([ALG_ED25519]) + self.public_key)}"

    def __str__(self) -> str:
        return self.key_string()

    def verify(self, message: bytes, signature: bytes) -> bool:
        """True when the Ed25519 signature over ``message`` is valid (used inside note checks)."""
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Signer:
    """The log's private key; kept out of reprs so it does not end up in logs."""

    name: str
    key_id: bytes
    seed: bytes

    def __repr__(self) -> str:
        return f"Signer(name={self.name!r}, key_id={self.key_id.hex()})"

    @property
    def verifier(self) -> Verifier:
        """The public half, for publishing as ``log.vkey``."""
        pub = _raw_public(Ed25519PrivateKey.from_private_bytes(self.seed).public_key())
        return Verifier(self.name, self.key_id, pub)

    def sign(self, message: bytes) -> bytes:
        """Ed25519 signature over ``message``."""
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)

    def key_string(self) -> str:
        """The secret ``PRIVATE+KEY+name+hexid+base64(0x01||seed)`` string of Go's note package.

        A method rather than ``__str__`` so that formatting a Signer never prints the secret.
        """
        key64 = b64(bytes([ALG_ED25519]) + self.seed)
        return f"{_PRIVATE_PREFIX}{self.name}+{self.key_id.hex()}+{key64}"


def _split_key(rest: str, what: str) -> tuple[str, bytes, bytes]:
    """Split ``name+hexid+base64(0x01||key)`` on its first two '+' only: base64 may contain '+'."""
    parts = rest.split("+", 2)
    if len(parts) != 3:
        raise KeyFormatError(f"{what} is not name+keyid+key")
    name, hex_id, key64 = parts
    check_key_name(name)
    if len(hex_id) != 8 or hex_id != hex_id.lower():
        raise KeyFormatError(f"{what} key ID must be 8 lowercase hex digits")
    try:
        kid = bytes.fromhex(hex_id)
        raw = unb64(key64, f"{what} key")
    except (ValueError, CheckpointError):
        raise KeyFormatError(f"{what} is not name+hexid+base64 key") from None
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise KeyFormatError(f"{what} is not an Ed25519 (type 0x01) key")
    return name, kid, raw[1:]


def parse_verifier_key(vkey: str) -> Verifier:
    """Parse ``name+hex(keyid)+base64(0x01||pub)``; the key ID must match the name and key."""
    name, kid, pub = _split_key(vkey.strip(), "verifier key")
    try:
        Ed25519PublicKey.from_public_bytes(pub)
    except ValueError:
        raise KeyFormatError("verifier key is not a valid Ed25519 public key") from None
    if kid != key_id(name, pub):
        raise KeyFormatError("verifier key ID does not match its name and public key")
    return Verifier(name, kid, pub)


def parse_signer_key(skey: str) -> Signer:
    """Parse a ``PRIVATE+KEY+name+hexid+base64(0x01||seed)`` string (Go note package format)."""
    skey = skey.strip()
    if not skey.startswith(_PRIVATE_PREFIX):
        raise KeyFormatError("signer key must start with PRIVATE+KEY+")
    name, kid, seed = _split_key(skey[len(_PRIVATE_PREFIX) :], "signer key")
    signer = Signer(name, kid, seed)
    if kid != key_id(name, signer.verifier.public_key):
        raise KeyFormatError("signer key ID does not match its name and key")
    return signer


def generate_signer_key(name: str) -> tuple[str, str]:
    """A fresh Ed25519 log key as (signer key string, verifier key string)."""
    check_key_name(name)
    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes_raw()
    signer = Signer(name, key_id(name, _raw_public(private.public_key())), seed)
    return signer.key_string(), signer.verifier.key_string()


def _check_note_chars(text: str, what: str) -> None:
    for c in text:
        if c < " " and c != "\n":
            raise CheckpointError(f"{what} holds control character U+{ord(c):04X}")


def sign_note(text: str, *signers: Signer) -> str:
    """Sign ``text`` (which must end in a newline) with each signer, in order."""
    if not signers:
        raise ValueError("at least one signer is needed")
    if not text.endswith("\n"):
        raise CheckpointError("note text must end with a newline")
    _check_note_chars(text, "note text")
    message = text.encode("utf-8")
    lines = [f"{SIG_PREFIX}{s.name} {b64(s.key_id + s.sign(message))}\n" for s in signers]
    return text + "\n" + "".join(lines)


@dataclass(frozen=True)
class NoteSignature:
    """One signature line of a note."""

    name: str
    key_id: bytes
    signature: bytes


def split_note(note: str | bytes) -> tuple[str, list[NoteSignature]]:
    """Split a note into its text and signature lines without verifying anything."""
    if isinstance(note, bytes):
        if len(note) > MAX_NOTE_BYTES:
            raise CheckpointError("note is too large")
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError:
            raise CheckpointError("note is not UTF-8") from None
    if len(note) > MAX_NOTE_BYTES:
        raise CheckpointError("note is too large")
    _check_note_chars(note, "note")
    if not note.endswith("\n"):
        raise CheckpointError("note does not end with a newline")
    cut = note.rfind("\n\n")
    if cut < 0:
        raise CheckpointError("note has no blank line before its signatures")
    text, block = note[: cut + 1], note[cut + 2 :]
    sig_lines = block.split("\n")[:-1]
    if not sig_lines:
        raise CheckpointError("note has no signature")
    if len(sig_lines) > MAX_SIGNATURES:
        raise CheckpointError(f"note has more than {MAX_SIGNATURES} signatures")
    sigs = []
    for line in sig_lines:
        if not line.startswith(SIG_PREFIX):
            raise CheckpointError("malformed signature line (expected '\u2014 name signature')")
        name, sep, sig64 = line[len(SIG_PREFIX) :].partition(" ")
        if not sep:
            raise CheckpointError("malformed signature line (no space before the signature)")
        try:
            check_key_name(name)
        except KeyFormatError as e:
            raise CheckpointError(f"malformed signature line: {e.message}") from None
        raw = unb64(sig64, "signature")
        if len(raw) < 5:
            raise CheckpointError("signature is too short")
        sigs.append(NoteSignature(name, raw[:4], raw[4:]))
    return text, sigs


def open_note(note: str | bytes, verifier: Verifier) -> str:
    """Return the note's text once a signature by ``verifier`` checks out; else CheckpointError.

    Signatures by other keys are ignored, as C2SP requires; a bad one by our key rejects the note.
    """
    text, sigs = split_note(note)
    message = text.encode("utf-8")
    ours = [s for s in sigs if s.name == verifier.name and s.key_id == verifier.key_id]
    if not ours:
        raise CheckpointError(f"note is not signed by key {verifier.name}+{verifier.key_id.hex()}")
    for sig in ours:
        if not verifier.verify(message, sig.signature):
            raise CheckpointError(f"signature by {verifier.name} does not verify: note was altered")
    return text


@dataclass(frozen=True)
class Checkpoint:
    """The signed tree head: the log ``origin`` had ``size`` leaves with Merkle ``root``."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        """The note text that gets signed."""
        lines = [self.origin, str(self.size), b64(self.root), *self.extensions]
        return "".join(line + "\n" for line in lines)


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse checkpoint note text (C2SP tlog-checkpoint); raises CheckpointError when malformed."""
    if not text.endswith("\n"):
        raise CheckpointError("checkpoint text must end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointError("checkpoint needs origin, size and root lines")
    origin, size_text, root64, *extensions = lines
    if not origin:
        raise CheckpointError("checkpoint origin is empty")
    if not size_text.isascii() or not size_text.isdigit() or size_text != str(int(size_text)):
        raise CheckpointError(f"checkpoint size {size_text!r} is not a plain decimal number")
    root = unb64(root64, "checkpoint root")
    if len(root) != HASH_SIZE:
        raise CheckpointError(f"checkpoint root is {len(root)} bytes, not {HASH_SIZE}")
    if any(not line for line in extensions):
        raise CheckpointError("checkpoint has an empty extension line")
    return Checkpoint(origin, int(size_text), root, tuple(extensions))


def sign_checkpoint(signer: Signer | str, origin: str, size: int, root: bytes) -> str:
    """The signed checkpoint note for the log ``origin`` at ``size`` with ``root``."""
    if isinstance(signer, str):
        signer = parse_signer_key(signer)
    if size < 0:
        raise ValueError("size must not be negative")
    if len(root) != HASH_SIZE:
        raise ValueError("root is a 32-byte hash")
    if not origin or "\n" in origin:
        raise ValueError("origin is one non-empty line")
    return sign_note(Checkpoint(origin, size, root).text(), signer)


def verify_checkpoint(
    note: str | bytes, verifier: Verifier | str, origin: str | None = None
) -> Checkpoint:
    """Verify a checkpoint note's signature and return its contents; else raise CheckpointError.

    Pass ``origin`` to also refuse a checkpoint of another log signed with the same key.
    """
    if isinstance(verifier, str):
        verifier = parse_verifier_key(verifier)
    checkpoint = parse_checkpoint(open_note(note, verifier))
    if origin is not None and checkpoint.origin != origin:
        raise CheckpointError(f"checkpoint is for log {checkpoint.origin!r}, expected {origin!r}")
    return checkpoint
