"""Benchmark: start-up of the offline verifiers (`vanthu verify --help`) against `python -c pass`.

An auditor runs the verifiers on their own machine; they must not pay for loading the web app.
Prints one JSON line {"bench", "value", "unit", "baseline", "ratio"} for `vanthu verify --help`,
with the start-up of `vanthu audit verify --help` as "audit_verify".
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

SCRIPT = Path(sys.executable).with_name("vanthu")


def seconds(command: list[str], runs: int) -> float:
    """Median wall time of ``runs`` runs of ``command``, each of which must exit 0."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    baseline = seconds([sys.executable, "-c", "pass"], runs)
    audit_verify = seconds([str(SCRIPT), "audit", "verify", "--help"], runs)
    value = seconds([str(SCRIPT), "verify", "--help"], runs)
    line = {"bench": "verify_startup", "value": round(value, 3), "unit": "s"}
    line |= {"baseline": round(baseline, 3), "ratio": round(value / baseline, 1)}
    line["audit_verify"] = round(audit_verify, 3)
    print(json.dumps(line))


if __name__ == "__main__":
    main()
