"""Import a supervision list (会议纪要督办清单): the spreadsheet read with the staff import's reader
(engine.runtime.people_sheet), every row checked like the registration form (engine.core.decision_list), then all
items started in one transaction — or, on a dry run or with any bad row, none — and the import audited last.
The template to fill in is built here too."""
from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

from engine.core import decision_list as rules, policy
from engine.core.people import RowProblem
from engine.core.states import InputError, NotAllowed
from engine.runtime.commands import open_item
from engine.runtime.site import Site
from engine.store import audit, db


class ListError(InputError):
    """A supervision list with bad rows: nothing imported; `details.rows` names every row and column."""

    code = "invalid_sheet"

    def __init__(self, problems: list[RowProblem]):
        rows = sorted({p.row for p in problems})
        super().__init__("file", f"清单有 {len(problems)} 处错误（第 {'、'.join(map(str, rows))} 行），未导入任何事项",
                         f"the list has {len(problems)} problem(s) (row(s) {', '.join(map(str, rows))}); "
                         "no item was imported")
        self.details["rows"] = [p.as_dict() for p in problems]


def import_list(site: Site, *, by: str, definition: str, header: list[str], rows: list[tuple[int, list[str]]],
                dry_run: bool, source: str) -> dict[str, Any]:
    """Items of `definition` from a list's rows, all or nothing; `dry_run` only says what would be created."""
    if definition not in site.definitions():
        raise InputError("definition", f"没有流程定义“{definition}”", f"there is no definition {definition!r}")
    actor = site.actor(by)
    defn = site.definition(definition)
    if not policy.may_start(actor, definition):
        raise NotAllowed(f"您无权发起“{defn.title.zh}”", f"you may not start a '{defn.title.en}'",
                         {"definition": definition})
    checked = rules.check_list(defn, site.org, header, rows, site.cal.local_date(site.clock.now()))
    if checked.problems:
        raise ListError(checked.problems)
    shown = [{"row": n, "title": s.get(defn.title_field, ""), "subject": s} for n, s in checked.subjects]
    if dry_run:
        return {"dry_run": True, "count": len(shown), "items": shown}
    ctx = site.ctx()
    with db.write(site.eng) as conn:
        for entry, (_, subject) in zip(shown, checked.subjects):
            entry["id"] = open_item(site, conn, defn, actor, subject, site.bind(ctx, conn))
        audit.record(conn=conn, at=ctx.now, actor=by, kind="items_imported",
                     zh=f"从 {source} 导入{defn.title.zh} {len(shown)} 项",
                     en=f"imported {len(shown)} {defn.title.en} item(s) from {source}",
                     data={"file": source, "definition": definition, "items": [e["id"] for e in shown]})
    return {"dry_run": False, "count": len(shown), "items": shown}


def template(site: Site, definition: str = "directive") -> bytes:
    """The list to fill in: the header row, an example row, and a sheet 说明 with units, people and the choices."""
    defn = site.definition(definition)
    wb = Workbook()
    ws = wb.active
    ws.title = "督办清单"
    headings = [h for h, _, name in rules.COLUMNS if name in defn.fields]
    ws.append(headings)
    for col, width in zip("ABCDEFGH", (28, 40, 14, 20, 14, 12, 12, 12)):
        ws.column_dimensions[col].width = width
    notes = wb.create_sheet("说明")
    notes.append(["列 Column", "说明", "Notes"])
    notes.append(["事项", "必填", "required"])
    notes.append(["批示内容/会议要求", "必填", "required"])
    notes.append(["主办单位", "必填；单位名称或代码", "required; unit name or code"])
    notes.append(["协办单位", "可空；多个用 、 分隔", "optional; several separated by 、"])
    notes.append(["办理时限", "可空；如 2026-03-20", "optional; e.g. 2026-03-20"])
    notes.append(["批示领导", "可空；姓名或登录名", "optional; name or login"])
    for name in ("source", "level", "priority"):
        f = defn.fields.get(name)
        if f is not None and f.values:
            heading = next((h for h, _, n in rules.COLUMNS if n == name), name)
            labels = [(f.labels or {}).get(v) for v in f.values]
            notes.append([heading, "、".join(lb.zh if lb else v for lb, v in zip(labels, f.values)),
                          ", ".join(lb.en if lb else v for lb, v in zip(labels, f.values))])
    notes.append([f"最多 {rules.MAX_ROWS} 行；有任何一行出错则全部不导入", "",
                  f"at most {rules.MAX_ROWS} rows; one bad row and nothing is imported"])
    notes.append([])
    notes.append(["单位代码 Unit code", "名称", "Name"])
    for u in site.org.units.values():
        notes.append([u.id, u.name_zh, u.name_en])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
