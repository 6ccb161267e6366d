"""service.diagram: a document's relations as inline SVG: well-formed, escaped, linked, arrows the right way."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from kb.retrieval.relations import HELD, NOT_HELD, DocumentRelations, RelatedDocument, RelationGroup
from service.diagram import CENTER_X, MAX_NODES, NODE_W, relation_diagram

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script> & "Bộ"'


def _related(kind: str, found: str, number: str, doc_id: int | None = None, issuer: str | None = "Tỉnh ủy",
             title: str | None = None) -> RelatedDocument:
    return RelatedDocument(kind=kind, found=found, id=doc_id, doc_type="Kế hoạch", number=number, date="2016-07-20",
                           issuer=issuer, title=title, subject=None if doc_id else "học tập", printed=number,
                           sentence="…", chunk_id=1, places=1)


def _relations(relies_on: list[RelatedDocument], relied_on_by: list[RelatedDocument]) -> DocumentRelations:
    def groups(documents: list[RelatedDocument]) -> list[RelationGroup]:
        return [RelationGroup(kind, [d for d in documents if d.kind == kind])
                for kind in dict.fromkeys(d.kind for d in documents)]
    return DocumentRelations(id=1, doc_type="Chỉ thị", number="05-CT/TW", date="2016-05-15", issuer="Bộ Chính trị",
                             title=HOSTILE, relies_on=groups(relies_on), relied_on_by=groups(relied_on_by))


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # raises on anything not well-formed: unescaped text would


def test_a_document_without_relations_has_no_diagram():
    assert relation_diagram(_relations([], [])) == ""


def test_nodes_link_held_documents_and_dash_those_not_held():
    svg = relation_diagram(_relations(
        [_related("basis", NOT_HELD, "01-QĐ/TU")],
        [_related("implements", HELD, "12-KH/TU", 3, title="Kế hoạch thực hiện"),
         _related("replaces", HELD, "30-KH/TU", 5)]))
    root = _parse(svg)
    links = root.findall(f"{SVG}a")
    assert [a.get("href") for a in links] == ["/documents/3", "/documents/5"]
    nodes = {g.find(f"{SVG}text").text: g for g in root.iter(f"{SVG}g")}
    assert set(nodes) == {"Kế hoạch 01-QĐ/TU", "Kế hoạch 12-KH/TU", "Kế hoạch 30-KH/TU", "Chỉ thị 05-CT/TW"}
    assert nodes["Kế hoạch 01-QĐ/TU"].find(f"{SVG}rect").get("stroke-dasharray")
    assert nodes["Kế hoạch 01-QĐ/TU"].find(f"{SVG}title").text == "Kế hoạch 01-QĐ/TU: học tập (chưa có trong kho)"
    assert nodes["Kế hoạch 12-KH/TU"].find(f"{SVG}rect").get("stroke-dasharray") is None
    assert nodes["Kế hoạch 12-KH/TU"].findall(f"{SVG}text")[1].text == "20/07/2016 · Tỉnh ủy"
    labels = [t.text for t in root.findall(f"{SVG}text")]
    assert labels == ["căn cứ", "thực hiện", "thay thế"]


def test_arrows_run_from_the_citing_document_to_the_cited():
    root = _parse(relation_diagram(_relations([_related("basis", NOT_HELD, "01-QĐ/TU")],
                                              [_related("implements", HELD, "12-KH/TU", 3)])))
    outgoing, incoming = root.findall(f"{SVG}line")
    assert int(outgoing.get("x1")) == CENTER_X and int(outgoing.get("x2")) < CENTER_X  # from it to what it relies on
    assert int(incoming.get("x2")) == CENTER_X + NODE_W and int(incoming.get("x1")) > CENTER_X + NODE_W  # to it


def test_every_text_is_escaped_and_long_names_cut():
    svg = relation_diagram(_relations([_related("basis", NOT_HELD, "01-QĐ/TU", issuer=HOSTILE * 3)], []))
    assert "<script>" not in svg
    root = _parse(svg)
    center = [g for g in root.iter(f"{SVG}g") if "center" in g.get("class", "")][0]
    assert center.find(f"{SVG}title").text == HOSTILE  # whole in the tooltip
    second_lines = [g.findall(f"{SVG}text")[1].text for g in root.iter(f"{SVG}g")]
    assert second_lines[0].startswith('20/07/2016 · <script>alert("x")') and second_lines[0].endswith("…")


def test_a_long_side_ends_in_a_node_saying_how_many_more():
    many = [_related("implements", HELD, f"{n}-KH/HU", n) for n in range(1, MAX_NODES + 4)]
    root = _parse(relation_diagram(_relations([], many)))
    assert len(root.findall(f"{SVG}a")) == MAX_NODES
    assert [g.find(f"{SVG}text").text for g in root.iter(f"{SVG}g") if "more" in g.get("class", "")] == [
        "+ 3 văn bản khác"]
