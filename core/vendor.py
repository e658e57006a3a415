"""Browser libraries that npm installs and `make pdfjs` copies into core/static/vendor.

Never committed; whether pdf.js is there decides how a PDF is shown: pdf.js or the browser.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import Flask, Response, current_app, request

from core.security import CONTENT_SECURITY_POLICY

#: pdf.js under the static folder: the library, its worker, and the data it fetches.
PDFJS = "vendor/pdfjs"
PDFJS_FILES = ("pdf.min.mjs", "pdf.worker.min.mjs")
#: The worker decodes JBIG2 and JPEG 2000 scans and ICC colours with WebAssembly. A worker runs
#: under the policy its own script was served with, so only that response may compile
#: WebAssembly ('wasm-unsafe-eval' allows no JavaScript eval); every page keeps script-src 'self'.
WORKER_POLICY = CONTENT_SECURITY_POLICY.replace(
    "script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'"
)


def init_app(app: Flask) -> None:
    # Module scripts and WebAssembly need their exact types (and nosniff forbids guessing);
    # some systems' MIME tables know neither.
    mimetypes.add_type("text/javascript", ".mjs")
    mimetypes.add_type("application/wasm", ".wasm")
    static = Path(app.static_folder or "")
    app.config.setdefault("PDFJS_READY", pdfjs_installed(static))
    # A global, not a context variable: the reader macro is imported without context.
    app.jinja_env.globals["pdfjs_ready"] = lambda: bool(current_app.config["PDFJS_READY"])
    app.after_request(_worker_policy)


def pdfjs_installed(static_folder: Path) -> bool:
    return all((static_folder / PDFJS / name).is_file() for name in PDFJS_FILES)


def _worker_policy(response: Response) -> Response:
    if request.endpoint == "static" and (request.view_args or {}).get("filename") == (
        f"{PDFJS}/pdf.worker.min.mjs"
    ):
        response.headers["Content-Security-Policy"] = WORKER_POLICY
    return response
