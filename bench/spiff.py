"""The like-for-like comparison with SpiffWorkflow that `python -m bench.lifecycle` runs (issue 17): a start and
three human tasks, persisted after each step, on the same machine in the same run.

Duban: `site.start` of a directive (lead finance, no co units) then `submit` at register (clerk), `assign`
(office director) and `accept` (finance head): four transitions, each its own SQLite transaction with its audit
events (hash-chained), timers and notices, on a fresh file with the demo organisation; only the time inside
start/act counts, after WARMUP directives. SpiffWorkflow: bench/spiff_side.py, run with a Python that has it
(DUBAN_BENCH_SPIFF_PYTHON, default /work/venv-spiff/bin/python): a BPMN process start -> register -> assign ->
handle -> end, the workflow serialised to JSON and written to a SQLite row (same pragmas) after the start and
after each user task, read back and deserialised before each. SpiffWorkflow keeps no audit trail, timers or
notices: Duban does more per step; the ratio is Duban's instances/s over SpiffWorkflow's.

SpiffWorkflow is never a dependency of the project. Without it the comparison is skipped with how to install it:
`python3 -m venv /work/venv-spiff && /work/venv-spiff/bin/pip install SpiffWorkflow`."""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_PYTHON = "/work/venv-spiff/bin/python"
INSTALL = "python3 -m venv /work/venv-spiff && /work/venv-spiff/bin/pip install SpiffWorkflow"
AIM = 3.0  # Duban's instances/s should be three times SpiffWorkflow's


def spiff_python() -> str | None:
    """The Python that has SpiffWorkflow, or None."""
    py = os.environ.get("DUBAN_BENCH_SPIFF_PYTHON", DEFAULT_PYTHON)
    if not Path(py).exists():
        return None
    ok = subprocess.run([py, "-c", "import SpiffWorkflow, lxml"], capture_output=True)
    return py if ok.returncode == 0 else None


def duban_side(path: Path, items: int) -> dict:
    from bench.lifecycle import WARMUP, SUBJECT, Timed, fresh_site, open_tasks

    subject = {**SUBJECT, "co_units": []}
    site, _clock = fresh_site(path)
    try:
        def one(t: Timed) -> None:
            item = t.start(subject, "leader")
            t.act(open_tasks(site, item)["register"], "submit", "clerk")
            t.act(open_tasks(site, item)["assign"], "assign", "office", {"lead": "finance", "co": [],
                                                                           "due": SUBJECT["due"]})
            t.act(open_tasks(site, item)["handle:finance"], "accept", "finance.head")

        warm = Timed(site)
        for _ in range(WARMUP):
            one(warm)
        t = Timed(site)
        for _ in range(items):
            one(t)
    finally:
        site.eng.dispose()
    return {"instances": items, "steps": t.count, "seconds": t.seconds}


def compare(items: int) -> dict | None:
    """Both sides on fresh files in a temp dir; None (after saying how to install it) when SpiffWorkflow is absent."""
    py = spiff_python()
    if py is None:
        print(f"\nSpiffWorkflow comparison skipped: no SpiffWorkflow at {os.environ.get('DUBAN_BENCH_SPIFF_PYTHON', DEFAULT_PYTHON)}"
              f" (install it outside the project: {INSTALL}; or point DUBAN_BENCH_SPIFF_PYTHON at a Python that has "
              f"it)")
        return None
    with tempfile.TemporaryDirectory(prefix="duban-spiff-") as tmp:
        duban = duban_side(Path(tmp) / "duban.db", items)
        t0 = time.perf_counter()
        out = subprocess.run([py, str(HERE / "spiff_side.py"), "--items", str(items), "--db", str(Path(tmp) / "spiff.db")],
                             capture_output=True, text=True, check=True)
        spiff = json.loads(out.stdout) | {"wall_seconds": time.perf_counter() - t0}
    d_rate, s_rate = duban["instances"] / duban["seconds"], spiff["instances"] / spiff["seconds"]
    return {"items": items, "duban": duban | {"instances_per_second": d_rate,
                                            "ms_per_step": duban["seconds"] / duban["steps"] * 1e3},
            "spiffworkflow": spiff | {"instances_per_second": s_rate,
                                      "ms_per_step": spiff["seconds"] / spiff["steps"] * 1e3},
            "ratio": d_rate / s_rate, "aim": AIM, "met": d_rate / s_rate >= AIM}


def print_comparison(c: dict) -> None:
    d, s = c["duban"], c["spiffworkflow"]
    print(f"\nlike-for-like with SpiffWorkflow {s.get('version') or ''} (a start and three human tasks, persisted "
          f"after each step, {c['items']} instances each, SQLite WAL):")
    print(f"  Duban          {d['instances_per_second']:8.1f} instances/s  {d['ms_per_step']:6.2f} ms a step "
          f"(audited, hash-chained, timers and notices)")
    print(f"  SpiffWorkflow  {s['instances_per_second']:8.1f} instances/s  {s['ms_per_step']:6.2f} ms a step "
          f"(of which SQLite {s['sql_seconds'] / s['steps'] * 1e3:.2f} ms; serialise/deserialise and run the rest)")
    print(f"  ratio Duban / SpiffWorkflow: {c['ratio']:.2f}x (aim {c['aim']:.0f}x: "
          f"{'met' if c['met'] else 'not met'})")
