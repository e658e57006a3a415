"""Content-addressed blobs: stored once, written atomically, verified on read."""

from __future__ import annotations

import hashlib
import os

import pytest

from core.storage import BlobCorrupted, BlobMissing, BlobStore


def test_put_returns_sha256_and_get_returns_the_same_bytes(tmp_path):
    store = BlobStore(tmp_path)
    digest = store.put(b"Quyet dinh so 05")
    assert digest == hashlib.sha256(b"Quyet dinh so 05").hexdigest()
    assert store.get(digest) == b"Quyet dinh so 05"


def test_same_bytes_are_stored_once(tmp_path):
    store = BlobStore(tmp_path)
    digest, created = store.store(b"x" * 100)
    stored = store.path_for(digest).stat()
    # The second call neither writes nor claims the file, so its rollback cannot delete it.
    assert store.store(b"x" * 100) == (digest, False)
    assert created
    assert store.path_for(digest).stat().st_ino == stored.st_ino
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [store.path_for(digest)]


def test_a_blob_changed_on_disk_is_refused(tmp_path):
    store = BlobStore(tmp_path)
    digest = store.put(b"original")
    path = store.path_for(digest)
    os.chmod(path, 0o640)
    path.write_bytes(b"tampered")
    with pytest.raises(BlobCorrupted):
        store.get(digest)


def test_missing_and_malformed_names_are_not_found(tmp_path):
    store = BlobStore(tmp_path)
    with pytest.raises(BlobMissing):
        store.get("0" * 64)
    with pytest.raises(BlobMissing):
        store.get("../../etc/passwd")


def test_a_failed_write_leaves_no_file_under_a_real_name(tmp_path, monkeypatch):
    store = BlobStore(tmp_path)

    def crash(_fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        store.put(b"half written")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_streamed_blob_is_checked_once_per_state_of_the_file(tmp_path, monkeypatch):
    store = BlobStore(tmp_path)
    digest = store.put(b"Cong van so 12")
    hashed = []
    real_digest = hashlib.file_digest
    monkeypatch.setattr(
        hashlib, "file_digest", lambda *a, **k: hashed.append(1) or real_digest(*a, **k)
    )
    for _ in range(3):
        handle, size = store.open_verified(digest)
        with handle:
            assert (handle.read(), size) == (b"Cong van so 12", 14)
    assert len(hashed) == 1  # the same file state is not hashed again
    path = store.path_for(digest)
    os.chmod(path, 0o640)
    path.write_bytes(b"Cong van so 13")  # a write changes the file's ctime: checked again
    with pytest.raises(BlobCorrupted):
        store.open_verified(digest)
    with pytest.raises(BlobMissing):
        store.open_verified("0" * 64)
