"""The verification bundle, a zip an outside auditor checks offline, and ``vanthu verify``.

It holds document.<ext>, official.p7s, seal.p7s, chain.pem, crl.der and manifest.json. Every
member name is ASCII, so a bundle unpacked and packed again with any zip tool (Info-ZIP's `zip`
stores names in the local code page unless told otherwise) still verifies; the document's own
name, Vietnamese letters and all, is kept in the manifest. Bundles of version 1, whose document
member carried that name, are still read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shlex
import sys
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from core.errors import BadInput
from signing.crypto.pki import (
    chain_to_pem,
    fingerprint_sha256,
    is_self_signed,
    load_pem_chain,
    name_text,
)
from signing.crypto.reports import DocumentReport, Status
from signing.crypto.verification import Verifier, describe_unverified
from signing.crypto.verify_args import parse_verify_args, read_trust_roots
from signing.errors import BundleError, VerificationError

OFFICIAL = "official.p7s"
SEAL = "seal.p7s"
CHAIN = "chain.pem"
CRL = "crl.der"
MANIFEST = "manifest.json"
FORMAT = "vanthu-verification-bundle"
VERSION = 2
DOCUMENT_STEM = "document"
MAX_MEMBERS = 16
MAX_MEMBER_SIZE = 256 * 1024 * 1024
MAX_TOTAL_SIZE = 512 * 1024 * 1024

_FIXED = (OFFICIAL, SEAL, CHAIN, CRL)
_RESERVED = {name.lower() for name in (*_FIXED, MANIFEST)}
_WINDOWS_DEVICES = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)$", re.IGNORECASE)
_UNSAFE = re.compile(r'[<>:"|?*/\\]')
_ASCII_EXTENSION = re.compile(r"^[a-z0-9]{1,16}$")


def sanitize_filename(name: str) -> str:
    """A safe member name: base name only, no control or bidi characters, never a reserved name.

    Keeps Vietnamese letters (NFC) so the auditor sees the document's real name.
    """
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in base if not unicodedata.category(ch).startswith("C"))
    text = _UNSAFE.sub("_", text).strip().strip(".").strip()
    stem, dot, ext = text.rpartition(".")
    if not dot:
        stem, ext = text, ""
    suffix = f".{ext[:16]}" if ext else ""
    while len((stem + suffix).encode("utf-8")) > 180:
        stem = stem[:-1]
    if not stem or _WINDOWS_DEVICES.match(stem) or (stem + suffix).lower() in _RESERVED:
        stem = f"document-{stem}" if stem else "document"
    return stem + suffix


def document_member(filename: str) -> str:
    """The document's member name: ``document`` and the file's extension if that is plain ASCII."""
    stem, dot, ext = sanitize_filename(filename).rpartition(".")
    ext = ext.lower()
    if dot and stem and _ASCII_EXTENSION.match(ext):
        return f"{DOCUMENT_STEM}.{ext}"
    return DOCUMENT_STEM


def _clean(text: object) -> str:
    """Escape control and bidi characters: a hostile bundle must not drive the terminal."""
    return "".join(
        ch if not unicodedata.category(ch).startswith("C") else f"\\u{ord(ch):04x}"
        for ch in str(text)
    )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _member(name: str, data: bytes, when: dt.datetime) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info, data


def build_bundle(
    document: bytes,
    filename: str,
    official_p7s: bytes,
    seal_p7s: bytes,
    chain: Sequence[x509.Certificate],
    crl: x509.CertificateRevocationList,
    metadata: Mapping[str, Any] | None = None,
    *,
    created: dt.datetime | None = None,
) -> bytes:
    """Zip everything an auditor needs; ``chain`` is the issuing CA then the root.

    ``metadata`` (number/symbol, subject, ...) must be JSON-serialisable; it is recorded as given.
    """
    when = (created or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    original = sanitize_filename(filename)
    name = document_member(filename)
    files = {
        name: bytes(document),
        OFFICIAL: bytes(official_p7s),
        SEAL: bytes(seal_p7s),
        CHAIN: chain_to_pem(chain),
        CRL: crl.public_bytes(Encoding.DER),
    }
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created": when.isoformat(),
        "document": {
            "file": name,
            "name": original,
            "sha256": _sha256(document),
            "size": len(document),
        },
        "files": {member: _sha256(data) for member, data in files.items()},
        "metadata": dict(metadata or {}),
        "signers": {
            "official": describe_unverified(official_p7s),
            "seal": describe_unverified(seal_p7s),
        },
        "check_with": _openssl_hint(name),
    }
    try:
        manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise BadInput("The bundle metadata must be JSON-serialisable.") from exc
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for member, data in [*files.items(), (MANIFEST, manifest_bytes)]:
            archive.writestr(*_member(member, data, when))
    return out.getvalue()


def _openssl_hint(name: str) -> str:
    return (
        f"openssl cms -verify -binary -inform DER -in {OFFICIAL} -content {shlex.quote(name)} "
        f"-CAfile {CHAIN} -purpose any -out /dev/null (and the same for {SEAL})"
    )


@dataclass(frozen=True)
class _Bundle:
    """A bundle read and structurally checked, not yet verified."""

    files: dict[str, bytes]
    manifest: dict[str, Any]
    #: The document's member in the zip.
    document_name: str
    chain: list[x509.Certificate]
    crl: x509.CertificateRevocationList

    @property
    def original_name(self) -> str:
        """The document's own file name as the manifest records it (the member name before v2)."""
        name = self.manifest["document"].get("name")
        return name if isinstance(name, str) and name else self.document_name


