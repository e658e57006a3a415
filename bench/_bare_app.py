"""The baseline of open_document: a Flask route that streams the same file with no checks."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response

app = Flask(__name__)
FILE = Path(os.environ["BENCH_FILE"])


@app.get("/file")
def stream() -> Response:
    return Response(FILE.read_bytes(), mimetype="application/pdf")
