"""Appraisal fixtures: a driver for a cycle (its item's tasks, submitting ratings, calibrating, appealing)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine.appraisal import store, views
from engine.appraisal.trigger import start_cycle
from engine.core.org import Holder
from engine.reads import items as queries
from engine.runtime.sweep import sweep
from engine.store import db
from tests.support.clock import at


class CycleDriver:
    """Works a cycle the way the office does: each person acts on their own tasks in the cycle's item."""

    def __init__(self, site, clock):
        self.site, self.clock = site, clock
        self.id: int | None = None

    def start(self, period="2026Q1", by=None):
        self.id, created = start_cycle(self.site, period, by=by)
        return created

    @property
    def row(self):
        with db.read(self.site.eng) as c:
            return store.cycle(conn=c, cycle_id=self.id)

    @property
    def item(self) -> int:
        return self.row.instance_id

    def view(self):
        return queries.item_view(self.site, self.item, None)

    def step(self):
        return self.view()["current_step"]

    def tasks(self, step, *, state="open", purpose=None):
        out = []
        for t in self.view()["tasks"]:
            if t["step"] != step or t["data"].get("purpose") != purpose:
                continue
            if state == "open" and t["state"] not in ("pending", "active"):
                continue
            out.append(t)
        return out

    def task_of(self, step, holder, ratee=None, purpose=None):
        """The open task of `step` that `holder` holds (personally, or by role), about `ratee`."""
        found = [t for t in self.tasks(step, purpose=purpose)
                 if (t["holder"].get("person") == holder or (not t["holder"].get("person")
                                                             and self.site.org.holds(holder, Holder(**t["holder"]))))
                 and (ratee is None or t["data"].get("ratee") == ratee)]
        assert found, f"no open {step} task for {holder} about {ratee}"
        return found[0]

    def act(self, who, task, action, **data):
        return self.site.act(task["id"], action, who, data)

    def submit(self, who, step, ratee=None, **data):
        return self.act(who, self.task_of(step, who, ratee), "submit", **data)

    def rate_all(self, step, value_of, skip=()):
        """Submit every open task of a rating step; `value_of(holder, ratee, field)` gives each value."""
        for t in self.tasks(step):
            holder, ratee = t["holder"]["person"], t["data"]["ratee"]
            if (holder, ratee) in skip or holder in skip:
                continue
            values = {f["name"]: value_of(holder, ratee, f["name"]) for f in t["data"].get("fields", [])}
            extra = {"summary": f"{ratee} 本季度小结"} if step == "self_assess" else {}
            self.act(holder, t, "submit", **values, **extra)

    def results(self, login="office"):
        return {r["person"]: r for r in views.results(self.site, self.id, login)["results"]}

    def result(self, person, login="office"):
        return views.result(self.site, self.id, person, login)

    def sweep_at(self, when):
        self.clock.set(at(when))
        return sweep(self.site)


def run_until(site, clock, when):
    """Move the clock to `when`, sweeping at every opening and close of office on the way (as the scheduler
    would); returns what fired, as (local time, kind, task id)."""
    cal, fired = site.cal, []
    d = cal.local_date(clock.now())
    while d <= cal.local_date(when):
        for moment in (cal.open_of(d), cal.close_of(d)):
            if clock.now() < moment <= when:
                clock.set(moment)
                fired += [(moment.strftime("%m-%d %H:%M"), f.kind, f.task_id) for f in sweep(site).fired]
        d += timedelta(days=1)
    clock.set(when)
    fired += [(when.strftime("%m-%d %H:%M"), f.kind, f.task_id) for f in sweep(site).fired]
    return fired


@pytest.fixture
def cycle(site, clock):
    return CycleDriver(site, clock)
