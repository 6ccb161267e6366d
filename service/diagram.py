"""A document's relations drawn as an inline SVG, on the server: no script, nothing loaded from elsewhere.

The document stands in the middle; what it relies on (its căn cứ, what it
implements, amends, replaces…) on the left, what relies on it on the right,
each column in the order of the page's lists (strongest kind first, then by
date).  Every arrow runs from the citing document to the cited one and carries
the kind's verb; a node links to its document when the index holds it, and is
drawn dashed when it is known only from a citation ("chưa có trong kho").  SVG
cannot measure text, so names are cut to fit a fixed box and given whole in
the node's ``<title>`` (its tooltip).  Every text is escaped.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from kb.retrieval.relations import HELD, DocumentRelations, RelatedDocument

from .messages import RELATION_KINDS
from .views import vn_date

__all__ = ["MAX_NODES", "relation_diagram"]

MAX_NODES = 8  # per side; past it, one node says how many more the lists below hold
WIDTH, NODE_W, NODE_H, ROW_H, PAD = 780, 200, 46, 58, 10
LEFT_X, CENTER_X, RIGHT_X = PAD, (WIDTH - NODE_W) // 2, WIDTH - PAD - NODE_W
FIRST_CHARS, SECOND_CHARS = 26, 32  # what fits on a node's two lines (13 and 11 pixels high)


def relation_diagram(relations: DocumentRelations) -> Markup:
    """The SVG, or an empty string when the document relates to nothing."""
    left = [d for group in relations.relies_on for d in group.documents]
    right = [d for group in relations.relied_on_by for d in group.documents]
    if not left and not right:
        return Markup("")
    rows = max(min(len(side), MAX_NODES + 1) for side in (left, right))
    height = max(rows, 1) * ROW_H + 2 * PAD
    center_y = (height - NODE_H) // 2
    parts = [f'<svg class="relation-diagram" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
             f'width="100%" role="img" aria-labelledby="relation-diagram-title">',
             '<title id="relation-diagram-title">Sơ đồ quan hệ văn bản</title>',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555d66"/></marker></defs>']
    parts += _side(left, LEFT_X, rows, center_y, outgoing=True)
    parts += _side(right, RIGHT_X, rows, center_y, outgoing=False)
    name = " ".join(v for v in (relations.doc_type, relations.number) if v) or "Văn bản này"
    parts.append(_box(CENTER_X, center_y, name, _second_line(relations.date, relations.issuer),
                      relations.title or name, style="center"))
    parts.append("</svg>")
    return Markup("".join(parts))


def _side(documents: list[RelatedDocument], x: int, rows: int, center_y: int, *, outgoing: bool) -> list[str]:
    """One column of nodes with their arrows: from the document to each (``outgoing``) or from each to it."""
    shown = documents[:MAX_NODES]
    count = len(shown) + (len(documents) > MAX_NODES)
    top = PAD + (rows - count) * ROW_H // 2
    parts = []
    for i, doc in enumerate(shown):
        y = top + i * ROW_H
        parts.append(_edge(x, y, center_y, RELATION_KINDS[doc.kind]["edge"], outgoing))
        parts.append(_node(doc, x, y))
    if len(documents) > MAX_NODES:
        parts.append(_box(x, top + MAX_NODES * ROW_H, f"+ {len(documents) - MAX_NODES} văn bản khác",
                          "xem danh sách bên dưới", "", style="more"))
    return parts


def _edge(x: int, y: int, center_y: int, verb: str, outgoing: bool) -> str:
    """An arrow between a side node and the middle one, its verb halfway (the arrows of a side spread out there)."""
    node = (x + NODE_W, y + NODE_H // 2) if x < CENTER_X else (x, y + NODE_H // 2)
    middle = (CENTER_X, center_y + NODE_H // 2) if x < CENTER_X else (CENTER_X + NODE_W, center_y + NODE_H // 2)
    start, end = (middle, node) if outgoing else (node, middle)
    label_x = (node[0] + middle[0]) // 2
    label_y = (node[1] + middle[1]) // 2 - 4
    return (f'<line x1="{start[0]}" y1="{start[1]}" x2="{end[0]}" y2="{end[1]}" stroke="#8a8f96" stroke-width="1.5" '
            f'marker-end="url(#arrow)"/>'
            f'<text x="{label_x}" y="{label_y}" text-anchor="middle" font-size="11" fill="#1c1f24" '
            f'stroke="#ffffff" stroke-width="3" paint-order="stroke">{escape(verb)}</text>')


def _node(doc: RelatedDocument, x: int, y: int) -> str:
    name = " ".join(v for v in (doc.doc_type, doc.number) if v) or doc.printed
    about = doc.title or doc.subject or ""
    if doc.found != HELD:
        about = f"{about} (chưa có trong kho)".strip()
    box = _box(x, y, name, _second_line(doc.date, doc.issuer), f"{name}: {about}" if about else name,
               style="held" if doc.found == HELD else "not-held")
    return f'<a href="/documents/{doc.id}" class="diagram-link">{box}</a>' if doc.found == HELD else box


_STYLES = {  # fill, stroke, dash, text weight
    "center": ("#8b1a1a", "#6d1313", "", "700"),
    "held": ("#ffffff", "#0b4f9c", "", "600"),
    "not-held": ("#f5f4f0", "#8a8f96", ' stroke-dasharray="5 3"', "400"),
    "more": ("#f5f4f0", "#d9d5cc", "", "400"),
}


def _box(x: int, y: int, first: str, second: str, tooltip: str, *, style: str) -> str:
    fill, stroke, dash, weight = _STYLES[style]
    ink = "#ffffff" if style == "center" else "#1c1f24"
    return (f'<g class="diagram-node {style}"><title>{escape(tooltip)}</title>'
            f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="6" fill="{fill}" stroke="{stroke}"{dash}/>'
            f'<text x="{x + 10}" y="{y + 19}" font-size="13" font-weight="{weight}" fill="{ink}">'
            f'{escape(_cut(first, FIRST_CHARS))}</text>'
            f'<text x="{x + 10}" y="{y + 36}" font-size="11" fill="{ink}">{escape(_cut(second, SECOND_CHARS))}</text></g>')


def _second_line(date: str | None, issuer: str | None) -> str:
    return " · ".join(v for v in (vn_date(date), issuer) if v)


def _cut(text: str, longest: int) -> str:
    return text if len(text) <= longest else text[:longest - 1].rstrip() + "…"
