"""Content-addressed blob storage on the local file system.

A blob's name is the SHA-256 of its bytes, so the same file is stored once and every read can prove
it is unchanged. Writes go to a temporary file that is fsynced and renamed: a crash never leaves a
half-written file under a real name.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from core.errors import VanThuError

if TYPE_CHECKING:
    from flask import Flask


class BlobCorrupted(VanThuError):
    """The stored bytes no longer hash to their name: the disk or an operator changed them."""

    status = 500
    code = "blob_corrupted"


class BlobMissing(VanThuError):
    status = 404
    code = "blob_missing"


_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
#: How many verified file states a process remembers before starting afresh.
VERIFIED_STATES_KEPT = 100_000


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    """Stores immutable byte strings under ``root/ab/cdef...`` named by their SHA-256."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self._root = os.fspath(self.root)
        #: digest -> the file state (device, inode, size, mtime, ctime) last found intact.
        self._verified: dict[str, tuple[int, ...]] = {}

    def path_for(self, digest: str) -> Path:
        return Path(self._file_name(digest))

    def _file_name(self, digest: str) -> str:
        # Plain strings: pathlib costs more than the rest of serving a file it has checked.
        if not _SHA256_HEX.fullmatch(digest):
            raise BlobMissing("No stored file has this identifier.", digest=digest)
        return os.path.join(self._root, digest[:2], digest[2:])

    def put(self, data: bytes) -> str:
        """Store ``data`` and return its hex SHA-256; storing the same bytes twice is a no-op."""
        return self.store(data)[0]

    def store(self, data: bytes) -> tuple[str, bool]:
        """Store ``data``; return its SHA-256 and whether this call created the file.

        Only a file this call created may be removed again when its transaction fails: the same
        bytes may belong to another document.
        """
        digest = sha256_hex(data)
        target = self.path_for(digest)
        if target.exists():
            return digest, False
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp_name, 0o440)
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        fsync_directory(target.parent)
        return digest, True

    def store_file(self, path: Path) -> tuple[str, bool]:
        """Move a finished file (written under ``root``, e.g. by `scratch_file`) into the store
        under its SHA-256, without reading it into memory; return the digest and whether it
        is new. The file is gone from ``path`` afterwards either way."""
        with open(path, "rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
            os.fsync(handle.fileno())
        target = self.path_for(digest)
        if target.exists():
            path.unlink()
            return digest, False
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path, 0o440)
        os.replace(path, target)
        fsync_directory(target.parent)
        return digest, True

    def scratch_file(self, suffix: str = "") -> Path:
        """A new empty file beside the blobs (same file system, so `store_file` is a rename);
        the caller removes it if it never reaches `store_file`."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.root, prefix=".building-", suffix=suffix)
        os.close(fd)
        return Path(name)

    def get(self, digest: str) -> bytes:
        """Read a blob and check that it still hashes to its name."""
        path = self.path_for(digest)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise BlobMissing("The stored file is missing.", digest=digest) from None
        if sha256_hex(data) != digest:
            raise BlobCorrupted("The stored file was altered on disk.", digest=digest)
        return data

    def open_verified(self, digest: str) -> tuple[BinaryIO, int]:
        """An open handle on a blob, for streaming, and its size in bytes.

        Hashing the whole file on every download would be most of the cost of a province
        downloading its packs at once, so the check is made once per process for each state of
        the file: any write to it changes its change time (ctime), which only the kernel sets,
        and forces a new check.
        """
        try:
            handle = open(self._file_name(digest), "rb")  # noqa: SIM115 - returned to the caller
        except FileNotFoundError:
            raise BlobMissing("The stored file is missing.", digest=digest) from None
        try:
            stat = os.fstat(handle.fileno())
            state = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
            if self._verified.get(digest) != state:
                if hashlib.file_digest(handle, "sha256").hexdigest() != digest:
                    raise BlobCorrupted("The stored file was altered on disk.", digest=digest)
                handle.seek(0)
                if len(self._verified) >= VERIFIED_STATES_KEPT:
                    self._verified.clear()
                self._verified[digest] = state
        except BaseException:
            handle.close()
            raise
        return handle, stat.st_size

    def exists(self, digest: str) -> bool:
        return self.path_for(digest).exists()

    def delete(self, digest: str) -> None:
        """Remove a blob; used only to undo a write whose database transaction failed."""
        self.path_for(digest).unlink(missing_ok=True)


def fsync_directory(directory: Path) -> None:
    """Make a new name in ``directory`` survive a power cut."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class StagedBlobs:
    """Blobs written for one transaction, removed again if it does not commit.

    Use as ``with StagedBlobs(store) as staged: ...; session.commit()``: an exception inside the
    block deletes the files this block created, so a failed upload leaves no orphan file.
    """

    def __init__(self, store: BlobStore) -> None:
        self.store = store
        self.created: list[str] = []

    def put(self, data: bytes) -> str:
        digest, created = self.store.store(data)
        if created:
            self.created.append(digest)
        return digest

    def __enter__(self) -> StagedBlobs:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            for digest in self.created:
                self.store.delete(digest)


def blob_store(app: Flask) -> BlobStore:
    """The app's blob store, set up by the app factory."""
    store: BlobStore = app.extensions["vanthu.blobs"]
    return store
