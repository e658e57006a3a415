"""Turn a final DOCX into the PDF original with LibreOffice headless (``soffice``).

Each conversion runs in a private temporary folder with its own LibreOffice profile, under a
time limit; it leaves no file and no process behind, whatever happens.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from core.errors import N_
from documents import errors

log = logging.getLogger(__name__)

# PDF/A-2b: every font embedded (the Vietnamese letters travel with the file) and a format
# meant for archives; the JSON filter options need LibreOffice 7.4 or later.
_EXPORT_FILTER = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'
_PDF_MAGIC = b"%PDF-"


@dataclass(frozen=True)
class PdfConverter:
    """How to reach LibreOffice: the program (a name looked up in PATH, or a path) and the
    longest a conversion may take before it is stopped."""

    soffice: str = "soffice"
    timeout_seconds: float = 120.0
    #: Where the private temporary folders are made (the system default when ``None``).
    work_dir: Path | None = None

    def executable(self) -> str | None:
        """The full path of ``soffice``, or ``None`` when it is not installed."""
        return shutil.which(self.soffice)

    @property
    def available(self) -> bool:
        return self.executable() is not None

    def require(self) -> str:
        """The full path of ``soffice``; ConversionUnavailable, in the clerk's words, without it."""
        program = self.executable()
        if program is None:
            raise errors.ConversionUnavailable(
                N_(
                    "This server cannot turn Word files into PDF (LibreOffice is not installed). "
                    "Export the final file to PDF in your word processor and upload it as a new "
                    "version."
                )
            )
        return program

    def docx_to_pdf(self, docx: bytes) -> bytes:
        """The PDF LibreOffice makes of ``docx``; raises a ``Conversion*`` error otherwise."""
        program = self.require()
        with tempfile.TemporaryDirectory(prefix="vanthu-convert-", dir=self.work_dir) as tmp:
            folder = Path(tmp)
            source = folder / "document.docx"
            source.write_bytes(docx)
            out_dir = folder / "out"
            command = [
                program,
                # A profile of its own: two conversions at once would otherwise share (and
                # lock) the user's profile, and the second would silently do nothing.
                f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                *("--headless", "--invisible", "--nologo", "--norestore", "--nolockcheck"),
                *("--convert-to", _EXPORT_FILTER, "--outdir", str(out_dir), str(source)),
            ]
            returncode = _run(command, folder, self.timeout_seconds)
            result = out_dir / "document.pdf"
            pdf = result.read_bytes() if result.is_file() else b""
        if returncode != 0 or not pdf.startswith(_PDF_MAGIC):
            # LibreOffice's output may quote the document; the log gets only the outcome.
            log.warning("soffice conversion failed (exit code %s)", returncode)
            raise errors.ConversionFailed(
                N_(
                    "The Word file could not be turned into PDF. Open it in your word processor, "
                    "export it to PDF and upload that as a new version."
                )
            )
        return pdf


def _run(command: list[str], folder: Path, timeout: float) -> int:
    """Run ``command`` in a process group of its own; on timeout kill the whole group.

    ``soffice`` is a launcher that starts ``soffice.bin``; killing only the launcher would
    leave the real program running with the temporary folder open.
    """
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=folder,
        start_new_session=True,
    )
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        log.warning("soffice conversion stopped after %s seconds", timeout)
        raise errors.ConversionTimedOut(
            N_(
                "Turning the Word file into PDF took too long and was stopped. Export it to "
                "PDF in your word processor and upload that as a new version."
            )
        ) from None
    finally:
        _kill_group(process)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Whatever is left of the group (children that outlive a finished launcher included)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is gone
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
