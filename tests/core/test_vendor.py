"""pdf.js: pinned by npm, served from our own static files, its worker alone allowed WebAssembly."""

from __future__ import annotations

import json
import os

import pytest

from core.config import PROJECT_ROOT
from core.security import CONTENT_SECURITY_POLICY
from core.vendor import PDFJS, WORKER_POLICY, pdfjs_installed


def test_pdfjs_is_pinned_to_one_version_that_the_lock_file_installs():
    wanted = json.loads((PROJECT_ROOT / "package.json").read_text())["dependencies"]["pdfjs-dist"]
    lock = json.loads((PROJECT_ROOT / "package-lock.json").read_text())
    assert wanted[0].isdigit(), "pin an exact version: the build we copy is the one we tested"
    assert lock["packages"][""]["dependencies"]["pdfjs-dist"] == wanted
    assert lock["packages"]["node_modules/pdfjs-dist"]["version"] == wanted


def test_only_the_worker_may_compile_webassembly_and_nothing_may_eval():
    assert "'wasm-unsafe-eval'" not in CONTENT_SECURITY_POLICY
    assert "script-src 'self' 'wasm-unsafe-eval';" in WORKER_POLICY
    assert "'unsafe-eval'" not in WORKER_POLICY
    assert WORKER_POLICY.replace(" 'wasm-unsafe-eval'", "") == CONTENT_SECURITY_POLICY


@pytest.fixture
def installed():
    if not pdfjs_installed(PROJECT_ROOT / "core" / "static"):
        message = "pdf.js is not installed (make pdfjs needs npm)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.mark.usefixtures("installed")
def test_pdfjs_is_served_as_module_scripts_under_the_pages_policy_but_its_worker(client):
    library = client.get(f"/static/{PDFJS}/pdf.min.mjs")
    worker = client.get(f"/static/{PDFJS}/pdf.worker.min.mjs")
    wasm = client.get(f"/static/{PDFJS}/wasm/openjpeg.wasm")
    assert library.status_code == worker.status_code == wasm.status_code == 200
    assert library.mimetype == worker.mimetype == "text/javascript"
    assert wasm.mimetype == "application/wasm"
    assert library.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert worker.headers["Content-Security-Policy"] == WORKER_POLICY
    assert worker.headers.get_all("Content-Security-Policy") == [WORKER_POLICY]
    for response in (library, worker, wasm):
        response.close()


def test_pdfjs_counts_as_installed_only_with_both_the_library_and_its_worker(tmp_path):
    folder = tmp_path / PDFJS
    folder.mkdir(parents=True)
    assert not pdfjs_installed(tmp_path)
    (folder / "pdf.min.mjs").write_text("")
    assert not pdfjs_installed(tmp_path)  # a half-finished copy: the browser's viewer then
    (folder / "pdf.worker.min.mjs").write_text("")
    assert pdfjs_installed(tmp_path)