def _read_members(source: bytes | str | os.PathLike[str]) -> dict[str, bytes]:
    """Read every member with bounds, refusing duplicates and oversized or corrupt entries."""
    handle: IO[bytes] | str | os.PathLike[str]
    handle = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    try:
        with zipfile.ZipFile(handle) as archive:
            infos = archive.infolist()
            names = [info.filename for info in infos]
            if len(infos) > MAX_MEMBERS or len(set(names)) != len(names):
                raise BundleError("The bundle has too many or duplicate entries.")
            if sum(info.file_size for info in infos) > MAX_TOTAL_SIZE:
                raise BundleError("The bundle is too large.")
            files: dict[str, bytes] = {}
            for info in infos:
                if info.file_size > MAX_MEMBER_SIZE:
                    raise BundleError(f"{_clean(info.filename)} is too large.")
                with archive.open(info) as member:
                    data = member.read(MAX_MEMBER_SIZE + 1)
                if len(data) > MAX_MEMBER_SIZE:
                    raise BundleError(f"{_clean(info.filename)} is too large.")
                files[info.filename] = data
            return files
    except FileNotFoundError as exc:
        raise BundleError("The bundle file does not exist.") from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise BundleError("The bundle is not a readable zip file.") from exc
    except (RuntimeError, NotImplementedError, ValueError) as exc:  # encrypted, odd compression
        raise BundleError("The bundle uses zip features that are not supported.") from exc


def _load_manifest(files: Mapping[str, bytes]) -> tuple[dict[str, Any], str]:
    if MANIFEST not in files:
        raise BundleError(f"The bundle has no {MANIFEST}.")
    try:
        manifest = json.loads(files[MANIFEST].decode("utf-8"))
        name = manifest["document"]["file"]
        listed = manifest["files"]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise BundleError(f"{MANIFEST} is not a valid manifest.") from exc
    if manifest.get("format") != FORMAT or not isinstance(listed, dict):
        raise BundleError(f"{MANIFEST} is not a VanThu bundle manifest.")
    if not isinstance(name, str) or name != sanitize_filename(name):
        raise BundleError(f"{MANIFEST} names an unsafe document file.")
    original = manifest["document"].get("name", name)
    if not isinstance(original, str) or original != sanitize_filename(original):
        raise BundleError(f"{MANIFEST} gives an unsafe document name.")
    for member in (name, *_FIXED):
        if member not in listed:
            raise BundleError(f"{MANIFEST} does not list {member}.")
    return manifest, name


def _open(source: bytes | str | os.PathLike[str]) -> _Bundle:
    files = _read_members(source)
    manifest, name = _load_manifest(files)
    missing = [member for member in (*manifest["files"], name) if member not in files]
    if missing:
        raise BundleError(f"The bundle is missing {', '.join(sorted(set(missing)))}.")
    try:
        chain = load_pem_chain(files[CHAIN])
    except ValueError as exc:
        raise BundleError(f"{CHAIN} holds no readable certificate.") from exc
    try:
        crl = x509.load_der_x509_crl(files[CRL])
    except ValueError as exc:
        raise BundleError(f"{CRL} is not a DER CRL.") from exc
    return _Bundle(files, manifest, name, chain, crl)


def _roots(
    bundle: _Bundle, trust_roots: Sequence[x509.Certificate] | None
) -> list[x509.Certificate]:
    if trust_roots:
        return list(trust_roots)
    roots = [cert for cert in bundle.chain if is_self_signed(cert)]
    if not roots:
        raise BundleError(f"{CHAIN} has no self-signed root; give the root with --trust-root.")
    return roots


def _problems(bundle: _Bundle) -> list[str]:
    """Manifest hashes are not signed: a mismatch proves tampering, a match proves nothing."""
    problems = []
    for member, digest in bundle.manifest["files"].items():
        if not isinstance(digest, str) or _sha256(bundle.files[member]) != digest.lower():
            problems.append(f"{member}: SHA-256 differs from the manifest.")
    for member in sorted(set(bundle.files) - set(bundle.manifest["files"]) - {MANIFEST}):
        problems.append(f"{member}: not listed in the manifest.")
    return problems


