"""`duban appraise --report`: every person's explained result as text, the same as the API's breakdown."""
from __future__ import annotations

from typing import Any

from engine.appraisal import store, views
from engine.store import db


def _n(x: Any) -> str:
    return "–" if x is None else f"{x:.2f}"


def _g(x: Any) -> str:
    return "–" if x is None else f"{x:g}"


def _band(b: dict | None) -> str:
    return f"{b['zh']} {b['en']}" if b else "–"


def person_text(r: dict) -> list[str]:
    """One person's result: the score and band with its threshold, then each dimension raw → contribution."""
    bd, nxt = r.get("band_detail"), r.get("next_band")
    threshold = f"（≥ {bd['min']:g}" + (f"；{nxt['name']['zh']} ≥ {nxt['min']:g}" if nxt else "") + "）" if bd else ""
    lines = [f"── {r['name']['zh']} {r['person']} · {r['unit']} · {r['category']} (scheme {r['scheme']} "
             f"{r['fingerprint'][:12]})",
             f"  得分 score {_n(r['score'])} → {_band(r['band'])}{threshold}"
             + (f"   [计算 computed {_n(r['computed_score'])} {_band(r['computed_band'])}]" if r["changed"] else "")]
    for d in r["dimensions"]:
        head = f"  {d['name']['zh']} {d['name']['en']} — 权重 weight {d['weight']:g}"
        if d["source"] == "metric":
            lines.append(f"{head} — metric: {d['formula']} (scale {d['scale'][0]:g}–{d['scale'][1]:g})")
            inputs = ", ".join(f"{k}={_g(v)}" for k, v in d["inputs"].items())
            ev = "; ".join(f"{k}: {', '.join(map(str, v)) or '—'}" for k, v in (d.get("evidence") or {}).items())
            lines.append(f"      inputs {inputs}; evidence tasks {ev}")
        else:
            raters = ", ".join(f"{p['label'][0]} {p['label'][1]} {_g(p['raw'])} ×{p['weight']:g} ({p['responses']})"
                               for p in d["raters"])
            lines.append(f"{head} — ratings (scale {d['scale'][0]:g}–{d['scale'][1]:g}): {raters}")
        if d["missing"]:
            lines.append(f"      未计入 left out: {d['note']['zh']} / {d['note']['en']}")
        else:
            lines.append(f"      raw {_n(d['raw'])} → normalised {_n(d['normalised'])} × effective weight "
                         f"{_n(d['effective_weight'])}% = {_n(d['contribution'])}")
            if d.get("note"):
                lines.append(f"      说明 note: {d['note']['zh']} / {d['note']['en']}")
    for note in r["notes"]:
        lines.append(f"  说明 note: {note['zh']} / {note['en']}")
    for c in r["changes"]:
        lines.append(f"  调整 change ({c['kind']}) {c['at']:%Y-%m-%d %H:%M} by {c['by']}: "
                     f"{_n(c['before'].get('score'))} {c['before'].get('band') or '–'} → "
                     f"{_n(c['after'].get('score'))} {c['after'].get('band') or '–'} — {c['reason']}")
    return lines


def report_text(site: Any, cycle_id: int) -> str:
    c = views.cycle_view(site, cycle_id)
    lines = [f"{c['serial']} {c['title']} — {c['period']} — {c['state_label']['zh']} {c['state_label']['en']}"
             + (f"（第 {c['revision']} 版 revision {c['revision']}）" if c["revision"] else ""),
             "考核方案 schemes: " + "; ".join(f"{k}{'' if v['id'] == k else ' ' + v['id']} {v['fingerprint']}"
                                              for k, v in c["schemes"].items())]
    with db.read(site.eng) as conn:
        people = [r.login for r in store.results(conn=conn, cycle_id=cycle_id)]
    if not people:
        lines.append("尚未计算得分 (no scores yet)")
    for login in people:
        lines.append("")
        lines += person_text(views.result(site, cycle_id, login, None))
    return "\n".join(lines) + "\n"
