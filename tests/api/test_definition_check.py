"""The YAML check of a definition is for the people who write definitions (administrators and the office director,
policy.DEFINE_ROLES), takes 256 KB at most, refuses YAML bombs at once and gives up after two seconds of work
with a clear message, its work truly stopped."""
from __future__ import annotations

import time

import pytest

from api.routes import definitions
from engine.core import policy
from engine.core.states import DefinitionError
from engine.parser.definition import parse_definition
from engine.parser.loader import definitions_dir

LAUGHS = "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol,lol]\n" + "".join(
    f"{c}: &{c} [{','.join([f'*{p}'] * 10)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))


def check(api, who: str, text: str, **headers):
    return api.post("/definitions/validate", who, content=text.encode(),
                    headers={"Content-Type": "text/plain", **headers})


def test_only_definition_authors_may_check_yaml(api):
    assert policy.DEFINE_ROLES == {"admin", "office_director"}
    text = (definitions_dir() / "directive.yaml").read_text(encoding="utf-8")
    assert check(api, "admin", text).json()["ok"] is True
    assert check(api, "office", text).json()["ok"] is True
    for who in ("clerk", "leader", "finance.head", "it.staff1"):
        r = check(api, who, text, **{"Accept-Language": "en"})
        assert r.status_code == 403 and r.json()["error"]["code"] == "not_allowed", who
        assert "office director" in r.json()["error"]["message"]


def test_more_than_256_kb_is_refused_naming_the_limit(api):
    r = check(api, "office", "# " + "x" * (256 * 1024))
    assert r.status_code == 422 and r.json()["error"]["details"]["fields"] == ["yaml"]
    assert "256 KB" in r.json()["error"]["message"]
    r = api.post("/definitions/validate", "office", json={"yaml": "x" * (256 * 1024 + 1)})
    assert r.status_code == 422 and "256 KB" in r.json()["error"]["message"]
    fits = check(api, "office", "# " + "x" * (250 * 1024))
    assert fits.status_code == 200 and fits.json()["ok"] is False  # a comment is no definition


def test_a_billion_laughs_is_refused_at_once(api):
    started = time.perf_counter()
    r = check(api, "office", LAUGHS)
    assert time.perf_counter() - started < 1.0
    assert r.status_code == 200 and r.json()["ok"] is False
    assert "expands beyond 100,000 values" in r.json()["problems"][0]


def test_a_check_that_runs_past_its_time_gives_up_with_a_clear_message(api, monkeypatch):
    monkeypatch.setattr(definitions, "CHECK_SECONDS", 0.0)  # every check is already out of time
    text = (definitions_dir() / "directive.yaml").read_text(encoding="utf-8")
    r = check(api, "office", text)
    assert r.json()["ok"] is False
    assert r.json()["problems"] == [f"definition.yaml:1: {definitions.GAVE_UP}"]
    assert "2 秒" in definitions.GAVE_UP and "gave up" in definitions.GAVE_UP


@pytest.mark.parametrize("stop_at", [1, 2, 5])
def test_the_parser_stops_when_told_and_does_no_more_work(stop_at):
    """The parser asks `give_up` as it goes; once told to stop it asks no more (the work has ended)."""
    text = "id: x\nversion: 1\nsteps:\n" + "".join(f"  s{i}:\n    kind: task\n    next: s{i + 1}\n"
                                                    for i in range(1500))
    asked = []

    def give_up():
        asked.append(1)
        return "stop here" if len(asked) >= stop_at else None

    with pytest.raises(DefinitionError) as e:
        parse_definition(text, "d.yaml", give_up=give_up)
    assert e.value.problems == ["d.yaml:1: stop here"]
    assert len(asked) == stop_at
