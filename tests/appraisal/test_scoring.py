"""Scoring is pure: missing parts are left out and their weight shared among the rest (and said so), peers count
only from N responses, the band is read off the rounded score, quotas round as the scheme says; and the scoring
modules import no framework and read no clock."""
from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace

import pytest

from engine.appraisal.calibration import allowed, breaches, distribution
from engine.appraisal.schemes import parse_scheme
from engine.appraisal.scoring import explain, r2, score_person as stored

from tests.test_layout import ENGINE, FRAMEWORKS, clock_reads, imported_roots, parse

SCHEME = parse_scheme("""
id: t
category: t
title: {zh: 测试, en: Test}
raters: {self: 20, supervisor: 60, peers: 20}
peers: {min_responses: 2}
dimensions:
  done:  {name: {zh: 任务完成情况, en: Done}, weight: 50, metric: on_time_rate * 100 - 10 * escalations}
  team:  {name: {zh: 团队合作能力, en: Team}, weight: 30, ratings: {}}
  skill: {name: {zh: 专业知识与技能, en: Skill}, weight: 20, ratings: {raters: {supervisor: 100}}}
bands:
  - {id: excellent, name: {zh: 优秀, en: Excellent}, min: 90, quota: 20%}
  - {id: good, name: {zh: 良好, en: Good}, min: 80}
  - {id: fail, name: {zh: 不合格, en: Fail}, min: 0}
""", "t.yaml")
def score_person(scheme, figures, ratings):
    return explain(scheme, stored(scheme, figures, ratings))


FIGURES = {"assigned": 4, "completed": 3, "completed_on_time": 2, "late": 1, "escalations": 1}


def rating(relation, **values):
    return {"relation": relation, "values": values, "task_id": 0}


def test_every_part_present():
    r = score_person(SCHEME, FIGURES, [rating("self", team=5), rating("supervisor", team=4, skill=4),
                                       rating("peer", team=3), rating("peer", team=4)])
    done = Fraction(2, 3) * 100 - 10
    team = (20 * 5 + 60 * 4 + 20 * Fraction(7, 2)) / 100 * 20
    skill = Fraction(4) * 20
    exact = (done * 50 + team * 30 + skill * 20) / 100
    assert r["score"] == r2(exact) == 68.93
    assert abs(Fraction(r["score_exact"]) - exact) < Fraction(1, 10**30) and not r["renormalised"]
    assert r["band"]["id"] == "fail" and r["next_band"]["id"] == "good"
    assert [d["contribution"] for d in r["dimensions"]] == [r2(done / 2), r2(team * 3 / 10), r2(skill / 5)]


def test_too_few_peers_are_left_out_and_the_rater_weights_shared():
    r = score_person(SCHEME, FIGURES, [rating("self", team=5), rating("supervisor", team=4, skill=4),
                                       rating("peer", team=1)])
    team = next(d for d in r["dimensions"] if d["id"] == "team")
    assert team["raw"] == r2(Fraction(20 * 5 + 60 * 4, 80))  # the one peer rating does not count
    assert [p["counted"] for p in team["raters"]] == [True, True, False]
    assert "同事评价 1 份，少于 2 份，未计入" in team["note"]["zh"]


def test_no_tasks_leaves_the_metric_out_and_renormalises():
    r = score_person(SCHEME, {"assigned": 0, "completed": 0}, [rating("supervisor", team=4, skill=5)])
    done = r["dimensions"][0]
    assert done["missing"] and done["contribution"] is None and "本期没有任务" in done["note"]["zh"]
    assert r["renormalised"] and r["present_weight"] == 50
    assert [d["effective_weight"] for d in r["dimensions"][1:]] == [60.0, 40.0]
    assert r["score"] == r2(Fraction(80 * 30 + 100 * 20, 50)) == 88.0
    assert "其权重（共 50）已按其余维度重新归一" in r["notes"][0]["zh"]


def test_nothing_completed_means_no_on_time_rate():
    r = score_person(SCHEME, {"assigned": 2, "completed": 0, "overdue_open": 1}, [rating("supervisor", team=4, skill=4)])
    assert r["dimensions"][0]["missing"] and "无从计算" in r["dimensions"][0]["note"]["zh"]


def test_nothing_at_all_gives_no_result():
    r = score_person(SCHEME, None, [])
    assert r["score"] is None and r["band"] is None and r["present_weight"] == 0


def test_the_band_is_read_off_the_rounded_score():
    x = Fraction(39995, 10000)  # score = 50 + 10 x = 89.995, shown as 90.00: 优秀, as shown
    r = score_person(SCHEME, {"assigned": 1, "completed": 1, "completed_on_time": 1},
                     [rating("supervisor", team=x, skill=x)])
    assert r["score_exact"] == "89.995" and r["score"] == 90.0
    assert r["band"]["id"] == "excellent"


def test_metric_values_are_clamped_to_the_scale():
    r = score_person(SCHEME, {"assigned": 1, "completed": 1, "completed_on_time": 0, "escalations": 3},
                     [rating("supervisor", team=4, skill=4)])
    assert (r["dimensions"][0]["raw"], r["dimensions"][0]["normalised"]) == (-30.0, 0.0)


@pytest.mark.parametrize("rounding, n, expected", [("round", 3, 1), ("floor", 3, 0), ("ceil", 3, 1),
                                                     ("round", 10, 2), ("round", 12, 2), ("round", 13, 3)])
def test_quota_rounding(rounding, n, expected):
    assert allowed(Fraction(1, 5), n, rounding) == expected


def test_distribution_against_quotas():
    rows = [SimpleNamespace(category="t", login=f"p{i}", band=b) for i, b in
            enumerate(["excellent", "excellent", "good", "fail", None])]
    dist = distribution(rows, {"t": SCHEME})
    assert [(b["id"], b["count"], b["allowed"], b["breach"]) for b in dist[0]["bands"]] == [
        ("excellent", 2, 1, True), ("good", 1, None, False), ("fail", 1, None, False)]
    assert dist[0]["unscored"] == ["p4"]
    assert breaches(dist) == [{"category": "t", "band": "excellent", "count": 2, "allowed": 1, "quota": "20%"}]


@pytest.mark.parametrize("name", ["scoring", "schemes", "calibration", "periods"])
def test_the_pure_appraisal_modules_import_no_framework_and_read_no_clock(name):
    tree = parse(ENGINE / "appraisal" / f"{name}.py")
    assert sorted(imported_roots(tree) & FRAMEWORKS) == [] and clock_reads(tree) == []
