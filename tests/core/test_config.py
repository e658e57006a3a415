"""Configuration: every variable read in one module and documented, secrets generated once."""

from __future__ import annotations

import contextlib
import os
import re
import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from core import config
from core.config import ConfigurationError, from_environment, secret_file

ROOT = config.PROJECT_ROOT
#: The packages that make up the application (tests/ and bench/ are not the application).
APPLICATION = ("accounts", "audit", "core", "documents", "meetings", "signing")


def test_production_defaults_secure_cookies_and_a_generated_secret(tmp_path, monkeypatch):
    for name in ("VANTHU_SECRET_KEY", "VANTHU_COOKIE_SECURE", "VANTHU_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = from_environment(tmp_path)
    assert settings["SESSION_COOKIE_SECURE"] and settings["REMEMBER_COOKIE_SECURE"]
    assert settings["SESSION_COOKIE_HTTPONLY"] and settings["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path / 'vanthu.sqlite3'}"
    key_file = tmp_path / "secret_key"
    assert key_file.read_text().strip() == settings["SECRET_KEY"]
    assert len(settings["SECRET_KEY"]) >= 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert from_environment(tmp_path)["SECRET_KEY"] == settings["SECRET_KEY"]


def test_environment_variables_override_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("VANTHU_SECRET_KEY", "from-env")
    monkeypatch.setenv("VANTHU_DATABASE_URL", "postgresql+psycopg://db/vanthu")
    monkeypatch.setenv("VANTHU_BLOB_DIR", "/srv/blobs")
    monkeypatch.setenv("VANTHU_MAX_UPLOAD_MB", "7")
    monkeypatch.setenv("VANTHU_PLACE", "Cần Thơ")
    monkeypatch.setenv("VANTHU_KEY_PEPPER", "pepper from env")
    monkeypatch.setenv("VANTHU_SIGNING_KDF_ROUNDS", "1000")
    settings = from_environment(tmp_path)
    assert settings["SECRET_KEY"] == "from-env"
    assert settings["DATABASE_URL"] == "postgresql+psycopg://db/vanthu"
    assert settings["BLOB_DIR"] == "/srv/blobs"
    assert settings["MAX_UPLOAD_MB"] == 7
    assert settings["DOCUMENT_PLACE"] == "Cần Thơ"
    assert settings["SIGNING_KEY_PEPPER"] == "pepper from env"
    assert settings["SIGNING_KDF_ROUNDS"] == 1000
    assert list(tmp_path.iterdir()) == []  # nothing generated when the environment says it


def test_a_secret_is_generated_once_readable_by_the_owner_only(tmp_path):
    path = tmp_path / "instance" / "secret"
    first = secret_file(path)
    assert secret_file(path, lambda: "another") == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["secret"]  # no temporary file left


def test_a_reader_never_sees_a_half_written_secret_and_a_racing_writer_keeps_the_winners(
    tmp_path, monkeypatch
):
    path = tmp_path / "secret"
    flushing, finish = threading.Event(), threading.Event()
    real_fsync = os.fsync

    def slow_fsync(fd: int) -> None:
        # Hold the first writer while its secret is on its way to the disk.
        if threading.current_thread() is first and not flushing.is_set():
            flushing.set()
            assert finish.wait(30)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", slow_fsync)
    results: list[str] = []
    first = threading.Thread(target=lambda: results.append(secret_file(path, lambda: "A" * 5000)))
    first.start()
    assert flushing.wait(30), "the secret was not flushed to disk before it was published"
    assert not path.exists()  # a reader meanwhile finds no secret rather than part of one
    winner = secret_file(path, lambda: "B" * 5000)  # a second process starting meanwhile
    finish.set()
    first.join()
    assert winner == "B" * 5000
    assert results == [winner]  # the slow writer found the name taken and took the winner's
    assert path.read_text().strip() == winner
    assert [p.name for p in tmp_path.iterdir()] == ["secret"]


def _race(path: Path, writers: int, size: int) -> tuple[set[str], set[int]]:
    """Writers create ``path`` at once while a reader reads it: the values and lengths seen."""
    lengths: set[int] = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            with contextlib.suppress(FileNotFoundError):
                lengths.add(len(path.read_text()))

    reader = threading.Thread(target=read)
    reader.start()
    with ThreadPoolExecutor(writers) as pool:
        values = set(pool.map(lambda n: secret_file(path, lambda: str(n) * size), range(writers)))
    stop.set()
    reader.join()
    return values, lengths


def test_writers_starting_at_once_agree_and_readers_see_all_or_nothing(tmp_path):
    for attempt in range(20):
        values, lengths = _race(tmp_path / f"secret{attempt}", writers=4, size=100_000)
        assert len(values) == 1
        assert lengths <= {100_001}  # the whole secret and its newline, never less


def test_an_empty_secret_file_is_refused_not_used(tmp_path):
    path = tmp_path / "key_pepper"
    path.write_text("\n")
    with pytest.raises(ConfigurationError, match="key_pepper is empty"):
        secret_file(path)


def test_only_declared_secrets_are_taken_from_the_environment_for_a_prompt(monkeypatch):
    monkeypatch.setenv(config.P12_PASSWORD, "")
    assert config.prompted(config.P12_PASSWORD) == ""  # an empty password is a password
    monkeypatch.delenv(config.SEAL_PIN, raising=False)
    assert config.prompted(config.SEAL_PIN) is None
    with pytest.raises(KeyError):
        config.prompted("VANTHU_SECRET_KEY")


def _readme_configuration_table() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(VANTHU_\w+)` \|", section, flags=re.MULTILINE)


def _variables_read_outside_the_application() -> set[str]:
    """What the test suite and the benchmarks read for themselves."""
    read = re.compile(
        r"(?:environ\.get|getenv)\(\s*\"(VANTHU_\w+)\"|environ\[\"(VANTHU_\w+)\"\](?!\s*=)"
    )
    found: set[str] = set()
    for folder in ("tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            for match in read.finditer(path.read_text(encoding="utf-8")):
                found.add(match.group(1) or match.group(2))
    return found


def test_the_readme_lists_every_variable_once():
    listed = _readme_configuration_table()
    in_config = set(re.findall(r"\"(VANTHU_\w+)\"", Path(config.__file__).read_text("utf-8")))
    assert in_config  # the pattern finds the variables
    assert sorted(listed) == sorted(set(listed))
    assert set(listed) == in_config | _variables_read_outside_the_application()


def _application_modules() -> list[Path]:
    return [p for package in APPLICATION for p in (ROOT / package).rglob("*.py")] + [
        ROOT / "wsgi.py"
    ]


def test_no_module_but_core_config_reads_the_environment():
    config_file = Path(config.__file__).resolve()
    modules = _application_modules()
    assert config_file in {p.resolve() for p in modules}
    readers = [
        str(path.relative_to(ROOT))
        for path in modules
        if path.resolve() != config_file
        and re.search(
            r"\bos\.environ\b|\bgetenv\(|\bfrom os import .*\benviron\b", path.read_text("utf-8")
        )
    ]
    assert readers == []
