"""A sampling profiler for a `duban serve` process (DUBAN_PROFILE=DIR): every few milliseconds it looks at the stack of
every thread (the request threads, the event loop, the scheduler) and counts, per function, how often it was on a
stack (cumulative) and on top of one (own time). cProfile sees only the thread that enabled it, and py-spy is not
installed everywhere; this needs nothing but the standard library.

Every two seconds, and on exit (or `stop()`), it writes DIR/profile-<pid>.txt: the busiest functions by cumulative and by own samples, as
percentages of the samples in which some thread was not idle. Idle means waiting on a lock, a socket or the event
loop's selector: those frames are left out, so the figures say where CPU time goes, not where threads sleep.
Overhead: one sample of 20 threads costs about 0.1 ms of GIL time; at the default 5 ms interval about 2 %.
"""
from __future__ import annotations

import atexit
import os
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from engine.clock import monotonic
from engine.settings import settings

# functions whose presence on top of a stack means the thread is waiting, not working
IDLE = frozenset({"wait", "select", "_worker", "get", "accept", "poll", "_recv_into", "recv_into", "sleep", "acquire",
                  "run_forever", "_run_once", "serve_forever", "readinto", "_wait_for_tstate_lock", "join", "epoll"})


class Sampler:
    """Samples every thread's stack every `interval` seconds until stopped."""

    def __init__(self, out: Path, interval: float = 0.005):
        self.out, self.interval = out, interval
        self.cum: Counter[str] = Counter()
        self.own: Counter[str] = Counter()
        self.busy = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="duban-sampler", daemon=True)

    def start(self) -> "Sampler":
        self._thread.start()
        atexit.register(self.stop)
        return self

    def _run(self) -> None:
        me = threading.get_ident()
        last = monotonic()
        while not self._stop.wait(self.interval):
            self.samples += 1
            if monotonic() - last > 2:  # uvicorn's worker processes leave through os._exit: no atexit
                self.write()
                last = monotonic()
            for tid, frame in sys._current_frames().items():
                if tid == me or frame.f_code.co_name in IDLE:
                    continue
                self.busy += 1
                self.own[_name(frame)] += 1
                seen = set()
                while frame is not None:
                    name = _name(frame)
                    if name not in seen:
                        seen.add(name)
                        self.cum[name] += 1
                    frame = frame.f_back

    def stop(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        self._thread.join(timeout=1)
        self.write()

    def write(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        (self.out / f"profile-{os.getpid()}.txt").write_text(self.report())

    def report(self, top: int = 60) -> str:
        busy = max(self.busy, 1)
        lines = [f"{self.samples} samples every {self.interval * 1000:.0f} ms, {self.busy} busy thread-samples",
                 "", "cumulative %  own %  function"]
        for name, n in self.cum.most_common(top):
            lines.append(f"{100 * n / busy:11.1f} {100 * self.own[name] / busy:6.1f}  {name}")
        lines += ["", "own %  function"]
        for name, n in self.own.most_common(top):
            lines.append(f"{100 * n / busy:5.1f}  {name}")
        return "\n".join(lines) + "\n"


def _name(frame) -> str:
    code = frame.f_code
    path = code.co_filename
    for marker in ("/site-packages/", "/wt-", "/lib/python"):
        i = path.find(marker)
        if i >= 0:
            path = path[i + len(marker):]
            break
    return f"{path}:{code.co_firstlineno}({code.co_name})"


class ThreadProfiles:
    """cProfile in every thread (DUBAN_PROFILE_MODE=cprofile): deterministic call counts and CPU-ish time of the
    request threads too (cProfile alone sees only the thread that enabled it), timed in each thread's CPU time. Every
    five seconds the profiles of
    all threads are merged into DIR/cprofile-<pid>.pstats (read it with `python -m pstats`)."""

    def __init__(self, out: Path):
        import cProfile

        self.out, self._make, self.profiles, self._lock = out, cProfile.Profile, [], threading.Lock()

    def start(self) -> "ThreadProfiles":
        def first_call(frame, event, arg):  # runs once in each new thread, then cProfile takes over
            sys.setprofile(None)
            self._enable()

        threading.setprofile(first_call)
        self._enable()
        threading.Thread(target=self._dump_loop, name="duban-profile-dump", daemon=True).start()
        return self

    def _enable(self) -> None:
        prof = self._make(time.thread_time)  # CPU time of the thread: waits on the database or a lock cost nothing
        with self._lock:
            self.profiles.append(prof)
        prof.enable()

    def _dump_loop(self) -> None:
        import pstats

        while True:
            time.sleep(5)
            with self._lock:
                profiles = list(self.profiles)
            stats = pstats.Stats()
            for prof in profiles:
                prof.snapshot_stats()  # under the GIL, while the thread goes on (create_stats would stop it)
                one = pstats.Stats()
                one.stats = prof.stats
                one.get_top_level_stats()
                stats.add(one)
            if stats.stats:
                self.out.mkdir(parents=True, exist_ok=True)
                stats.dump_stats(str(self.out / f"cprofile-{os.getpid()}.pstats"))


def start_from_env() -> Sampler | ThreadProfiles | None:
    """Start profiling this process when DUBAN_PROFILE names a folder (benchmarks only): by sampling stacks, or with
    cProfile in every thread when DUBAN_PROFILE_MODE=cprofile."""
    folder, mode = settings().profile, settings().profile_mode
    if not folder:
        return None
    if mode == "cprofile":
        return ThreadProfiles(Path(folder)).start()
    return Sampler(Path(folder)).start()
