"""The audit-log bundle: its layout, reading it from a directory or zip, and writing it.

No Flask, no database: `vanthu audit export` writes it, an auditor reads it on their own machine.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from audit.errors import (
    BundleUnusable,
)
from audit.offline.note import (
    parse_verifier_key,
    verify_checkpoint,
)

# Bundle layout (a directory, or a .zip of it, optionally inside one top-level folder):
#
#   entries.jsonl      line i = exactly the bytes of leaf i, then "\n"
#   checkpoints/NNN    one signed checkpoint note per file, named by its tree size in decimal;
#                      written zero-padded to 8 digits (00000042), any all-digit name is read
#   log.vkey           the log's verifier key, name+hex(keyid)+base64(0x01||pub)
#
# What is checked, and how fast:
#
# * Integrity, exactly and for every byte: each line is hashed, the tree is rebuilt with a compact
#   range (inner nodes hashed level by level in bulk), each checkpoint's signature is verified and
#   its root compared with the rebuilt root at its size, successive checkpoints are proven
#   consistent, every entry must be covered by a checkpoint, receipts are checked on the same tree.
# * Entry order, for every entry: ``seq`` equals the line number and ``recorded_at`` (fixed form
#   YYYY-MM-DDTHH:MM:SS.ffffffZ, UTC) never goes backwards. Both are read without JSON parsing: a
#   block of lines is searched once for the top-level key, whose sorted successor is ``seq``, and
#   the results are compared as whole-block byte strings. This is exact for well-formed leaves
#   (each holds its top-level ``recorded_at`` once); a block where any line looks different is
#   re-checked line by line and the odd lines are parsed in full.
# * Canonical form (RFC 8785, required keys, real calendar time) of every entry with ``full=True``
#   (``--full``); otherwise of entry 0, of every odd line, and of a random sample of one entry in
#   SAMPLE_EVERY on average, drawn with ``secrets`` so a writer cannot predict it.
#
# The trade-off: a leaf that the log itself signed although it is malformed (a misbehaving log, not
# an outside tamperer) is caught by default only with the sample's probability, in exchange for
# verifying a million entries in about three times the time it takes merely to hash them. Anyone
# altering a signed bundle without the log key is caught either way, by the hashes and signatures.

ENTRIES = "entries.jsonl"
CHECKPOINTS = "checkpoints"
VKEY = "log.vkey"
READ_SIZE = 1 << 20
MAX_LEAF = 1 << 20
MAX_SMALL_FILE = 1 << 16


class BundleSource:
    """Uniform access to a bundle's files, wherever they are stored."""

    def open_entries(self) -> IO[bytes] | None:
        raise NotImplementedError

    def checkpoint_names(self) -> list[str] | None:
        raise NotImplementedError

    def read(self, relpath: str) -> bytes | None:
        raise NotImplementedError


class _DirSource(BundleSource):
    def __init__(self, root: Path) -> None:
        self.root = root

    def open_entries(self) -> IO[bytes] | None:
        path = self.root / ENTRIES
        return path.open("rb") if path.is_file() else None

    def checkpoint_names(self) -> list[str] | None:
        folder = self.root / CHECKPOINTS
        if not folder.is_dir():
            return None
        return sorted(p.name for p in folder.iterdir())

    def read(self, relpath: str) -> bytes | None:
        path = self.root / relpath
        if not path.is_file():
            return None
        with path.open("rb") as f:
            return f.read(MAX_SMALL_FILE + 1)


class _ZipSource(BundleSource):
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.zip = archive
        names = [n for n in archive.namelist() if not n.endswith("/")]
        self.names = set(names)
        tops = {n[: -len(ENTRIES)] for n in names if n == ENTRIES or n.endswith("/" + ENTRIES)}
        # The bundle sits at the archive's root or inside exactly one folder.
        self.prefix = "" if "" in tops else (tops.pop() if len(tops) == 1 else "")
        if self.prefix.count("/") > 1:
            self.prefix = ""

    def open_entries(self) -> IO[bytes] | None:
        name = self.prefix + ENTRIES
        return self.zip.open(name) if name in self.names else None

    def checkpoint_names(self) -> list[str] | None:
        folder = f"{self.prefix}{CHECKPOINTS}/"
        names = sorted(n[len(folder) :] for n in self.names if n.startswith(folder))
        if not names and not any(n.startswith(folder) for n in self.zip.namelist()):
            return None
        return names

    def read(self, relpath: str) -> bytes | None:
        name = self.prefix + relpath
        if name not in self.names:
            return None
        with self.zip.open(name) as f:
            return f.read(MAX_SMALL_FILE + 1)


@contextmanager
def open_source(path: str | Path) -> Iterator[BundleSource]:
    p = Path(path)
    if p.is_dir():
        yield _DirSource(p)
        return
    if not p.is_file():
        raise BundleUnusable(f"no bundle at {p}", place=str(p))
    try:
        archive = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, OSError) as e:
        message = f"{p} is neither a bundle folder nor a zip: {e}"
        raise BundleUnusable(message, place=str(p)) from None
    with archive:
        yield _ZipSource(archive)


def checkpoint_file_name(size: int) -> str:
    """File name of the checkpoint for ``size`` inside ``checkpoints/``."""
    return f"{size:08d}"


def write_bundle(
    directory: str | Path, leaves: Iterable[bytes], checkpoints: Iterable[str], vkey: str
) -> Path:
    """Write a bundle folder from leaf bytes (in log order), signed checkpoint notes and the vkey.

    The folder must be new or empty, so no file of an older export can linger in it; every
    checkpoint must verify with ``vkey``, so an export cannot ship a note auditors would reject.
    """
    root = Path(directory)
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} is not empty")
    verifier = parse_verifier_key(vkey)
    notes = {}
    for note in checkpoints:
        name = checkpoint_file_name(verify_checkpoint(note, verifier).size)
        if name in notes:
            raise ValueError(f"two checkpoints for the same size ({name})")
        notes[name] = note
    (root / CHECKPOINTS).mkdir(parents=True, exist_ok=True)
    with (root / ENTRIES).open("wb") as f:
        write = f.write
        for leaf in leaves:
            if b"\n" in leaf:
                raise ValueError("a leaf holds a newline, so it is not canonical JSON")
            write(leaf + b"\n")
    for name, note in notes.items():
        (root / CHECKPOINTS / name).write_bytes(note.encode("utf-8"))
    (root / VKEY).write_text(verifier.key_string() + "\n", encoding="utf-8")
    return root
