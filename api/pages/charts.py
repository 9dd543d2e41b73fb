"""The board's charts as inline SVG drawn on the server: no script, no library, nothing fetched. Colours are
presentation attributes (the pages' Content-Security-Policy allows no inline styles)."""
from __future__ import annotations

from xml.sax.saxutils import escape

GREEN, RED, AMBER, BLUE, GREY, INK = "#2e7d4f", "#b3261e", "#c77700", "#2f5d8a", "#d9d9d9", "#333333"


def _q(text: object) -> str:
    return escape(str(text), {'"': "&quot;"})


def _width(text: str) -> int:
    """Rough width in pixels at 12px: CJK characters are twice as wide as Latin ones."""
    return sum(12 if ord(ch) > 0x2E80 else 7 for ch in text)


def hbars(rows: list[tuple[str, float, str]], *, label: str, colour: str = RED, cls: str = "") -> str:
    """Horizontal bars: (name, value, text shown after the bar)."""
    left = max([_width(n) for n, _, _ in rows] + [40]) + 12
    bar_w, row_h = 300, 26
    top = max((v for _, v, _ in rows), default=0) or 1
    h = row_h * max(1, len(rows)) + 8
    w = left + bar_w + 70
    parts = [f'<svg class="chart hbars {cls}" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
             f'aria-label="{_q(label)}" xmlns="http://www.w3.org/2000/svg">']
    for i, (name, value, text) in enumerate(rows):
        y = 4 + i * row_h
        length = 0 if value <= 0 else max(2, round(bar_w * value / top))
        parts.append(f'<text x="{left - 8}" y="{y + 17}" text-anchor="end" fill="{INK}">{_q(name)}</text>')
        parts.append(f'<rect x="{left}" y="{y + 5}" width="{bar_w}" height="16" fill="#f2f2f2"/>')
        if length:
            parts.append(f'<rect x="{left}" y="{y + 5}" width="{length}" height="16" fill="{colour}">'
                         f'<title>{_q(name)}: {_q(text)}</title></rect>')
        parts.append(f'<text x="{left + length + 6}" y="{y + 17}" fill="{INK}" data-value="{_q(text)}">'
                     f'{_q(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def rate_colour(rate: float) -> str:
    return GREEN if rate >= 0.9 else AMBER if rate >= 0.7 else RED


def rates(rows: list[tuple[str, float | None, str]], *, label: str) -> str:
    """On-time rates (0..1) as bars coloured by level; None is drawn as an empty row with its text."""
    left = max([_width(n) for n, _, _ in rows] + [40]) + 12
    bar_w, row_h = 300, 26
    h = row_h * max(1, len(rows)) + 8
    w = left + bar_w + 90
    parts = [f'<svg class="chart rates" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
             f'aria-label="{_q(label)}" xmlns="http://www.w3.org/2000/svg">']
    for i, (name, rate, text) in enumerate(rows):
        y = 4 + i * row_h
        parts.append(f'<text x="{left - 8}" y="{y + 17}" text-anchor="end" fill="{INK}">{_q(name)}</text>')
        parts.append(f'<rect x="{left}" y="{y + 5}" width="{bar_w}" height="16" fill="#f2f2f2"/>')
        length = 0 if not rate else max(2, round(bar_w * rate))
        if length:
            parts.append(f'<rect x="{left}" y="{y + 5}" width="{length}" height="16" fill="{rate_colour(rate)}">'
                         f'<title>{_q(name)}: {_q(text)}</title></rect>')
        parts.append(f'<text x="{left + bar_w + 6}" y="{y + 17}" fill="{INK}" data-value="{_q(text)}">'
                     f'{_q(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def weekly(weeks: list[dict], *, label: str, completed: str, overdue: str) -> str:
    """Completions and overdue items per week, as pairs of columns with a legend and a scale."""
    n = max(1, len(weeks))
    slot, left, top_pad, plot_h = 64, 34, 30, 160
    w, h = left + slot * n + 10, top_pad + plot_h + 34
    top = max([max(x["completed"], x["overdue"]) for x in weeks] + [1])
    step = max(1, -(-top // 4))
    top = step * 4
    parts = [f'<svg class="chart weekly" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
             f'aria-label="{_q(label)}" xmlns="http://www.w3.org/2000/svg">',
             f'<rect x="{left}" y="6" width="12" height="12" fill="{GREEN}"/>'
             f'<text x="{left + 16}" y="16" fill="{INK}">{_q(completed)}</text>',
             f'<rect x="{left + 30 + _width(completed)}" y="6" width="12" height="12" fill="{RED}"/>'
             f'<text x="{left + 46 + _width(completed)}" y="16" fill="{INK}">{_q(overdue)}</text>']
    for k in range(5):
        y = top_pad + plot_h - plot_h * k // 4
        parts.append(f'<line x1="{left}" y1="{y}" x2="{w - 6}" y2="{y}" stroke="{GREY}" stroke-width="1"/>'
                     f'<text x="{left - 6}" y="{y + 4}" text-anchor="end" fill="#777">{step * k}</text>')
    for i, wk in enumerate(weeks):
        x = left + i * slot + 16
        for j, (key, colour) in enumerate((("completed", GREEN), ("overdue", RED))):
            v = wk[key]
            bh = round(plot_h * v / top)
            if bh:
                parts.append(f'<rect x="{x + j * 16}" y="{top_pad + plot_h - bh}" width="14" height="{bh}" '
                             f'fill="{colour}" data-series="{key}" data-week="{_q(wk["label"])}">'
                             f'<title>{_q(wk["label"])} {_q(completed if key == "completed" else overdue)}: {v}'
                             f'</title></rect>')
        parts.append(f'<text x="{x + 15}" y="{top_pad + plot_h + 16}" text-anchor="middle" fill="#555">'
                     f'{_q(wk["label"])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def strips(rows: list[tuple[str, list[tuple[str, float]]]], *, label: str, mean: str, lo: float = 0,
           hi: float = 100) -> str:
    """Scores by unit: one row per unit, a dot per person (named in its tooltip) and a tick at the mean, on a
    scale from `lo` to the top (the lowest score rounded down to ten, when higher than `lo`)."""
    scores = [s for _, xs in rows for _, s in xs]
    lo = max(lo, min([(min(scores) // 10) * 10] if scores else [lo]))
    left = max([_width(n) for n, _ in rows] + [40]) + 12
    plot_w, row_h, top = 420, 30, 22
    w, h = left + plot_w + 30, top + row_h * max(1, len(rows)) + 24
    x = lambda v: left + round(plot_w * (v - lo) / ((hi - lo) or 1))  # noqa: E731
    parts = [f'<svg class="chart strips" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
             f'aria-label="{_q(label)}" xmlns="http://www.w3.org/2000/svg">',
             f'<line x1="{left}" y1="8" x2="{left + 16}" y2="8" stroke="{INK}" stroke-width="2"/>'
             f'<text x="{left + 22}" y="12" fill="{INK}">{_q(mean)}</text>']
    for k in range(6):
        v = lo + (hi - lo) * k / 5
        parts.append(f'<line x1="{x(v)}" y1="{top}" x2="{x(v)}" y2="{h - 20}" stroke="{GREY}"/>'
                     f'<text x="{x(v)}" y="{h - 6}" text-anchor="middle" fill="#777">{v:g}</text>')
    for i, (name, xs) in enumerate(rows):
        y = top + i * row_h + row_h // 2
        parts.append(f'<text x="{left - 8}" y="{y + 4}" text-anchor="end" fill="{INK}">{_q(name)}</text>')
        for person, s in xs:
            parts.append(f'<circle cx="{x(s)}" cy="{y}" r="5" fill="{BLUE}" fill-opacity="0.75" data-score="{s:g}">'
                         f'<title>{_q(person)}: {s:g}</title></circle>')
        m = sum(s for _, s in xs) / len(xs)
        parts.append(f'<line x1="{x(m)}" y1="{y - 10}" x2="{x(m)}" y2="{y + 10}" stroke="{INK}" stroke-width="2">'
                     f'<title>{_q(name)} {_q(mean)}: {m:.1f}</title></line>')
    parts.append("</svg>")
    return "".join(parts)
