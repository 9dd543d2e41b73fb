"""The appraisal pages over TestClient: the office director starts a cycle (once per period), a staff member fills
in the self-assessment (a rating out of range refused beside its field), ratings come in, the director
calibrates against the quotas and signs off, the staff member reads the explained result and appeals, the
director adjusts it; each person sees only what engine.appraisal.views allows; every page in both languages."""
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from engine.runtime.boot import demo_org_path, load_org_file
from tests.support.office import CHEAP_HASH
from tests.appraisal.conftest import CycleDriver
from tests.support.clock import at
from tests.web.conftest import PageClient, csrf_of
from tests.web.test_pages_in_both_languages import CJK, SERIAL, visible_text


@pytest.fixture
def app(site, clock):
    load_org_file(site, demo_org_path(), password_hash=CHEAP_HASH)
    clock.set(at("2026-04-01 10:00"))
    return create_app(site)


def people(app):
    made = {}

    def desk(login, lang=None):
        if (login, lang) not in made:
            made[(login, lang)] = PageClient(app, login, lang)
        return made[(login, lang)]

    return desk


def task_in(page: str, step: str, ratee: str | None = None) -> int:
    pattern = rf'data-task="(\d+)" data-step="{step}"[^>]*' + (rf'data-ratee="{re.escape(ratee)}"' if ratee else "")
    m = re.search(pattern, page)
    assert m, f"no {step} task on the page"
    return int(m.group(1))


def post(desk, path: str, data: dict, page: str):
    return desk.http.post(path, data={"csrf": csrf_of(page), **data})


def test_a_cycle_from_the_pages(app, site, clock):
    desk = people(app)
    office, staff = desk("office"), desk("finance.staff1")
    page = office.get("/appraisal").text
    assert 'id="start-cycle"' in page and "还没有考核周期。" in page
    assert 'id="start-cycle"' not in staff.get("/appraisal").text  # only the office director and admins start
    r = post(office, "/appraisal", {"period": "2026 first quarter"}, page)
    assert r.status_code == 422 and 'data-error-for="period"' in r.text and "2026Q1" in r.text
    r = post(office, "/appraisal", {"period": "2026q1"}, page)
    assert r.status_code == 303 and r.headers["location"] == "/appraisal/1"
    r = post(office, "/appraisal", {"period": "2026Q1"}, page)
    assert r.status_code == 409 and "2026Q1 的考核周期已存在" in r.text
    r = post(staff, "/appraisal", {"period": "2026Q2"}, staff.get("/appraisal").text)
    assert r.status_code == 403

    page = staff.get("/appraisal/1").text
    own = task_in(page, "self_assess")
    assert '<details class="action" data-action="submit" open>' in page  # the form is open, ready to fill in
    assert re.search(rf'id="t{own}-submit-teamwork" name="teamwork" value="" step="any" min="0(\.0)?" max="5(\.0)?"', page)
    fields = re.findall(rf'id="t{own}-submit-([a-z_]+)"', page)
    assert "summary" in fields and "expertise" in fields
    values = {f: "4" for f in fields if f != "summary"}
    r = post(staff, f"/tasks/{own}/act/submit", {**values, "teamwork": "6", "summary": "本季度小结",
                                                 "back": "appraisal:1"}, page)
    assert r.status_code == 422 and 'data-error-for="teamwork"' in r.text and "应在 0 至 5 之间" in r.text
    head = desk("finance.head")
    r = post(head, f"/tasks/{own}/act/submit", {"summary": "代填", "back": "appraisal:1"}, head.get("/appraisal/1").text)
    assert r.status_code in (403, 404)  # personal: nobody submits it for them (the API answers the same)
    r = post(staff, f"/tasks/{own}/act/submit", {**values, "summary": "本季度小结", "back": "appraisal:1"}, page)
    assert r.status_code == 303 and r.headers["location"] == "/appraisal/1"
    after = staff.get("/appraisal/1").text
    assert 'data-step="self_assess"' not in after and "当前没有需要您填写的考核表。" in after

    cycle = CycleDriver(site, clock)
    cycle.id = 1
    cycle.rate_all("self_assess", lambda h, r, f: 4)
    cycle.rate_all("supervisor_rating", lambda h, r, f: 5)
    assert cycle.step() == "calibrate"
    assert "结果尚未公布。" in staff.get("/appraisal/1").text
    assert staff.get("/appraisal/1/people/finance.staff1").status_code == 404
    assert head.get("/appraisal/1/calibration").status_code == 403

    page = office.get("/appraisal/1").text
    assert page.count('<tr data-person="') == 16 and 'svg class="chart strips"' in page
    assert page.count("<circle ") == 16
    cal = office.get("/appraisal/1/calibration").text
    assert 'id="breaches"' in cal and "超出比例" in cal and ">财务助理 <" in cal
    calibrate = task_in(cal, "calibrate")
    assert f'id="t{calibrate}-calibrate-person-list"' in cal  # people to pick from
    r = post(office, f"/tasks/{calibrate}/act/submit", {"back": "appraisal:1:calibration"}, cal)
    assert r.status_code == 403 and 'class="flash err"' in r.text  # quotas exceeded and no reason given
    r = post(office, f"/tasks/{calibrate}/act/calibrate", {"person": "finance.staff1", "band": "good",
                                                           "reason": "名额所限", "back": "appraisal:1:calibration"}, cal)
    assert r.status_code == 303 and r.headers["location"] == "/appraisal/1/calibration"
    cal = office.get("/appraisal/1/calibration").text
    assert "名额所限" in cal
    r = post(office, f"/tasks/{calibrate}/act/submit", {"reason": "各部门人数少，优秀名额按部门掌握",
                                                        "back": "appraisal:1:calibration"}, cal)
    assert r.status_code == 303
    assert 'id="signed-off"' in office.get("/appraisal/1/calibration").text

    page = staff.get("/appraisal/1/people/finance.staff1").text
    assert 'id="dimensions"' in page and 'data-dimension="expertise"' in page and "良好" in page
    assert 'data-metric="on_time_rate"' in page and "名额所限" in page  # the change and its reason
    window = task_in(page, "appeal_window")
    r = post(staff, f"/tasks/{window}/act/appeal", {"reason": "", "back": "appraisal:1:finance.staff1"}, page)
    assert r.status_code == 422 and 'data-error-for="reason"' in r.text
    r = post(staff, f"/tasks/{window}/act/appeal", {"reason": "本季度承担了额外工作",
                                                    "back": "appraisal:1:finance.staff1"}, page)
    assert r.status_code == 303 and r.headers["location"] == "/appraisal/1/people/finance.staff1"
    assert desk("finance.staff2").get("/appraisal/1/people/finance.staff1").status_code == 404

    page = office.get("/appraisal/1/people/finance.staff1").text
    decision = task_in(page, "appeal_window", "finance.staff1")
    assert "本季度承担了额外工作" in page and f'data-task="{decision}" data-action="adjust"' in page
    r = post(office, f"/tasks/{decision}/act/adjust", {"score": "91", "band": "excellent", "reason": "额外工作属实",
                                                       "back": "appraisal:1:finance.staff1"}, page)
    assert r.status_code == 303
    page = staff.get("/appraisal/1/people/finance.staff1").text
    assert '<span class="n">91.00</span>' in page and "优秀" in page and "额外工作属实" in page


