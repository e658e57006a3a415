"""`vanthu audit witness`: an independent party follows the log and detects rewritten history.

It pins the log's key on first use, keeps the last checkpoint it saw in a state file, and on
each run demands a consistency proof from that checkpoint to the log's newest one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from audit.errors import AuditError, CheckpointError, ProofError, WitnessAlarm, WitnessUnusable
from audit.offline.merkle import verify_consistency
from audit.offline.note import Checkpoint, b64, parse_verifier_key, unb64, verify_checkpoint

Fetch = Callable[[str], bytes]
MAX_ANSWER = 1 << 20
TIMEOUT_SECONDS = 30


def http_fetch(url: str) -> bytes:
    """GET ``url`` over HTTP(S) and return the body; WitnessUnusable on any failure."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise WitnessUnusable(f"{url} is not an http(s) address")
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return bytes(response.read(MAX_ANSWER))
    except OSError as e:
        raise WitnessUnusable(f"cannot fetch {url}: {e}") from None


@dataclass(frozen=True)
class WitnessState:
    """What the witness remembers between runs: the pinned key and the last checkpoint."""

    vkey: str
    origin: str
    size: int
    root: str
    checkpoint: str

    @classmethod
    def load(cls, path: Path) -> WitnessState | None:
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            state = cls(**{name: data[name] for name in cls.__dataclass_fields__})
            if not isinstance(state.size, int) or state.size < 0:
                raise ValueError("size")
            unb64(state.root, "root")
        except (OSError, ValueError, KeyError, TypeError, CheckpointError) as e:
            raise WitnessUnusable(f"state file {path} is unreadable: {e}") from None
        return state

    def save(self, path: Path) -> None:
        """Replace the state file atomically: a crash never leaves half a state behind."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(asdict(self), handle, indent=1)
        os.replace(temporary, path)


def log_address(url: str) -> str:
    """The log's address, e.g. https://vanthu.example.gov.vn/log, from it or its site root."""
    url = url.rstrip("/")
    return url if url.endswith("/log") else url + "/log"


def observe(url: str, state_path: Path, vkey: str | None = None, fetch: Fetch = http_fetch) -> str:
    """Fetch the newest checkpoint, prove it extends the last one seen, remember it.

    Returns a one-line report. Raises WitnessAlarm when the log contradicts a checkpoint it
    signed before (the state is kept, as evidence), WitnessUnusable when nothing could be
    checked.
    """
    base = log_address(url)
    state = WitnessState.load(state_path)
    if state is not None and vkey is not None and vkey.strip() != state.vkey:
        raise WitnessUnusable("--vkey differs from the key pinned in the state file")
    pinned = state.vkey if state else (vkey or fetch(base + "/key").decode("utf-8", "replace"))
    try:
        verifier = parse_verifier_key(pinned)
    except CheckpointError as e:
        raise WitnessUnusable(f"the log key is unusable: {e.message}") from None
    seen = state.size if state else 0
    answer = _answer(fetch(f"{base}/witness?from={seen}"), seen)
    try:
        checkpoint = verify_checkpoint(answer["checkpoint"], verifier)
    except CheckpointError as e:
        message = f"the checkpoint does not verify with the pinned key: {e.message}"
        raise WitnessUnusable(message) from None
    if state is not None:
        _check_extends(state, checkpoint, answer)
    WitnessState(
        verifier.key_string(),
        checkpoint.origin,
        checkpoint.size,
        b64(checkpoint.root),
        answer["checkpoint"],
    ).save(state_path)
    return f"consistent: {checkpoint.origin} at size {checkpoint.size} (was {seen})"


def _answer(body: bytes, seen: int) -> dict[str, Any]:
    try:
        answer = json.loads(body)
        if not isinstance(answer["checkpoint"], str) or answer["from"] != seen:
            raise ValueError("not an answer to this question")
        answer["proof"] = [unb64(h, "proof hash") for h in answer["consistency"]]
    except (ValueError, KeyError, TypeError, CheckpointError) as e:
        raise WitnessUnusable(f"the log's answer is not a witness update: {e}") from None
    return dict(answer)


def _check_extends(state: WitnessState, checkpoint: Checkpoint, answer: dict[str, Any]) -> None:
    if checkpoint.origin != state.origin:
        raise WitnessUnusable(f"checkpoint of {checkpoint.origin!r}, not of {state.origin!r}")
    old_root = unb64(state.root, "root")
    try:
        if checkpoint.size < state.size:
            raise ProofError(f"the log shrank from {state.size} to {checkpoint.size} entries")
        if state.size > 0 or answer["proof"]:
            verify_consistency(
                state.size, checkpoint.size, answer["proof"], old_root, checkpoint.root
            )
    except ProofError as e:
        raise WitnessAlarm(
            f"the log rewrote history: its checkpoint at size {checkpoint.size} does not extend "
            f"the one it signed at size {state.size} ({e.message})",
            seen=state.checkpoint,
            shown=answer["checkpoint"],
        ) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vanthu audit witness",
        description="Check that the audit log only grows. Exit 0: consistent; 1: the log "
        "rewrote history; 2: nothing could be checked.",
    )
    parser.add_argument("url", help="the log's address, e.g. https://vanthu.example/log")
    parser.add_argument("--state", required=True, help="JSON file remembering the last checkpoint")
    parser.add_argument("--vkey", help="the log's verifier key (default: fetched and pinned once)")
    return parser


def main(
    argv: Sequence[str] | None = None, out: IO[str] | None = None, fetch: Fetch = http_fetch
) -> int:
    """``vanthu audit witness URL --state FILE [--vkey KEY]``; returns the exit code."""
    out = out or sys.stdout
    try:
        args = _parser().parse_args(argv)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 2
    try:
        print(observe(args.url, Path(args.state), args.vkey, fetch), file=out)
    except (WitnessAlarm, WitnessUnusable) as e:
        print(f"{'ALARM' if isinstance(e, WitnessAlarm) else 'UNUSABLE'}: {e.message}", file=out)
        if isinstance(e, WitnessAlarm):
            print(f"seen:\n{e.data['seen']}\nnow shown:\n{e.data['shown']}", file=out)
        return e.exit_code
    except AuditError as e:
        print(f"UNUSABLE: {e.message}", file=out)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
