"""The log's key and origin: from the environment, else generated once into the instance folder."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor

import pytest

from audit.config import load_signer, settings_from_config
from audit.errors import KeyFormatError
from audit.offline.note import generate_signer_key, parse_verifier_key
from core.config import from_environment

ORIGIN = "example.gov.vn/vanthu/log"


def test_a_key_is_generated_once_readable_by_the_owner_only(tmp_path):
    key_file = tmp_path / "instance" / "log_signer.key"
    first = load_signer(None, key_file, ORIGIN)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_signer(None, key_file, ORIGIN).key_string() == first.key_string()
    assert first.name == ORIGIN
    assert [p.name for p in key_file.parent.iterdir()] == ["log_signer.key"]


def test_processes_starting_at_once_agree_on_one_key(tmp_path):
    key_file = tmp_path / "log_signer.key"
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: load_signer(None, key_file, ORIGIN).key_string(), range(8)))
    assert len(keys) == 1


def test_a_configured_key_wins_and_no_file_is_written(tmp_path):
    skey, vkey = generate_signer_key(ORIGIN)
    signer = load_signer(skey, tmp_path / "log_signer.key", ORIGIN)
    assert signer.verifier.key_string() == vkey
    assert not (tmp_path / "log_signer.key").exists()
    assert skey not in repr(signer) and skey not in str(signer)
    with pytest.raises(KeyFormatError):
        load_signer("PRIVATE+KEY+nonsense", tmp_path / "k", ORIGIN)


def test_the_environment_sets_origin_key_and_interval(tmp_path, monkeypatch):
    skey, vkey = generate_signer_key("so.example/log")
    monkeypatch.setenv("VANTHU_LOG_ORIGIN", "so.example/log")
    monkeypatch.setenv("VANTHU_LOG_SIGNER_KEY", skey)
    monkeypatch.setenv("VANTHU_LOG_CHECKPOINT_SECONDS", "30")
    monkeypatch.setenv("VANTHU_SECRET_KEY", "x")
    settings = settings_from_config(from_environment(tmp_path))
    assert (settings.origin, settings.vkey, settings.checkpoint_seconds) == (
        "so.example/log",
        vkey,
        30.0,
    )


def test_the_default_origin_names_the_province(tmp_path, monkeypatch):
    for name in ("VANTHU_LOG_ORIGIN", "VANTHU_LOG_SIGNER_KEY", "VANTHU_LOG_CHECKPOINT_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VANTHU_SECRET_KEY", "x")
    settings = settings_from_config(from_environment(tmp_path))
    assert settings.origin == "haugiang.gov.vn/vanthu/log"
    assert settings.checkpoint_seconds == 5
    assert parse_verifier_key(settings.vkey).name == settings.origin
    assert (tmp_path / "log_signer.key").exists()


def test_the_checkpoint_command_sequences_and_signs_now(runner, db):
    from audit import record_event

    record_event(db, "tests:thing:happen", actor=None)
    db.commit()
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    assert "appended 1 entries; signed a checkpoint at size 1" in result.output
    again = runner.invoke(args=["audit", "checkpoint"])
    assert "appended 0 entries; no change; tree size 1" in again.output
