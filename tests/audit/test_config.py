"""The log's key and origin: from the environment, else generated once into the instance folder."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor

import pytest

from audit.config import load_signer, log_origin, log_settings, settings_from_config
from audit.errors import KeyFormatError
from audit.offline.note import generate_signer_key, parse_verifier_key
from core.config import from_environment

ORIGIN = "example.gov.vn/vanthu/log"
OLD_ORIGIN = "haugiang.gov.vn/vanthu/log"


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


def _unset_log_variables(monkeypatch):
    for name in (
        "VANTHU_LOG_ORIGIN",
        "VANTHU_LOG_SIGNER_KEY",
        "VANTHU_LOG_CHECKPOINT_SECONDS",
        "VANTHU_PLACE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VANTHU_SECRET_KEY", "x")


def test_a_new_log_takes_its_origin_from_the_organisations_place(tmp_path, monkeypatch):
    _unset_log_variables(monkeypatch)
    settings = settings_from_config(from_environment(tmp_path))
    assert settings.origin == "cantho.gov.vn/vanthu/log"
    assert settings.checkpoint_seconds == 5
    assert parse_verifier_key(settings.vkey).name == settings.origin
    assert (tmp_path / "log_signer.key").exists()
    monkeypatch.setenv("VANTHU_PLACE", "Đà Nẵng")
    assert log_origin(from_environment(tmp_path / "other")) == "danang.gov.vn/vanthu/log"


def test_an_existing_log_keeps_the_origin_it_was_started_under(tmp_path, monkeypatch):
    """A log begun under the old default (Hậu Giang) keeps it: its checkpoints signed it."""
    _unset_log_variables(monkeypatch)
    (tmp_path / "log_signer.key").write_text(generate_signer_key(OLD_ORIGIN)[0] + "\n")
    assert settings_from_config(from_environment(tmp_path)).origin == OLD_ORIGIN
    skey, _ = generate_signer_key(OLD_ORIGIN)
    monkeypatch.setenv("VANTHU_LOG_SIGNER_KEY", skey)
    assert settings_from_config(from_environment(tmp_path / "elsewhere")).origin == OLD_ORIGIN
    monkeypatch.setenv("VANTHU_LOG_ORIGIN", "so.example/log")  # said outright, it wins
    assert settings_from_config(from_environment(tmp_path)).origin == "so.example/log"


def test_the_app_settles_one_origin_for_the_log_and_the_calendar(app):
    from meetings.calendar import site_from_config

    with app.app_context():
        assert app.config["LOG_ORIGIN"] == log_settings().origin == "cantho.gov.vn/vanthu/log"
    assert site_from_config(app.config).origin == app.config["LOG_ORIGIN"]


def test_a_log_started_under_one_origin_still_verifies_after_the_default_changed(
    db, tmp_path, monkeypatch
):
    """Receipts and checkpoints signed before the upgrade verify after it, and the log goes on
    under the same origin: nothing is re-signed, the bundle verifies offline as one log."""
    from audit import record_event
    from audit.export import export_bundle
    from audit.log import integrate
    from audit.offline.verify import verify_bundle
    from audit.proofs import check_receipt, inclusion

    _unset_log_variables(monkeypatch)
    instance = tmp_path / "instance"
    before = from_environment(instance)
    before["LOG_ORIGIN"] = OLD_ORIGIN  # what core/config.py defaulted to before
    old = settings_from_config(before)
    record_event(db, "tests:thing:happen", actor=None)
    db.commit()
    integrate(db, old, force_checkpoint=True)
    receipt = inclusion(db, 0).receipt()

    upgraded = settings_from_config(from_environment(instance))
    assert upgraded.origin == OLD_ORIGIN and upgraded.vkey == old.vkey
    record_event(db, "tests:thing:happen", actor=None)
    db.commit()
    integrate(db, upgraded, force_checkpoint=True)
    assert check_receipt(db, receipt, upgraded).seq == 0
    assert inclusion(db, 1).verify(upgraded).origin == OLD_ORIGIN
    export_bundle(db, upgraded, tmp_path / "bundle")
    report = verify_bundle(tmp_path / "bundle", [receipt])
    assert report.origin == OLD_ORIGIN and report.entries == 2 and len(report.receipts) == 1


def test_the_checkpoint_command_sequences_and_signs_now(runner, db):
    from audit import record_event

    record_event(db, "tests:thing:happen", actor=None)
    db.commit()
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    assert "appended 1 entries; signed a checkpoint at size 1" in result.output
    again = runner.invoke(args=["audit", "checkpoint"])
    assert "appended 0 entries; no change; tree size 1" in again.output
