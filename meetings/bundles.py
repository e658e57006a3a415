"""Zip files of a meeting (a participant's whole pack, a closed meeting's archive): written to
disk beside the blobs without holding them in memory, each member listed with its SHA-256 in a
manifest inside, then stored in the blob store under the zip's own SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, BinaryIO

from core.clock import VIETNAM
from core.storage import BlobStore

#: Names of the manifest: JSON for programs, and `sha256sum -c SHA256SUMS` for a clerk's shell.
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
CHUNK = 1 << 20
#: Longest name of one path component, in characters (file systems allow 255 bytes).
NAME_CHARS = 80
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def safe_name(text: str, fallback: str = "tai-lieu") -> str:
    """``text`` as one path component every system opens: no separators or control characters,
    no leading dots, not too long; Vietnamese letters kept (NFC)."""
    cleaned = _UNSAFE.sub(" ", unicodedata.normalize("NFC", text))
    cleaned = " ".join(cleaned.split()).strip(". ")
    return cleaned[:NAME_CHARS].rstrip(". ") or fallback


@dataclass(frozen=True)
class Member:
    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Stored:
    """The finished zip: its SHA-256 (which names its blob), its size, and what it holds."""

    sha256: str
    size: int
    members: list[Member]


class ZipBundle:
    """A zip being written; use as a context manager, and call `finish` inside it.

    Leaving the block without `finish` (an error, a refusal) removes the half-written file, so
    nothing is left behind.
    """

    def __init__(self, store: BlobStore, moment: datetime) -> None:
        self.store = store
        #: Every member's time in the zip, in Vietnam time as zip tools show it.
        self._date_time = moment.astimezone(VIETNAM).timetuple()[:6]
        self.path = store.scratch_file(".zip")
        self._zip: zipfile.ZipFile | None = zipfile.ZipFile(
            self.path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True
        )
        self.members: list[Member] = []
        self._paths: set[str] = set()

    def __enter__(self) -> ZipBundle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._zip is not None:  # not finished: throw the partial file away
            self._zip.close()
            self._zip = None
            self.path.unlink(missing_ok=True)

    def unique_path(self, path: str) -> str:
        """``path``, or ``path`` with " (2)", " (3)" ... before its extension if taken."""
        if path not in self._paths:
            return path
        stem, dot, extension = path.rpartition(".")
        if not dot or "/" in extension:
            stem, extension = path, ""
        n = 2
        while True:
            candidate = f"{stem} ({n}).{extension}" if extension else f"{stem} ({n})"
            if candidate not in self._paths:
                return candidate
            n += 1

    def add_bytes(self, path: str, data: bytes) -> Member:
        member = Member(self.unique_path(path), hashlib.sha256(data).hexdigest(), len(data))
        self._open_zip().writestr(self._info(member.path), data)
        return self._listed(member)

    def add_stream(self, path: str, source: BinaryIO, size: int) -> Member:
        """Copy an open file into the zip, hashing what was written."""
        path = self.unique_path(path)
        digest = hashlib.sha256()
        written = 0
        with self._open_zip().open(self._info(path), "w", force_zip64=size >= 1 << 31) as out:
            while chunk := source.read(CHUNK):
                out.write(chunk)
                digest.update(chunk)
                written += len(chunk)
        return self._listed(Member(path, digest.hexdigest(), written))

    def finish(self, description: dict[str, Any]) -> Stored:
        """Write the manifest (``description`` and every member with its SHA-256) and
        SHA256SUMS, close the zip and store it in the blob store."""
        members = list(self.members)
        manifest = {
            **description,
            "files": [{"path": m.path, "sha256": m.sha256, "size": m.size} for m in members],
        }
        text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        listed = self.add_bytes(MANIFEST, text.encode("utf-8"))
        sums = "".join(f"{m.sha256}  {m.path}\n" for m in [*members, listed])
        self.add_bytes(SUMS, sums.encode("utf-8"))
        zip_file = self._open_zip()
        zip_file.close()
        self._zip = None
        size = self.path.stat().st_size
        digest, _created = self.store.store_file(self.path)
        return Stored(digest, size, list(self.members))

    def _open_zip(self) -> zipfile.ZipFile:
        if self._zip is None:
            raise RuntimeError("the zip is finished")
        return self._zip

    def _info(self, path: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(path, date_time=self._date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    def _listed(self, member: Member) -> Member:
        self._paths.add(member.path)
        self.members.append(member)
        return member
