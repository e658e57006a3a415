"""Both entry points of `vanthu verify` (a PDF, a bundle) read one command line the same way."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from signing.crypto import bundle, pdf_cli
from signing.crypto.verify_args import verify_parser

Main = Callable[..., int]
ENTRY_POINTS = pytest.mark.parametrize("main", [pdf_cli.main, bundle.main], ids=["pdf", "bundle"])


def _help(main: Main) -> tuple[int, str]:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(["--help"], out=io.StringIO())
    return code, printed.getvalue()


@ENTRY_POINTS
def test_help_exits_0_and_is_the_shared_help(main: Main) -> None:
    code, text = _help(main)
    assert code == 0
    assert text == verify_parser().format_help()
    assert "--trust-root" in text and "--json" in text


@ENTRY_POINTS
@pytest.mark.parametrize("argv", [[], ["--no-such-option", "x.pdf"], ["a.pdf", "b.pdf"]])
def test_bad_command_lines_exit_2(main: Main, argv: list[str]) -> None:
    with contextlib.redirect_stderr(io.StringIO()):
        assert main(argv, out=io.StringIO()) == 2


@ENTRY_POINTS
def test_unreadable_trust_root_is_unusable_input_in_json(main: Main, tmp_path: Path) -> None:
    target = tmp_path / "file.pdf" if main is pdf_cli.main else tmp_path / "file.zip"
    target.write_bytes(b"%PDF-1.7\n" if main is pdf_cli.main else b"PK\x03\x04")
    out = io.StringIO()
    code = main([str(target), "--json", "--trust-root", str(tmp_path / "missing.pem")], out=out)
    assert code == 2
    assert '"result": "unusable"' in out.getvalue()
    assert "Cannot read a certificate from" in out.getvalue()
