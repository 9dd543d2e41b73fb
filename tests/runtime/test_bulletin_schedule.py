"""The weekly bulletin sends itself on Friday at 16:00 (definitions/bulletin.yaml) to the leaders and the office
director, once a week: not before the moment, not twice, not again after a restart, not twice with two schedulers
at once; it is stored and downloads again exactly as it was sent, even after the board has moved on."""
from __future__ import annotations

import io
import threading

from docx import Document
from fastapi.testclient import TestClient

from api.app import create_app
from engine.parser.bulletin_file import load_bulletins
from engine.parser.kinds import check_file
from engine.parser.loader import definitions_dir
from engine.runtime import bulletins
from engine.runtime.boot import demo_org_path, load_org_file
from engine.runtime.scheduler import start_scheduler
from engine.store import db
from tests.support.clock import at
from tests.support.databases import demo_site
from tests.support.office import CHEAP_HASH, Api


def signed_in(site) -> Api:
    """The office over HTTP, with the demo people's password."""
    load_org_file(site, demo_org_path(), password_hash=CHEAP_HASH)
    return Api(TestClient(create_app(site)))


def sent(site) -> list:
    with db.read(site.eng) as conn:
        return bulletins.store.listing(conn=conn, limit=50)[0]


def test_the_bulletin_file_is_valid_and_says_friday_four_pm():
    path = definitions_dir() / "bulletin.yaml"
    assert check_file(path, path.read_bytes())[::2] == ("bulletin", [])
    (plan,) = load_bulletins(definitions_dir())
    assert (plan.schedule, plan.day, plan.at, plan.to) == ("weekly", 4, "16:00",
                                                           ("role:leader", "role:office_director"))
    bad = check_file(path, b"kind: bulletin\nid: weekly\ntitle: {zh: x, en: y}\nschedule: daily\nat: '4pm'\nto: []\n")
    assert [p.split(": ", 1)[0] for p in bad[2]] == [f"{path}:4", f"{path}:5", f"{path}:6"]


def test_friday_four_pm_sends_the_week_once_across_a_restart(office, clock, database_url):
    item = office.issue_directive(title="周五前报送安全检查", lead_unit="finance", co_units=["hr"], due="2026-03-04")
    office.register_and_assign(item)
    clock.set(at("2026-03-06 15:59"))
    assert bulletins.send_due(office.site) == []  # not before the moment
    clock.set(at("2026-03-06 16:00"))
    (first,) = bulletins.send_due(office.site)
    assert bulletins.send_due(office.site) == []
    restarted = demo_site(database_url, clock)  # the site comes back: the week's bulletin is not sent again
    try:
        bulletins.run(restarted)
        assert [b.id for b in sent(restarted)] == [first]
    finally:
        restarted.eng.dispose()
    (row,) = sent(office.site)
    assert row.key == "bulletin:weekly_bulletin:2026W10" and row.heading == "督查通报〔2026〕第 10 期"
    assert row.recipients == ["leader", "office"]
    api = signed_in(office.site)
    for who in ("leader", "office"):
        note = [n for n in api.ok("GET", "/notifications", who) if n["kind"] == "bulletin"]
        assert len(note) == 1 and note[0]["title"] == "【督查通报】督查通报〔2026〕第 10 期"
        assert f"/board/bulletins/{first}.pdf" in note[0]["body"]
    assert not [n for n in api.ok("GET", "/notifications", "clerk") if n["kind"] == "bulletin"]


def test_two_schedulers_at_once_send_one_bulletin(office, clock, database_url):
    clock.set(at("2026-03-13 16:30"))
    other = demo_site(database_url, clock)
    results: list[list[int]] = []
    gate = threading.Barrier(2)

    def run(site):
        gate.wait()
        results.append(bulletins.send_due(site))

    threads = [threading.Thread(target=run, args=(s,)) for s in (office.site, other)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        other.eng.dispose()
    assert sorted(len(r) for r in results) == [0, 1] and len(sent(office.site)) == 1


def test_a_friday_missed_while_down_is_sent_on_saturday_but_not_next_week(office, clock):
    clock.set(at("2026-03-14 10:00"))  # the site was down on Friday
    assert len(bulletins.send_due(office.site)) == 1
    clock.set(at("2026-03-16 09:00"))  # Monday: a new week, its Friday not come
    assert bulletins.send_due(office.site) == []


def test_a_sent_bulletin_downloads_again_as_it_was(office, clock):
    item = office.issue_directive(title="档案数字化", lead_unit="hr", co_units=[], due="2026-03-05")
    office.register_and_assign(item)
    clock.set(at("2026-03-06 16:00"))
    (bid,) = bulletins.send_due(office.site)
    api = signed_in(office.site)
    r = api.get("/supervision/bulletins", "office")
    assert r.headers["X-Total-Count"] == "1"
    listed = r.json()
    assert [b["id"] for b in listed] == [bid] and listed[0]["pdf"] == f"/api/v1/supervision/bulletins/{bid}.pdf"
    before = Document(io.BytesIO(api.get(f"/supervision/bulletins/{bid}.docx", "leader").content))
    office.do("hr.head", item, "handle", "accept", on="hr")
    office.do("hr.head", item, "handle", "complete", on="hr", report="已完成")
    office.do("clerk", item, "verify", "approve")
    after = Document(io.BytesIO(api.get(f"/supervision/bulletins/{bid}.docx", "leader").content))
    live = Document(io.BytesIO(api.get("/supervision/bulletin.docx?period=week", "leader").content))
    table = lambda d: [[c.text for c in r.cells] for r in d.tables[0].rows]  # noqa: E731
    assert table(after) == table(before) and table(live) != table(before)
    assert api.get(f"/supervision/bulletins/{bid}.pdf", "leader").headers["content-type"] == "application/pdf"
    assert api.get(f"/supervision/bulletins/{bid}.pdf", "hr.head").status_code == 403
    assert api.get("/supervision/bulletins/999.pdf", "leader").status_code == 404
    english = Document(io.BytesIO(api.get(f"/supervision/bulletins/{bid}.docx", "leader",
                                          headers={"Accept-Language": "en"}).content))
    assert english.paragraphs[0].text == "Supervision bulletin [2026] No. 10"


def test_the_sites_scheduler_runs_the_bulletin_job(site):
    sched = start_scheduler(site, sweep_seconds=3600, dispatch_seconds=3600)
    try:
        assert sched.get_job("bulletin") is not None
    finally:
        sched.shutdown(wait=True)
