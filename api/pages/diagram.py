"""A definition drawn as an SVG flowchart on the server, with the current step highlighted and the steps
already reached tinted: the same graph as engine.diagram's Mermaid text, laid out here so that the page
needs no diagram library. Steps go top to bottom by their longest distance from the start; edges that go
back (return, reject, redo) run in lanes on the right, long forward edges in lanes on the left, and each
chase step is a dashed note beside the steps it watches."""
from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from engine.core import dsl
from engine.reads.diagram import WORDS, chase_text, kind_label

START = "__start__"
NODE_H, RANK_GAP, COL_GAP, LANE = 46, 50, 28, 26


@dataclass
class Edge:
    src: str
    dst: str
    label: str
    back: bool = False
    lane: int = 0


def _q(text: object) -> str:
    return escape(str(text), {'"': "&quot;"})


def _width(text: str, size: int = 13) -> int:
    return sum(size if ord(ch) > 0x2E80 else round(size * 0.6) for ch in text)


def _word(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def edges_of(defn: dsl.Definition, lang: str) -> list[Edge]:
    out = [Edge(START, defn.start, "")]
    for sid, step in defn.steps.items():
        if isinstance(step, (dsl.ChaseStep, dsl.EndStep)):
            continue
        approve = _word(WORDS["approve"], lang) if isinstance(step, dsl.ReviewStep) else ""
        for t in step.next:
            out.append(Edge(sid, t.to, ": ".join(x for x in (approve, t.when) if x)))
        if isinstance(step, dsl.TaskStep):
            for name, o in step.outcomes.items():
                for t in o.next:
                    text = o.label.text(lang) if o.label else name
                    out.append(Edge(sid, t.to, ": ".join(x for x in (text, t.when) if x)))
        if isinstance(step, dsl.ReviewStep):
            out.append(Edge(sid, step.reject_to, _word(WORDS["reject"], lang)))
        if step.return_to:
            out.append(Edge(sid, step.return_to, _word(WORDS["return"], lang)))
    return [e for e in out if e.dst in defn.steps]


def _ranks(nodes: list[str], edges: list[Edge]) -> dict[str, int]:
    """Mark edges that close a cycle as `back` (depth-first from the start), then rank by longest path."""
    succ: dict[str, list[Edge]] = {n: [] for n in nodes}
    for e in edges:
        succ[e.src].append(e)
    state: dict[str, int] = {}
    order: list[str] = []

    def visit(n: str) -> None:
        state[n] = 1
        for e in succ[n]:
            if state.get(e.dst) == 1:
                e.back = True
            elif e.dst not in state:
                visit(e.dst)
        state[n] = 2
        order.append(n)

    visit(START)
    for n in nodes:
        if n not in state:
            visit(n)
    rank = {n: 0 for n in nodes}
    for n in reversed(order):  # topological order of the forward edges
        for e in succ[n]:
            if not e.back:
                rank[e.dst] = max(rank[e.dst], rank[n] + 1)
    return rank


def svg(defn: dsl.Definition, lang: str = "zh", *, current: str | None = None, visited: set[str] | None = None) -> str:
    visited = visited or set()
    steps = {sid: s for sid, s in defn.steps.items() if not isinstance(s, dsl.ChaseStep)}
    nodes = [START, *steps]
    edges = edges_of(defn, lang)
    rank = _ranks(nodes, edges)
    rows: dict[int, list[str]] = {}
    for n in nodes:
        rows.setdefault(rank[n], []).append(n)
    label = {n: (s.title.text(lang), kind_label(s, lang)) for n, s in steps.items()}
    width = {n: max(112, _width(label[n][0]) + 28, _width(label[n][1], 11) + 20) for n in steps}
    width[START] = 36

    notes = []
    for sid, s in defn.steps.items():
        if isinstance(s, dsl.ChaseStep):
            lines = [s.title.text(lang)] + chase_text(s, lang).split(" / ")
            notes.append((sid, s, lines, max(_width(x, 11) for x in lines) + 18))
    note_w = max([w for *_, w in notes], default=0)
    skips = [e for e in edges if not e.back and rank[e.dst] - rank[e.src] > 1]
    backs = [e for e in edges if e.back]
    for i, e in enumerate(skips):
        e.lane = i
    for i, e in enumerate(sorted(backs, key=lambda e: rank[e.src] - rank[e.dst])):
        e.lane = i  # short loops run in the inner lanes, so that lanes do not cross
    outs: dict[str, int] = {}
    ins: dict[str, int] = {}
    ports: dict[int, tuple[int, int]] = {}  # per back edge: its offsets out of the source and into the target
    for e in backs:
        ports[id(e)] = (outs.get(e.src, 0), ins.get(e.dst, 0))
        outs[e.src], ins[e.dst] = outs.get(e.src, 0) + 1, ins.get(e.dst, 0) + 1
    row_w = {r: sum(width[n] for n in ns) + COL_GAP * (len(ns) - 1) for r, ns in rows.items()}
    inner = max(row_w.values())
    x0 = 16 + (note_w + 24 if notes else 0) + LANE * len(skips)
    pos: dict[str, tuple[int, int]] = {}  # centre x, top y
    for r, ns in rows.items():
        x = x0 + (inner - row_w[r]) // 2
        for n in ns:
            pos[n] = (x + width[n] // 2, 16 + r * (NODE_H + RANK_GAP))
            x += width[n] + COL_GAP
    right = x0 + inner + 44
    total_w = right + LANE * len(backs) + 90
    total_h = 16 + (max(rows) + 1) * (NODE_H + RANK_GAP)
    mid = f"arr-{defn.id}"
    out = [f'<svg class="diagram" viewBox="0 0 {total_w} {total_h}" width="{total_w}" height="{total_h}" role="img" '
           f'aria-label="{_q(defn.title.text(lang))}" xmlns="http://www.w3.org/2000/svg" data-definition="{defn.id}">',
           f'<defs><marker id="{mid}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
           f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>']

    def line(points: list[tuple[int, int]], text: str, at: tuple[int, int], cls: str, anchor: str = "middle") -> None:
        d = " ".join(f"{'M' if i == 0 else 'L'}{x},{y}" for i, (x, y) in enumerate(points))
        dash = ' stroke-dasharray="5 4"' if cls == "back" else ""
        out.append(f'<path class="edge {cls}" d="{d}" fill="none" stroke="#555" stroke-width="1.4"{dash} '
                   f'marker-end="url(#{mid})"/>')
        if text:
            tw = _width(text, 11)
            lx = at[0] - tw // 2 if anchor == "middle" else at[0]
            out.append(f'<rect x="{lx - 3}" y="{at[1] - 11}" width="{tw + 6}" height="15" fill="#fff" opacity="0.9"/>'
                       f'<text class="edge-label" x="{lx}" y="{at[1]}" fill="#444" font-size="11">{_q(text)}</text>')

    for e in edges:
        (sx, sy), (dx, dy) = pos[e.src], pos[e.dst]
        if e.back:
            lane_x = right + LANE * e.lane + 10
            sxr, dxr = sx + width[e.src] // 2, dx + width[e.dst] // 2
            out_k, in_k = ports[id(e)]
            y_out, y_in = sy + NODE_H // 2 + 6 + 10 * out_k, dy + NODE_H // 2 - 6 - 10 * in_k
            line([(sxr, y_out), (lane_x, y_out), (lane_x, y_in), (dxr + 2, y_in)], e.label,
                 (sxr + 6, y_out + 13), "back", "start")  # the label under the line leaving the step
        elif e in skips:
            lane_x = x0 - LANE * (e.lane + 1)
            sxl, dxl = sx - width[e.src] // 2, dx - width[e.dst] // 2
            line([(sxl, sy + NODE_H // 2), (lane_x, sy + NODE_H // 2), (lane_x, dy + NODE_H // 2),
                  (dxl - 2, dy + NODE_H // 2)], e.label, (lane_x, (sy + dy) // 2 + NODE_H // 2), "skip")
        else:
            sb = sy + (NODE_H if e.src != START else 30)
            line([(sx, sb), (sx, sb + (dy - sb) // 2), (dx, sb + (dy - sb) // 2), (dx, dy - 2)], e.label,
                 ((sx + dx) // 2, sb + (dy - sb) // 2 - 4), "next")

    cx, cy = pos[START]
    out.append(f'<g class="node start" data-step="{START}"><circle cx="{cx}" cy="{cy + 15}" r="15" fill="#555"/>'
               f'<text x="{cx}" y="{cy + 19}" text-anchor="middle" fill="#fff" font-size="10">'
               f'{_q(_word(WORDS["start"], lang))}</text></g>')
    for n, s in steps.items():
        x, y = pos[n]
        w = width[n]
        cls = "current" if n == current else "visited" if n in visited else "idle"
        fill, stroke, sw = {"current": ("#fde68a", "#d97706", 3), "visited": ("#e7f2ea", "#2e7d4f", 1.5),
                            "idle": ("#ffffff", "#8a8a8a", 1.2)}[cls]
        rx = NODE_H // 2 if isinstance(s, dsl.EndStep) else 6
        aria = ' aria-current="step"' if cls == "current" else ""
        out.append(f'<g class="node {cls} kind-{s.kind}" data-step="{_q(n)}"{aria}>'
                   f'<rect x="{x - w // 2}" y="{y}" width="{w}" height="{NODE_H}" rx="{rx}" fill="{fill}" '
                   f'stroke="{stroke}" stroke-width="{sw}"/>'
                   f'<text x="{x}" y="{y + 20}" text-anchor="middle" fill="#222" font-size="13" '
                   f'font-weight="{700 if cls == "current" else 500}">{_q(label[n][0])}</text>'
                   f'<text x="{x}" y="{y + 36}" text-anchor="middle" fill="#666" font-size="11">'
                   f'{_q(label[n][1])}</text></g>')
    for sid, s, lines, w in notes:
        targets = [t for t in s.attach_to if t in pos]
        ty = pos[targets[0]][1] if targets else 16
        h = 16 * len(lines) + 10
        out.append(f'<g class="note chase" data-step="{_q(sid)}"><rect x="16" y="{ty}" width="{w}" height="{h}" rx="4" '
                   f'fill="#fff8e1" stroke="#b08800" stroke-dasharray="4 3"/>')
        for i, text in enumerate(lines):
            weight = ' font-weight="700"' if i == 0 else ""
            out.append(f'<text x="24" y="{ty + 18 + 16 * i}" fill="#5c4400" font-size="11"{weight}>{_q(text)}</text>')
        out.append("</g>")
        for t in targets:
            tx, tyy = pos[t]
            out.append(f'<path class="edge watch" d="M{16 + w},{ty + 14} L{tx - width[t] // 2},{tyy + NODE_H // 2}" '
                       f'fill="none" stroke="#b08800" stroke-dasharray="2 3"/>')
    out.append("</svg>")
    return "".join(out)
