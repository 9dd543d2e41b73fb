"""Forms of the pages: the fields of a task's actions and of a definition's subject as widgets, posted forms
back to the data the engine takes, and the engine's errors placed beside the field they name."""
from __future__ import annotations

from markupsafe import Markup, escape

from dataclasses import dataclass, field as dc_field
from typing import Any

from starlette.datastructures import FormData

from engine.core import dsl
from engine.core.limits import bounds
from engine.core.rating import label as rating_words
from engine.runtime.site import Site
from engine.core.states import DubanError, InputError

TONES = {"accept": "go", "complete": "go", "approve": "go", "submit": "go", "assign": "go",
         "return": "warn", "reject": "warn", "cancel": "danger", "chase": "warn"}
LIST_TYPES = ("units",)
# the actions whose forms offer 抄送 on the pages (the API takes `cc` on every action)
CC_ON_PAGES = ("assign", "transfer", "circulate")


@dataclass
class FormError:
    """An engine error to show on a form: beside `field` when it names one of the form's fields."""

    message: str
    task: int | None = None
    action: str | None = None
    field: str | None = None
    values: dict[str, Any] = dc_field(default_factory=dict)
    status: int = 422
    placed: bool = True  # shown beside its form; else at the top of the page

    def place(self, tasks: list[dict]) -> "FormError":
        """Is the form that was sent on the page (a task one may no longer act on is not)?"""
        self.placed = any(t["id"] == self.task and self.action in (a["name"] for a in t["ui_actions"]) for t in tasks)
        return self


def form_error(exc: DubanError, lang: str, values: dict, *, task: int | None = None, action: str | None = None,
               status: int = 422) -> FormError:
    """The API's message for `exc` (in the page language); a field error loses its `field: ` prefix."""
    name = exc.field if isinstance(exc, InputError) else exc.details.get("field")
    text = exc.en if lang == "en" else exc.zh
    if name and text.startswith(f"{name}: "):
        text = text[len(name) + 2:]
    return FormError(text, task, action, name, values, status)


def options(site: Site, lang: str) -> dict:
    """Choices for unit and person fields: units in order, people grouped by unit."""
    org, en = site.org, lang == "en"
    units = [(u.id, u.name_en if en else u.name_zh) for u in org.units.values()]
    people = [(name, [(p.login, (p.name_en or p.login) if en else p.name_zh)
                      for p in org.people.values() if p.unit == code]) for code, name in units]
    people = [g for g in people if g[1]]
    return {"units": units, "people": people, **option_html(units, people)}


def option_html(units: list[tuple[str, str]], people: list[tuple[str, list[tuple[str, str]]]]) -> dict:
    """The unit and person <option>s with nothing selected, built once a page (a list page has a select of them in
    every transfer, assign and split form): exactly what _macros.html's loops write when no value is chosen."""
    unit_opts = "".join(f'<option value="{escape(c)}">{escape(n)}</option>' for c, n in units)
    groups = "".join(f'<optgroup label="{escape(g)}">' + "".join(
        f'<option value="{escape(login)}">{escape(n)}</option>' for login, n in ps) + "</optgroup>" for g, ps in people)
    return {"unit_options": Markup(unit_opts), "people_groups": Markup(groups)}


def _text(label: Any, lang: str, default: str) -> str:
    if label is None:
        return default
    if isinstance(label, dict):
        return label.get(lang) or label.get("zh") or default
    return label.text(lang)


def action_fields(action: dict, lang: str) -> list[dict]:
    return [{"name": f["name"], "type": f["type"], "required": f["required"],
             "label": _text(f["label"], lang, f["name"]), "choices": f.get("choices") or [], "choice_labels": {},
             "min": f.get("min"), "max": f.get("max"), "max_length": f.get("max_length")} for f in action["fields"]]


