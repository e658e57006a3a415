"""Tests of signing.crypto.bundle: building, verifying, and `vanthu verify`'s exit codes.

0 valid, 1 invalid (including a manifest hash mismatch), 2 unusable input (not a zip, missing file).
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from signing.crypto import bundle, pki
from signing.crypto.reports import Status, SubIndication
from signing.errors import BundleError, VerificationError
from tests.signing.signing_testkit import DOCUMENT, Pki, sign

NAME = "Quyết định 05-QĐ-UBND.pdf"
MEMBER = "document.pdf"
METADATA = {"number": "05/QĐ-UBND", "type": "Quyết định", "subject": "V/v thử nghiệm"}


@pytest.fixture(scope="module")
def good_zip(env: Pki, official_p7s: bytes, seal_p7s: bytes) -> bytes:
    return bundle.build_bundle(DOCUMENT, NAME, official_p7s, seal_p7s, env.chain, env.crl, METADATA)


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rezip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _run(tmp_path: Path, data: bytes, *extra: str) -> tuple[int, str]:
    path = tmp_path / "bundle.zip"
    path.write_bytes(data)
    out = io.StringIO()
    code = bundle.main([str(path), *extra], out=out)
    return code, out.getvalue()


def test_bundle_contents_and_manifest(good_zip: bytes, env: Pki) -> None:
    members = _members(good_zip)
    assert set(members) == {
        MEMBER,
        "official.p7s",
        "seal.p7s",
        "chain.pem",
        "crl.der",
        "manifest.json",
    }
    manifest = json.loads(members["manifest.json"])
    assert manifest["document"]["file"] == MEMBER
    assert manifest["metadata"] == METADATA
    for name, digest in manifest["files"].items():
        assert bundle._sha256(members[name]) == digest
    assert pki.load_pem_chain(members["chain.pem"]) == list(env.chain)
    assert "Nguyễn Văn An" in manifest["signers"]["official"]["subject"]


def test_bundle_files_pass_openssl(good_zip: bytes, tmp_path: Path, openssl: str) -> None:
    members = _members(good_zip)
    for name, data in members.items():
        (tmp_path / name).write_bytes(data)
    for p7s in ("official.p7s", "seal.p7s"):
        result = subprocess.run(
            [
                openssl, "cms", "-verify", "-binary", "-inform", "DER", "-in", str(tmp_path / p7s),
                "-content", str(tmp_path / MEMBER), "-CAfile", str(tmp_path / "chain.pem"),
                "-purpose", "any", "-out", "/dev/null",
            ],
            capture_output=True,
            text=True,
            check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr


def test_round_trip_exit_0_with_text_report(good_zip: bytes, tmp_path: Path, env: Pki) -> None:
    code, text = _run(tmp_path, good_zip)
    assert code == 0
    assert "RESULT: VALID" in text
    assert pki.fingerprint_sha256(env.root.certificate) in text
    assert "TAKEN FROM THE BUNDLE" in text
    assert "05/QĐ-UBND" in text


def test_json_output_parses(good_zip: bytes, tmp_path: Path, env: Pki) -> None:
    code, text = _run(tmp_path, good_zip, "--json")
    body = json.loads(text)
    assert code == body["exit_code"] == 0
    assert body["result"] == "valid"
    assert body["trust_anchor"]["source"] == "bundle"
    assert body["trust_anchor"]["roots"][0]["sha256"] == pki.fingerprint_sha256(
        env.root.certificate
    )
    assert [s["status"] for s in body["report"]["signatures"]] == ["TOTAL_PASSED"] * 2


def test_trust_root_option(good_zip: bytes, tmp_path: Path, env: Pki) -> None:
    mine = tmp_path / "root.pem"
    mine.write_bytes(pki.chain_to_pem([env.root.certificate]))
    assert _run(tmp_path, good_zip, "--trust-root", str(mine))[0] == 0
    other = tmp_path / "other.pem"
    other.write_bytes(pki.chain_to_pem([env.foreign_root.certificate]))
    code, text = _run(tmp_path, good_zip, "--trust-root", str(other), "--json")
    assert code == 1
    signatures = json.loads(text)["report"]["signatures"]
    assert {s["sub_indication"] for s in signatures} == {"NO_CERTIFICATE_CHAIN_FOUND"}
    assert _run(tmp_path, good_zip, "--trust-root", str(tmp_path / "missing.pem"))[0] == 2


def test_changed_document_byte_exit_1(good_zip: bytes, tmp_path: Path) -> None:
    members = _members(good_zip)
    changed = bytearray(members[MEMBER])
    changed[10] ^= 0x01
    members[MEMBER] = bytes(changed)
    code, text = _run(tmp_path, _rezip(members), "--json")
    assert code == 1
    body = json.loads(text)
    assert body["result"] == "invalid"
    assert {s["sub_indication"] for s in body["report"]["signatures"]} == {"HASH_FAILURE"}
    assert any(MEMBER in problem for problem in body["report"]["problems"])


def test_manifest_hash_mismatch_alone_is_invalid(good_zip: bytes, tmp_path: Path) -> None:
    members = _members(good_zip)
    members["chain.pem"] += b"\n"  # still parses, signatures still pass
    code, text = _run(tmp_path, _rezip(members), "--json")
    assert code == 1
    body = json.loads(text)
    assert body["report"]["problems"] == ["chain.pem: SHA-256 differs from the manifest."]
    with pytest.raises(VerificationError) as info:
        bundle.verify_bundle(_rezip(members))
    assert info.value.report.status is Status.TOTAL_FAILED


def test_unlisted_extra_file_is_invalid(good_zip: bytes, tmp_path: Path) -> None:
    members = _members(good_zip)
    members["readme.txt"] = b"trust me"
    assert _run(tmp_path, _rezip(members))[0] == 1


@pytest.mark.parametrize(
    "missing", ["seal.p7s", "official.p7s", "chain.pem", "crl.der", MEMBER, "manifest.json"]
)
def test_missing_file_exit_2(good_zip: bytes, tmp_path: Path, missing: str) -> None:
    members = _members(good_zip)
    del members[missing]
    code, text = _run(tmp_path, _rezip(members), "--json")
    assert code == 2
    assert json.loads(text)["result"] == "unusable"


@pytest.mark.parametrize(
    "payload",
    [b"", b"not a zip", b"PK\x03\x04" + b"\x00" * 30],
    ids=["empty", "text", "broken-zip"],
)
def test_not_a_zip_exit_2(tmp_path: Path, payload: bytes) -> None:
    code, text = _run(tmp_path, payload)
    assert code == 2
    assert text.startswith("UNUSABLE INPUT")


def test_nonexistent_path_and_bad_arguments_exit_2(tmp_path: Path) -> None:
    out = io.StringIO()
    assert bundle.main([str(tmp_path / "nope.zip")], out=out) == 2
    assert bundle.main([], out=out) == 2


def test_garbage_signature_in_bundle_is_invalid(good_zip: bytes, tmp_path: Path) -> None:
    members = _members(good_zip)
    members["seal.p7s"] = members["seal.p7s"][:50]
    manifest = json.loads(members["manifest.json"])
    manifest["files"]["seal.p7s"] = bundle._sha256(members["seal.p7s"])
    members["manifest.json"] = json.dumps(manifest).encode()
    with pytest.raises(VerificationError) as info:
        bundle.verify_bundle(_rezip(members))
    report = info.value.report
    assert report.seal.sub_indication is SubIndication.FORMAT_FAILURE  # type: ignore[union-attr]
    assert report.official.status is Status.TOTAL_PASSED  # type: ignore[union-attr]


def test_verify_bundle_from_path_and_bytes(good_zip: bytes, tmp_path: Path) -> None:
    path = tmp_path / "b.zip"
    path.write_bytes(good_zip)
    assert bundle.verify_bundle(path).status is Status.TOTAL_PASSED
    assert bundle.verify_bundle(good_zip).status is Status.TOTAL_PASSED
    with pytest.raises(BundleError):
        bundle.verify_bundle(b"junk")


def test_seal_signed_by_official_in_bundle(env: Pki, official_p7s: bytes, tmp_path: Path) -> None:
    data = bundle.build_bundle(
        DOCUMENT, NAME, official_p7s, sign(env.official2), env.chain, env.crl, METADATA
    )
    code, text = _run(tmp_path, data)
    assert code == 1
    assert "ROLE_MISMATCH" in text


def test_metadata_must_be_json(env: Pki, official_p7s: bytes, seal_p7s: bytes) -> None:
    with pytest.raises(Exception, match="JSON"):
        bundle.build_bundle(
            DOCUMENT, NAME, official_p7s, seal_p7s, env.chain, env.crl, {"when": object()}
        )


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\a\\Quyết định.pdf", "Quyết định.pdf"),
        ("Quye\u0302\u0301t.pdf", "Quyết.pdf"),
        ("official.p7s", "document-official.p7s"),
        ("MANIFEST.JSON", "document-MANIFEST.JSON"),
        ("CON.pdf", "document-CON.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("a\x00b\nc.pdf", "abc.pdf"),
        ('what?<>|*".pdf', "what______.pdf"),
        ("...", "document"),
        ("", "document"),
        (".bashrc", "bashrc"),
    ],
)
def test_sanitize_filename(raw: str, clean: str) -> None:
    assert bundle.sanitize_filename(raw) == clean


def test_sanitize_filename_bounds_length() -> None:
    name = bundle.sanitize_filename("đ" * 300 + ".pdf")
    assert name.endswith(".pdf") and len(name.encode("utf-8")) <= 180


def test_text_report_escapes_terminal_controls(
    env: Pki, official_p7s: bytes, tmp_path: Path
) -> None:
    hostile = {"number": "05\x1b[2J", "note": "x\nRESULT: VALID (forged)", "bidi": "a\u202eb"}
    data = bundle.build_bundle(
        DOCUMENT, NAME, official_p7s, sign(env.official2), env.chain, env.crl, hostile
    )
    code, text = _run(tmp_path, data)
    assert code == 1
    assert "\x1b" not in text and "\u202e" not in text
    assert [line for line in text.splitlines() if line.startswith("RESULT")] == [
        "RESULT: INVALID (TOTAL_FAILED)"
    ]
    assert "\\u001b[2J" in text


def test_member_names_are_ascii_and_the_original_name_is_in_the_manifest(
    good_zip: bytes,
) -> None:
    members = _members(good_zip)
    assert all(name.isascii() for name in members)
    assert "document.pdf" in members
    manifest = json.loads(members["manifest.json"])
    assert manifest["document"]["file"] == "document.pdf"
    assert manifest["document"]["name"] == NAME
    assert members["document.pdf"] == DOCUMENT


@pytest.mark.parametrize(
    ("original", "member"),
    [
        ("Quyết định.DOCX", "document.docx"),
        ("Tờ trình", "document"),
        ("báo cáo.tệp", "document"),
        ("official.p7s", "document.p7s"),
    ],
)
def test_document_member_name(original: str, member: str) -> None:
    assert bundle.document_member(original) == member


def test_unzip_and_rezip_with_info_zip_still_verifies(good_zip: bytes, tmp_path: Path) -> None:
    """An auditor unpacks the bundle with unzip, looks, and packs it again with zip."""
    zip_tool, unzip_tool = shutil.which("zip"), shutil.which("unzip")
    assert zip_tool and unzip_tool, "Info-ZIP zip and unzip are needed (.ci/run installs them)"
    (tmp_path / "in.zip").write_bytes(good_zip)
    work = tmp_path / "unpacked"
    subprocess.run(
        [unzip_tool, "-q", str(tmp_path / "in.zip"), "-d", str(work)], check=True, timeout=60
    )
    assert (work / "document.pdf").read_bytes() == DOCUMENT
    names = sorted(path.name for path in work.iterdir())
    subprocess.run(
        [zip_tool, "-q", "-X", str(tmp_path / "again.zip"), *names],
        cwd=work,
        check=True,
        timeout=60,
    )
    code, text = _run(tmp_path, (tmp_path / "again.zip").read_bytes())
    assert code == 0, text
    assert "RESULT: VALID" in text
    assert f"Document: {NAME}" in text


def test_old_bundle_with_the_original_name_as_member_still_verifies(
    env: Pki, official_p7s: bytes, seal_p7s: bytes, tmp_path: Path
) -> None:
    """Bundles exported before member names were ASCII (version 1) stay verifiable."""
    members = _members(
        bundle.build_bundle(DOCUMENT, NAME, official_p7s, seal_p7s, env.chain, env.crl, METADATA)
    )
    manifest = json.loads(members.pop("manifest.json"))
    members[NAME] = members.pop("document.pdf")
    files = manifest["files"]
    files[NAME] = files.pop("document.pdf")
    manifest["version"] = 1
    manifest["document"] = {
        "file": NAME,
        "sha256": manifest["document"]["sha256"],
        "size": manifest["document"]["size"],
    }
    members["manifest.json"] = json.dumps(manifest, ensure_ascii=False).encode()
    code, text = _run(tmp_path, _rezip(members))
    assert code == 0, text
    assert f"Document: {NAME}" in text