def test_appraisal_pages_in_english(app, site, clock):
    cycle = CycleDriver(site, clock)
    cycle.start("2026Q1", by="office")
    cycle.rate_all("self_assess", lambda h, r, f: 4)
    cycle.rate_all("supervisor_rating", lambda h, r, f: 4)
    title = cycle.view()["title"]
    for who, path in (("office", "/appraisal"), ("office", "/appraisal/1"), ("office", "/appraisal/1/calibration"),
                      ("office", "/appraisal/1/people/hr.staff1"), ("hr.staff1", "/appraisal/1"),
                      ("hr.staff1", "/appraisal")):
        for lang in ("zh", "en"):
            r = PageClient(app, who, lang).get(path)
            assert r.status_code == 200 and "⟦" not in r.text, (who, path, lang)
            if lang == "en":
                text = SERIAL.sub("", visible_text(r.text)).replace("中文", "").replace(title, "")
                assert not CJK.search(text), (who, path, sorted(set(CJK.findall(text))))


def test_evidence_links_open_the_task_s_item(app, site):
    item = site.start("directive", {"title": "安全检查", "instruction": "请办理。", "leader": "leader",
                                    "lead_unit": "finance", "due": "2026-04-20"}, "leader")
    task = site.act(1, "submit", "clerk", {}).task_id
    leader = PageClient(app, "leader")
    r = leader.get(f"/tasks/{task}")
    assert r.status_code == 303 and r.headers["location"] == f"/items/{item}#task-{task}"
    assert leader.get("/tasks/999999").headers["location"] == "/items/0#task-999999"
    assert TestClient(app, follow_redirects=False).get(f"/tasks/{task}").status_code == 303  # sign in first
