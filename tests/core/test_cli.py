"""The `vanthu` entry point: the offline verifiers run without loading the web app."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys
from core import cli
try:
    cli.main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
loaded = sorted({m.split(".")[0] for m in sys.modules} & {"flask", "sqlalchemy"})
print(json.dumps({"code": code, "loaded": loaded}))
"""


@pytest.mark.parametrize(
    "args",
    [
        ["verify", "--help"],
        ["verify", "no-such-bundle.zip"],
        ["audit", "verify", "--help"],
        ["audit", "verify", "no-such-directory"],
    ],
)
def test_offline_verifiers_load_neither_flask_nor_sqlalchemy(args, tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["loaded"] == []
    assert result["code"] == (0 if "--help" in args else 2)
