"""Annex VI metadata written out as XML (valid against documents/schemas/annex6.xsd) or JSON.

Element names are Annex VI's own; one document is a ``DocumentMetadata`` element, a register a
``Register`` holding one per row.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from core.clock import VIETNAM
from documents.metadata import Metadata
from documents.metadata_trace import TraceHeader

#: The schema the exports follow; tests validate every export against it.
SCHEMA = Path(__file__).parent / "schemas" / "annex6.xsd"


@dataclass(frozen=True)
class RegisterHeader:
    #: "outgoing" or "incoming".
    kind: str
    year: int
    unit_name: str
    organ_id: str | None


def _fields(meta: Metadata) -> list[tuple[str, Any]]:
    """Annex VI fields in the schema's order; None and empty values are left out."""
    signer = [("Position", meta.signer_position), ("FullName", meta.signer_name)]
    return [
        ("Identifier", meta.identifier),
        ("OrganId", meta.organ_id),
        ("FileCatalog", meta.file_catalog),
        ("FileNotation", meta.file_notation),
        ("DocOrdinal", meta.doc_ordinal),
        ("TypeName", meta.type_name),
        ("CodeNumber", meta.code_number),
        ("CodeNotation", meta.code_notation),
        ("IssuedDate", meta.issued_date),
        ("OrganName", meta.organ_name),
        ("Subject", meta.subject),
        ("Language", meta.language),
        ("PageAmount", meta.page_amount),
        ("SignerInfo", [f for f in signer if f[1]] or None),
        *[("To", [("OrganId", a.organ_id or None), ("OrganName", a.organ_name)]) for a in meta.to],
        ("ToPlaces", [("Place", p) for p in meta.to_places] or None),
        ("Priority", meta.priority),
        ("IssuedAmount", meta.issued_amount),
        ("DueDate", meta.due_date),
        ("ArrivalDate", meta.arrival_date),
        ("ArrivalNumber", meta.arrival_number),
        ("TraceHeaderList", [("TraceHeader", _trace(step)) for step in meta.trace] or None),
    ]


def _trace(step: TraceHeader) -> list[tuple[str, Any]]:
    return [
        ("OrganId", step.organ_id),
        ("OrganName", step.organ_name),
        ("Action", step.action.value),
        ("Timestamp", step.at.astimezone(VIETNAM).replace(microsecond=0)),
    ]


def _text(value: Any) -> str:
    """Dates and times in ISO 8601 (a time with its Vietnam offset), the rest as written."""
    return value.isoformat() if isinstance(value, date) else str(value)


def _append(parent: ET.Element, fields: list[tuple[str, Any]]) -> None:
    for name, value in fields:
        if value is None or value == "":
            continue
        child = ET.SubElement(parent, name)
        if isinstance(value, list):
            _append(child, value)
        else:
            child.text = _text(value)


def _element(meta: Metadata) -> ET.Element:
    element = ET.Element("DocumentMetadata", direction=meta.direction.value)
    if meta.masked:
        element.set("masked", "true")
    _append(element, _fields(meta))
    return element


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def document_xml(meta: Metadata) -> bytes:
    return _xml(_element(meta))


def register_xml(header: RegisterHeader, metas: list[Metadata]) -> bytes:
    root = ET.Element("Register", kind=header.kind, year=str(header.year))
    _append(root, [("OrganId", header.organ_id), ("UnitName", header.unit_name)])
    for meta in metas:
        root.append(_element(meta))
    return _xml(root)


def _plain(fields: list[tuple[str, Any]]) -> dict[str, Any]:
    """The same fields as JSON: repeated "To" becomes a list, nested groups objects."""
    out: dict[str, Any] = {}
    for name, value in fields:
        if value is None or value == "":
            continue
        if name == "ToPlaces":
            out[name] = [place for _, place in value]
        elif name == "TraceHeaderList":
            out[name] = [_plain(step) for _, step in value]
        elif name == "To":
            out.setdefault(name, []).append(_plain(value))
        elif isinstance(value, list):
            out[name] = _plain(value)
        else:
            out[name] = _text(value) if isinstance(value, date) else value
    return out


def _document_dict(meta: Metadata) -> dict[str, Any]:
    return {"direction": meta.direction.value, "masked": meta.masked, **_plain(_fields(meta))}


def document_json(meta: Metadata) -> bytes:
    return json.dumps(_document_dict(meta), ensure_ascii=False, indent=2).encode()


def register_json(header: RegisterHeader, metas: list[Metadata]) -> bytes:
    body = {
        "kind": header.kind,
        "year": header.year,
        "OrganId": header.organ_id,
        "UnitName": header.unit_name,
        "documents": [_document_dict(m) for m in metas],
    }
    return json.dumps(body, ensure_ascii=False, indent=2).encode()
