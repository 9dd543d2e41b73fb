"""The definition drawn as SVG for the item page: well-formed, one box per step in the page's language, the
current step highlighted, steps reached tinted, the edges that go back dashed, chase rules as notes, and
branches and long edges laid out without a box on top of another."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from api.pages.diagram import svg
from engine.core import dsl
from engine.parser.loader import parse_definition, shipped

NS = {"s": "http://www.w3.org/2000/svg"}
BRANCHING = """
id: branching
version: 1
title: {zh: 分支, en: Branching}
serial: {prefix: 分}
fields:
  title: {type: text, required: true}
  priority: {type: enum, values: [normal, urgent]}
start: triage
steps:
  triage:
    kind: task
    title: {zh: 分拣, en: Triage}
    actor: role:clerk
    next:
      - {to: urgent, when: subject.priority == "urgent"}
      - {to: normal}
  urgent:
    kind: task
    title: {zh: 加急办理, en: Urgent handling}
    actor: role:office_director
    next: archive
  normal:
    kind: task
    title: {zh: 常规办理, en: Normal handling}
    actor: role:clerk
    next: check
  check:
    kind: review
    title: {zh: 审核, en: Check}
    actor: role:clerk
    reject_to: normal
    next: archive
  archive:
    kind: end
    title: {zh: 归档, en: Archived}
"""


def boxes(root) -> dict[str, tuple[float, float, float, float]]:
    out = {}
    for g in root.iterfind(".//s:g[@data-step]", NS):
        r = g.find("s:rect", NS)
        if r is not None and "node" in g.get("class", ""):
            out[g.get("data-step")] = tuple(float(r.get(k)) for k in ("x", "y", "width", "height"))
    return out


@pytest.mark.parametrize("key", sorted(shipped()))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_shipped_definition_draws(key, lang):
    defn = shipped()[key][0]
    current = next(s for s, step in defn.steps.items() if step.kind not in ("chase", "end"))
    root = ET.fromstring(svg(defn, lang, current=current, visited={defn.start}))
    nodes = boxes(root)
    assert set(nodes) == {s for s, step in defn.steps.items() if step.kind != "chase"}
    labels = " ".join(t.text or "" for t in root.iterfind(".//s:text", NS))
    for step in defn.steps.values():
        assert step.title.text(lang) in labels
    assert root.find(f".//s:g[@data-step='{current}']", NS).get("class").startswith("node current")
    assert root.find(f".//s:g[@data-step='{current}']", NS).get("aria-current") == "step"
    notes = [g.get("data-step") for g in root.iterfind(".//s:g[@class='note chase']", NS)]
    assert notes == [s for s, step in defn.steps.items() if step.kind == "chase"]
    loops = any(isinstance(s, dsl.ReviewStep) or getattr(s, "return_to", None) for s in defn.steps.values())
    assert bool(root.findall(".//s:path[@class='edge back']", NS)) == loops  # return / reject go back up, dashed


def test_the_directive_in_words_and_colours():
    defn = shipped()["directive"][0]
    root = ET.fromstring(svg(defn, "zh", current="handle", visited={"register", "assign", "handle"}))
    classes = {g.get("data-step"): g.get("class").split()[1] for g in root.iterfind(".//s:g[@data-step]", NS)
               if "node" in g.get("class")}
    assert classes == {"__start__": "start", "register": "visited", "assign": "visited", "handle": "current",
                       "verify": "idle", "close": "idle"}
    back = [p for p in root.iterfind(".//s:path[@class='edge back']", NS)]
    assert len(back) == 2 and all(p.get("stroke-dasharray") for p in back)  # handle → assign, verify → handle
    labels = [t.text for t in root.iterfind(".//s:text[@class='edge-label']", NS)]
    assert labels.count("退回") == 2 and "通过" in labels
    note = " ".join(t.text for t in root.iterfind(".//s:g[@class='note chase']/s:text", NS))
    assert "3 个工作日黄牌" in note and "5 个工作日红牌" in note


def test_branches_sit_side_by_side_and_no_box_overlaps():
    defn = parse_definition(BRANCHING, "branching.yaml")
    root = ET.fromstring(svg(defn, "en", current="normal"))
    b = boxes(root)
    assert b["urgent"][1] == b["normal"][1]  # one rank: side by side
    assert b["check"][1] > b["normal"][1] and b["archive"][1] > b["check"][1]
    for i, (k1, r1) in enumerate(b.items()):
        for k2, r2 in list(b.items())[i + 1:]:
            apart = r1[0] + r1[2] <= r2[0] or r2[0] + r2[2] <= r1[0] or r1[1] + r1[3] <= r2[1] or r2[1] + r2[3] <= r1[1]
            assert apart, (k1, k2)
    assert len(root.findall(".//s:path[@class='edge skip']", NS)) == 1  # urgent → archive passes the check row
    texts = [t.text for t in root.iterfind(".//s:text[@class='edge-label']", NS)]
    assert 'subject.priority == "urgent"' in texts and "reject" in texts
