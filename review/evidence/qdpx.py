"""REFI-QDA export (`.qdpx`): the coded evidence as a project NVivo, ATLAS.ti, MAXQDA or QualCoder opens.

A .qdpx is a ZIP holding `project.qde` (QDA-XML valid against Project-mrt2019.xsd; a copy is in
review/data/refi-qda/) and `Sources/`, one UTF-8 text file per document (`plainTextPath` =
`internal://GUID.txt`). The codebook's themes are codes with their sub-themes nested; each coded
segment is a PlainTextSelection (character positions in its document's text, end exclusive) holding
one Coding per coder and code; participants are Cases with their attributes as Variables. GUIDs are
derived from the store's IDs, so exporting twice gives the same project. Pseudonyms only, unless
`with_names`: then each Case is named with the participant's real name as well.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session, col, select

from review import __version__
from review.errors import InputError
from review.evidence.coding import codebook, standing
from review.evidence.imports import active_documents
from review.models import EvidenceDocument, EvidencePseudonym, EvidenceSegment
from review.protocol import Protocol
from review.states import EvidenceStream

NS = "urn:QDA-XML:project:1.0"
_ROOT = uuid.UUID("6f1c1a52-3c8e-4c1e-9a57-2f6d1c0e9b20")  # namespace of the GUIDs this tool derives
VARIABLES = ("stream", "role", "organisation_type", "region")


def guid(kind: str, key: object) -> str:
    """A stable GUID for one thing of the project (a code, a source, a selection, a user)."""
    return str(uuid.uuid5(_ROOT, f"{kind}:{key}")).upper()


@dataclass(frozen=True)
class QdpxResult:
    path: Path
    sources: int
    selections: int
    codings: int


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _stamp(when: datetime | None) -> str:
    when = when or datetime.now(UTC)
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def export(session: Session, protocol: Protocol, path: Path, *, with_names: bool = False) -> QdpxResult:
    """Write the .qdpx file of every document not withdrawn, with its codings."""
    if path.suffix.lower() != ".qdpx":
        raise InputError(f"{path}: a REFI-QDA project file must end in .qdpx.")
    ET.register_namespace("", NS)
    docs = [d for d in active_documents(session) if d.id is not None]
    wanted = col(EvidenceSegment.document_id).in_([d.id for d in docs])
    segments = list(session.exec(select(EvidenceSegment).where(wanted)))
    codings = [s for s in standing(session, [s.id for s in segments if s.id]) if s.codes]
    root = ET.Element(
        _q("Project"),
        {"name": protocol.review.title, "origin": f"review {__version__}", "creationDateTime": _stamp(None)},
    )
    coders = sorted({c.coder for c in codings})
    users = ET.SubElement(root, _q("Users"))
    for coder in coders:
        ET.SubElement(users, _q("User"), {"guid": guid("user", coder), "name": coder})
    _codebook(root, protocol)
    _variables(root)
    _cases(root, docs, _names(session) if with_names else {})
    sources = ET.SubElement(root, _q("Sources"))
    by_doc: dict[int, list[EvidenceSegment]] = {}
    for seg in segments:
        by_doc.setdefault(seg.document_id, []).append(seg)
    by_segment: dict[int, list[tuple[str, str]]] = {}
    for c in codings:
        by_segment.setdefault(c.segment_id, []).extend((c.coder, code) for code in sorted(c.codes))
    texts, selections = {}, 0
    for doc in docs:
        source_guid = guid("source", doc.id)
        texts[source_guid] = doc.text or ""
        selections += _source(sources, doc, source_guid, by_doc.get(doc.id or 0, []), by_segment)
    if not len(sources):
        root.remove(sources)  # the schema wants at least one source inside <Sources>
    _write(path, root, texts)
    return QdpxResult(path, len(docs), selections, sum(len(v) for v in by_segment.values()))


def _codebook(root: ET.Element, protocol: Protocol) -> None:
    codes = ET.SubElement(ET.SubElement(root, _q("CodeBook")), _q("Codes"))
    for theme in codebook(protocol).themes:
        element = _code(codes, theme.code, theme.label, theme.definition)
        for sub in theme.subthemes:
            _code(element, sub.code, sub.label, sub.definition)


def _code(parent: ET.Element, code: str, label: str, definition: str) -> ET.Element:
    element = ET.SubElement(
        parent, _q("Code"), {"guid": guid("code", code), "name": code, "isCodable": "true"}
    )
    ET.SubElement(element, _q("Description")).text = f"{label}: {definition}" if definition else label
    return element


def _variables(root: ET.Element) -> None:
    variables = ET.SubElement(root, _q("Variables"))
    for name in VARIABLES:
        ET.SubElement(
            variables,
            _q("Variable"),
            {"guid": guid("variable", name), "name": name, "typeOfVariable": "Text"},
        )


def _values(parent: ET.Element, doc: EvidenceDocument) -> None:
    values = {
        "stream": EvidenceStream(doc.stream).label,
        "role": doc.role,
        "organisation_type": doc.organisation_type,
        "region": doc.region,
    }
    for name in VARIABLES:
        if values[name]:
            value = ET.SubElement(parent, _q("VariableValue"))
            ET.SubElement(value, _q("VariableRef"), {"targetGUID": guid("variable", name)})
            ET.SubElement(value, _q("TextValue")).text = values[name]


def _cases(root: ET.Element, docs: list[EvidenceDocument], names: dict[str, str]) -> None:
    people: dict[str, list[EvidenceDocument]] = {}
    for doc in docs:
        if doc.participant:
            people.setdefault(doc.participant, []).append(doc)
    if not people:
        return
    cases = ET.SubElement(root, _q("Cases"))
    for pseudonym, theirs in sorted(people.items()):
        name = f"{pseudonym} ({names[pseudonym]})" if pseudonym in names else pseudonym
        case = ET.SubElement(cases, _q("Case"), {"guid": guid("case", pseudonym), "name": name})
        _values(case, theirs[0])
        for doc in theirs:
            ET.SubElement(case, _q("SourceRef"), {"targetGUID": guid("source", doc.id)})


def _names(session: Session) -> dict[str, str]:
    return {r.pseudonym: r.real_name for r in session.exec(select(EvidencePseudonym))}


def _source(
    sources: ET.Element,
    doc: EvidenceDocument,
    source_guid: str,
    segments: list[EvidenceSegment],
    by_segment: dict[int, list[tuple[str, str]]],
) -> int:
    element = ET.SubElement(
        sources,
        _q("TextSource"),
        {
            "guid": source_guid,
            "name": f"{doc.id}: {doc.title}",
            "plainTextPath": f"internal://{source_guid}.txt",
            "creationDateTime": _stamp(doc.created_at),
        },
    )
    ET.SubElement(element, _q("Description")).text = f"{EvidenceStream(doc.stream).label}; {doc.source_file}"
    count = 0
    for seg in sorted(segments, key=lambda s: s.seq):
        if not by_segment.get(seg.id or 0):
            continue
        selection = ET.SubElement(
            element,
            _q("PlainTextSelection"),
            {
                "guid": guid("selection", seg.id),
                "name": f"segment {seg.id}",
                "startPosition": str(seg.start_char),
                "endPosition": str(seg.end_char),
            },
        )
        for coder, code in by_segment[seg.id or 0]:
            coding = ET.SubElement(
                selection,
                _q("Coding"),
                {"guid": guid("coding", f"{seg.id}:{coder}:{code}"), "creatingUser": guid("user", coder)},
            )
            ET.SubElement(coding, _q("CodeRef"), {"targetGUID": guid("code", code)})
        count += 1
    _values(element, doc)
    return count


def _write(path: Path, root: ET.Element, texts: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.indent(root)
    xml = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", xml)
        for source_guid, text in texts.items():
            archive.writestr(f"Sources/{source_guid}.txt", text.encode("utf-8"))


# --- reading back -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QdpxProject:
    """What a .qdpx holds, read back: codes, sources with their text, and each selection's codes."""

    codes: dict[str, str]  # GUID -> code name
    sources: dict[str, str]  # source name -> its text from Sources/
    selections: dict[str, list[str]]  # selected text -> code names (every coder's)
    cases: tuple[str, ...]
    xml: bytes


def read(path: Path) -> QdpxProject:
    """Read a .qdpx back (this tool's or another's): each coded selection with its text and codes."""
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("project.qde")
        files = {n: archive.read(n).decode("utf-8") for n in archive.namelist() if n.startswith("Sources/")}
    root = ET.fromstring(xml)
    codes = {c.get("guid", ""): c.get("name", "") for c in root.iter(_q("Code"))}
    sources: dict[str, str] = {}
    selections: dict[str, list[str]] = {}
    for source in root.iter(_q("TextSource")):
        text = files.get("Sources/" + source.get("plainTextPath", "").removeprefix("internal://"), "")
        sources[source.get("name", "")] = text
        for sel in source.iter(_q("PlainTextSelection")):
            chosen = text[int(sel.get("startPosition", 0)) : int(sel.get("endPosition", 0))]
            names = [codes.get(r.get("targetGUID", ""), "?") for r in sel.iter(_q("CodeRef"))]
            selections.setdefault(chosen, []).extend(names)
    cases = tuple(c.get("name", "") for c in root.iter(_q("Case")))
    return QdpxProject(codes, sources, selections, cases, xml)
