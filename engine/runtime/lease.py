"""A running server's lease on its database (issue 18): `duban serve` takes a `server_lease` row at start, renews it
every HEARTBEAT seconds from a daemon thread, and removes it when it stops; `duban restore` refuses while a lease is
fresher than FRESH (engine.store.backup.servers_using). A server killed without a clean stop leaves a row that goes
stale after FRESH. The wall clock is used even in a drill: the lease says whether a process is alive now.

With `roles` (the scheduler: `duban serve` without --no-scheduler), each heartbeat also takes or renews each role
(engine.store.leases.hold_role): one server of the site holds it; when its holder dies, another server takes it over
at its first heartbeat after the holder's lease went stale (FRESH, so within FRESH + HEARTBEAT), and at once after
a clean stop. `holds(role)` is what the holder's jobs ask before they run."""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import timedelta
from typing import Any

from engine.clock import SystemClock
from engine.store import db, leases

HEARTBEAT = timedelta(seconds=10)
FRESH = timedelta(seconds=35)
log = logging.getLogger("duban.lease")


class Lease:
    """This process's lease: `stop()` ends the heartbeat and removes the row."""

    def __init__(self, eng: Any, address: str, *, heartbeat: timedelta = HEARTBEAT, roles: tuple[str, ...] = (),
                 fresh: timedelta = FRESH):
        self.eng, self.address, self.heartbeat, self.roles, self.fresh = eng, address, heartbeat, roles, fresh
        self.host, self.pid = socket.gethostname(), os.getpid()
        self.id = f"{self.host[:40]}:{self.pid}:{uuid.uuid4().hex[:12]}"
        self._held: set[str] = set()
        self._stop = threading.Event()
        self._renew()
        self._thread = threading.Thread(target=self._run, name="duban-lease", daemon=True)
        self._thread.start()

    def _renew(self) -> None:
        now = SystemClock().now()
        with db.write(self.eng) as conn:
            leases.hold(conn=conn, lease_id=self.id, host=self.host, pid=self.pid, address=self.address, now=now)
            held = {r for r in self.roles if leases.hold_role(conn=conn, role=r, lease_id=self.id, host=self.host,
                                                              pid=self.pid, now=now, within=self.fresh)}
        for role in held - self._held:
            log.info("this server now holds the %s role (lease %s)", role, self.id)
        self._held = held

    def holds(self, role: str) -> bool:
        """Whether this server held `role` at its last heartbeat."""
        return role in self._held

    def _run(self) -> None:
        while not self._stop.wait(self.heartbeat.total_seconds()):
            try:
                self._renew()
            except Exception:  # a database hiccup must not end the heartbeat; the next beat tries again
                log.exception("could not renew the server lease %s", self.id)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._held = set()
        try:
            with db.write(self.eng) as conn:
                for role in self.roles:
                    leases.release_role(conn=conn, role=role, lease_id=self.id)
                leases.release(conn=conn, lease_id=self.id)
        except Exception:  # the database may be gone at shutdown; the row then goes stale after FRESH
            log.exception("could not release the server lease %s", self.id)