def ui_actions(site: Site, task: dict, lang: str, chase_text: str) -> list[dict]:
    """The task's actions (exactly those the engine lists for the viewer) with widget fields and prefills."""
    defn = site.definition(task["definition"])
    step = defn.steps.get(task["step"])
    outcomes = step.outcomes if isinstance(step, dsl.TaskStep) else {}
    out = []
    for a in task["actions"]:
        fields = [f for f in action_fields(a, lang) if f["name"] != "cc" or a["name"] in CC_ON_PAGES]
        label = _text(a["label"], lang, a["name"])
        if a["name"] in outcomes and outcomes[a["name"]].label:
            label = outcomes[a["name"]].label.text(lang)
        for f in fields:
            if f["name"] == "outcome":
                f["choice_labels"] = {k: o.label.text(lang) for k, o in outcomes.items() if o.label}
            elif a["name"] == "rate" and f["name"] == "rating":  # 办结评价: 满意 / 基本满意 / 不满意
                f["choice_labels"] = {k: rating_words(k, lang) for k in f["choices"]}
        prefill: dict[str, Any] = {}
        if a["name"] == "assign" or (a["name"] == "transfer" and isinstance(step, dsl.TransferStep)):
            prefill = dict(task["data"].get("prefill") or {})  # what the step proposes (转办: the approved 拟办)
        elif a["name"] == "chase":
            prefill = {"message": chase_text}
        out.append({"name": a["name"], "label": label, "tone": TONES.get(a["name"], "plain"), "fields": fields,
                    "field_names": [f["name"] for f in fields], "prefill": prefill})
    return out


def subject_fields(defn: dsl.Definition, lang: str) -> list[dict]:
    return [{"name": k, "type": f.type, "required": f.required, "label": _text(f.label, lang, k),
             "choices": list(f.values or []), "choice_labels": {v: lb.text(lang) for v, lb in (f.labels or {}).items()},
             "default": f.default, "min": getattr(f, "min", None), "max": getattr(f, "max", None),
             "max_length": bounds(f.type).get("max_length")}
            for k, f in defn.fields.items()]


def read_fields(form: FormData, fields: list[dict]) -> dict:
    """The posted values of `fields`: lists for multi-choice fields, booleans for check boxes, text otherwise
    (empty text left out, so that the engine reports what is required)."""
    data: dict[str, Any] = {}
    for f in fields:
        name = f["name"]
        if f["type"] in LIST_TYPES:
            data[name] = [str(v) for v in form.getlist(name) if str(v).strip()]
        elif f["type"] == "boolean":
            data[name] = str(form.get(name, "")).lower() in ("true", "on", "1")
        else:
            value = str(form.get(name, ""))
            if value.strip():
                data[name] = value
    return data


def subject_rows(site: Site, defn: dsl.Definition, subject: dict, fmt: Any, t: Any) -> list[tuple[str, str]]:
    """The item's subject as (label, value) lines in the page language."""
    rows = []
    for f in subject_fields(defn, fmt.lang):
        v = subject.get(f["name"])
        if v is None or v == "" or v == []:
            continue
        if f["type"] == "unit":
            text = fmt.unit(v)
        elif f["type"] == "units":
            text = ("、" if fmt.lang == "zh" else ", ").join(fmt.target(u) for u in v)
        elif f["type"] == "person":
            text = fmt.person(v)
        elif f["type"] == "enum":
            text = f["choice_labels"].get(v, v)
        elif f["type"] == "boolean":
            text = t("yes") if v else t("no")
        elif f["type"] in ("date", "datetime"):
            text = fmt.d(v) if f["type"] == "date" else fmt.dt(v)
        elif f["type"] == "milestones":  # 节点: "2026-04-10 调研摸底；2026-05-01 形成初稿"
            text = ("；" if fmt.lang == "zh" else "; ").join(f"{m['due']} {m['title']}" for m in v)
        else:
            text = str(v)
        rows.append((f["label"], text))
    return rows
