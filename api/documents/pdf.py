"""PDF documents through WeasyPrint (HTML and CSS to PDF, with Debian's pango): the bulletin, the notice slip and
the chase slip, A4, in Chinese (WenQuanYi Zen Hei, embedded as the subset used) or English. The bulletin's chart is
the board's own SVG (api/pages/charts.weekly)."""
from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from weasyprint import HTML

from api.documents.docx import HEADLINE
from api.pages.charts import weekly
from engine.reads.bulletin import change, percent

HERE = Path(__file__).parent / "templates"
_env = Environment(loader=FileSystemLoader(HERE), autoescape=select_autoescape(["html"]))
_env.globals.update(percent=percent, change=change, headline=HEADLINE)


def _css() -> str:
    return (HERE / "paper.css").read_text(encoding="utf-8")


def _pdf(template: str, **context: object) -> bytes:
    html = _env.get_template(template).render(css=Markup(_css()), **context)
    return HTML(string=html, base_url=str(HERE)).write_pdf()


def bulletin_pdf(b: dict) -> bytes:
    """The bulletin model (engine.reads.bulletin.build) as PDF bytes."""
    w = b["words"]
    chart = Markup(weekly(b["weeks"], label=w["chart"], completed=w["completed"], overdue=w["fell_overdue"]))
    return _pdf("bulletin.html", b=b, chart=chart)


def notice_pdf(n: dict) -> bytes:
    """督办通知单 (engine.reads.slips.notice) as PDF bytes."""
    return _pdf("notice.html", n=n, en=n["lang"].startswith("en"))


def chase_slip_pdf(c: dict) -> bytes:
    """催办单 (engine.reads.slips.chase_slip) as PDF bytes."""
    return _pdf("chase_slip.html", c=c, en=c["lang"].startswith("en"))
