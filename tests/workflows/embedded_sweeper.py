"""A second sweeper for the multi-process test, in a process of its own: the embedded path's jobs
(engine.scheduler.run_sweep and run_dispatch, what `duban serve` runs) every 50 ms each.

    python -m tests.workflows.embedded_sweeper DATABASE_URL CLOCK_FILE

The sweep runs on a manual clock that follows the moments written to CLOCK_FILE (an ISO time; the clock moves
there after a random pause of up to 0.2 s, so that the other sweeper sometimes gets there first); `stop` ends
the process (exit 0). The dispatch runs on the wall clock, like every dispatcher: outbox leases are compared
with `now`, so dispatchers must share one clock.
"""
from __future__ import annotations

import logging
import random
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

from engine.runtime.boot import open_site
from engine.clock import ManualClock, SystemClock
from engine.runtime.scheduler import run_dispatch, run_sweep

EVERY = 0.05


def main(url: str, clock_file: Path) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    seen = ""
    while not (seen := clock_file.read_text().strip()):
        time.sleep(0.01)
    clock = ManualClock(datetime.fromisoformat(seen))
    swept = open_site(url, clock, migrate=False, register=False)
    sent = open_site(url, SystemClock(), migrate=False, register=False)
    stop = threading.Event()

    def every(job, site) -> None:  # noqa: ANN001
        while not stop.is_set():
            job(site)
            time.sleep(EVERY)

    threads = [threading.Thread(target=every, args=(run_sweep, swept)),
               threading.Thread(target=every, args=(run_dispatch, sent))]
    for t in threads:
        t.start()
    print("embedded sweeper started", flush=True)
    try:
        while (text := clock_file.read_text().strip()) != "stop":
            if text and text != seen:
                seen = text
                time.sleep(random.uniform(0, 0.2))
                clock.set(datetime.fromisoformat(text))
            time.sleep(0.01)
    finally:
        stop.set()
        for t in threads:
            t.join()
        swept.eng.dispose()
        sent.eng.dispose()
    print("embedded sweeper stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2])))