def _verify_open(
    bundle: _Bundle,
    roots: Sequence[x509.Certificate],
    now: dt.datetime | None,
) -> DocumentReport:
    problems = tuple(_problems(bundle))
    verifier = Verifier(roots, [c for c in bundle.chain if not is_self_signed(c)], [bundle.crl])
    files = bundle.files
    try:
        report = verifier.verify_document(
            files[bundle.document_name], files[OFFICIAL], files[SEAL], now=now
        )
    except VerificationError as exc:
        if problems and isinstance(exc.report, DocumentReport):
            raise VerificationError(replace(exc.report, problems=problems)) from exc
        raise
    if problems:
        raise VerificationError(replace(report, problems=problems))
    return report


def verify_bundle(
    source: bytes | str | os.PathLike[str],
    *,
    trust_roots: Sequence[x509.Certificate] | None = None,
    now: dt.datetime | None = None,
) -> DocumentReport:
    """Verify a bundle; raise ``BundleError`` if unusable, ``VerificationError`` if invalid.

    Without ``trust_roots`` the self-signed root inside chain.pem is trusted: the caller must
    then compare its fingerprint (in the report) with the organisation's published one.
    """
    bundle = _open(source)
    return _verify_open(bundle, _roots(bundle, trust_roots), now)


def _load_trust_roots(path: Path | None) -> list[x509.Certificate] | None:
    try:
        return read_trust_roots(path)
    except ValueError as exc:
        raise BundleError(str(exc)) from exc


def main(argv: Sequence[str] | None = None, out: IO[str] | None = None) -> int:
    """``vanthu verify BUNDLE.zip [--json] [--trust-root ROOT.pem]``; returns the exit status."""
    stream = out or sys.stdout
    args = parse_verify_args(sys.argv[1:] if argv is None else argv)
    if isinstance(args, int):
        return args
    try:
        given = _load_trust_roots(args.trust_root)
        bundle = _open(args.file)
        roots = _roots(bundle, given)
    except BundleError as exc:
        _print_unusable(stream, exc, as_json=args.json)
        return 2
    try:
        report = _verify_open(bundle, roots, None)
        code = 0
    except VerificationError as exc:
        if not isinstance(exc.report, DocumentReport):
            raise
        report, code = exc.report, 1
    view = _View(bundle, roots, given is not None, report, code)
    stream.write(view.json() if args.json else view.text())
    return code


def _print_unusable(stream: IO[str], exc: BundleError, *, as_json: bool) -> None:
    if as_json:
        body = {"result": "unusable", "exit_code": 2, "error": exc.code, "message": exc.message}
        stream.write(json.dumps(body, ensure_ascii=False) + "\n")
    else:
        stream.write(f"UNUSABLE INPUT: {_clean(exc.message)}\n")


@dataclass(frozen=True)
class _View:
    """Renders a checked bundle for the auditor, as text or JSON."""

    bundle: _Bundle
    roots: Sequence[x509.Certificate]
    roots_given: bool
    report: DocumentReport
    code: int

    def anchors(self) -> list[dict[str, str]]:
        return [
            {"subject": name_text(root.subject), "sha256": fingerprint_sha256(root)}
            for root in self.roots
        ]

    def json(self) -> str:
        body = {
            "result": "valid" if self.code == 0 else "invalid",
            "exit_code": self.code,
            "document": {"file": self.bundle.document_name, "name": self.bundle.original_name},
            "metadata": self.bundle.manifest.get("metadata", {}),
            "trust_anchor": {
                "source": "trust-root" if self.roots_given else "bundle",
                "roots": self.anchors(),
            },
            "report": self.report.to_dict(),
        }
        return json.dumps(body, ensure_ascii=False) + "\n"

    def text(self) -> str:
        """Every value that came from the bundle goes through ``_clean``."""
        report = self.report
        lines = [
            f"Document: {_clean(self.bundle.original_name)}",
            f"SHA-256:  {report.document_sha256}",
        ]
        metadata = self.bundle.manifest.get("metadata", {})
        if isinstance(metadata, dict):
            lines += [
                f"{_clean(key)}: {_clean(value)}"
                for key, value in metadata.items()
                if _scalar(value)
            ]
        lines.append("")
        for result in (report.official, report.seal):
            lines.append(_clean(result.summary()))
            if result.signer:
                lines.append(f"    certificate: {_clean(result.signer)}")
            lines += [f"    warning: {_clean(warning)}" for warning in result.warnings]
        lines += [f"Problem: {_clean(problem)}" for problem in report.problems]
        lines.append("")
        source = "given with --trust-root" if self.roots_given else "TAKEN FROM THE BUNDLE"
        lines.append(f"Trust anchor ({source}):")
        for anchor in self.anchors():
            lines += [f"    {_clean(anchor['subject'])}", f"    SHA-256 {anchor['sha256']}"]
        if not self.roots_given:
            lines.append(
                "    Compare this fingerprint with the one your organisation publishes; "
                "the result means nothing if they differ."
            )
        verdict = "VALID" if report.status is Status.TOTAL_PASSED else "INVALID"
        lines += ["", f"RESULT: {verdict} ({report.status.value})", ""]
        return "\n".join(lines)


def _scalar(value: object) -> bool:
    return isinstance(value, str | int | float | bool)
