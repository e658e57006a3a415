"""`vanthu verify FILE.pdf`: the bundle's exit codes (0 valid, 1 invalid, 2 unusable)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from signing.crypto import pdf_cli
from signing.crypto.pki import chain_to_pem, fingerprint_sha256
from tests.signing import pdf_testkit as kit
from tests.signing.signing_testkit import Pki


@pytest.fixture(scope="module")
def valid_pdf(env: Pki) -> bytes:
    return kit.signed_and_sealed(env)


def _run(tmp_path: Path, data: bytes, *extra: str, name: str = "05-QĐ-UBND.pdf") -> tuple[int, str]:
    path = tmp_path / name
    path.write_bytes(data)
    out = io.StringIO()
    code = pdf_cli.main([str(path), *extra], out=out)
    return code, out.getvalue()


def test_valid_pdf_exits_0_and_names_both_signers_in_order(
    tmp_path: Path, env: Pki, valid_pdf: bytes
) -> None:
    code, text = _run(tmp_path, valid_pdf)
    assert code == 0
    assert text.index("1. Official's signature by Nguyễn Văn An") < text.index(
        "2. Organisation seal by UBND"
    )
    assert "TAKEN FROM THE PDF" in text
    assert fingerprint_sha256(env.root.certificate) in text
    assert "RESULT: VALID (TOTAL_PASSED)" in text


def test_json_with_a_given_trust_root(tmp_path: Path, env: Pki, valid_pdf: bytes) -> None:
    root = tmp_path / "root.pem"
    root.write_bytes(chain_to_pem([env.root.certificate]))
    code, text = _run(tmp_path, valid_pdf, "--json", "--trust-root", str(root))
    body = json.loads(text)
    assert code == 0 and body["result"] == "valid"
    assert body["trust_anchor"]["source"] == "trust-root"
    assert [s["role"] for s in body["report"]["signatures"]] == ["official", "seal"]


def test_changed_byte_exits_1(tmp_path: Path, valid_pdf: bytes) -> None:
    code, text = _run(tmp_path, kit.flip_signed_byte(valid_pdf))
    assert code == 1
    assert "HASH_FAILURE" in text and "RESULT: INVALID (TOTAL_FAILED)" in text


def test_modified_after_signing_exits_1(tmp_path: Path, env: Pki) -> None:
    changed = kit.change_text(kit.signed_and_sealed(env), "05/QD", "06/QD")
    code, text = _run(tmp_path, changed, "--json")
    body = json.loads(text)
    assert code == 1 and body["report"]["modified_after_signing"] is True


def test_foreign_root_given_makes_it_indeterminate(
    tmp_path: Path, env: Pki, valid_pdf: bytes
) -> None:
    root = tmp_path / "other.pem"
    root.write_bytes(chain_to_pem([env.foreign_root.certificate]))
    code, text = _run(tmp_path, valid_pdf, "--trust-root", str(root))
    assert code == 1 and "NO_CERTIFICATE_CHAIN_FOUND" in text


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (kit.encrypted_pdf(), "encrypted"),
        (b"%PDF-1.7 and then nothing", "damaged"),
        (kit.base_pdf(), "no digital signature"),
    ],
)
def test_unusable_pdfs_exit_2(tmp_path: Path, data: bytes, words: str) -> None:
    code, text = _run(tmp_path, data)
    assert code == 2
    assert text.startswith("UNUSABLE INPUT:") and words in text


def test_pdf_without_a_root_and_no_trust_root_exits_2(tmp_path: Path, env: Pki) -> None:
    code, text = _run(tmp_path, kit.signed_and_sealed(env, dss=False), "--json")
    assert code == 2 and json.loads(text)["result"] == "unusable"


def test_garbage_goes_to_the_bundle_checker_and_exits_2(tmp_path: Path) -> None:
    code, text = _run(tmp_path, b"garbage", name="x.zip")
    assert code == 2 and "not a readable zip file" in text


def test_the_vanthu_command_dispatches_a_pdf(tmp_path: Path, valid_pdf: bytes) -> None:
    exe = shutil.which("vanthu", path=str(Path(sys.executable).parent))
    assert exe is not None
    path = tmp_path / "signed.pdf"
    path.write_bytes(valid_pdf)
    done = subprocess.run([exe, "verify", str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "RESULT: VALID" in done.stdout
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(kit.flip_signed_byte(valid_pdf))
    done = subprocess.run(
        [exe, "verify", str(tampered)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1


def test_the_cli_reads_a_pdf_once_for_its_roots_and_its_signatures(
    tmp_path: Path, valid_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    from signing.crypto import pdf_files

    opened: list[int] = []
    real = pdf_files.open_pdf

    def counting(data: bytes):  # type: ignore[no-untyped-def]
        opened.append(len(data))
        return real(data)

    monkeypatch.setattr(pdf_files, "open_pdf", counting)
    code, _ = _run(tmp_path, valid_pdf)
    assert code == 0 and opened == [len(valid_pdf)]
