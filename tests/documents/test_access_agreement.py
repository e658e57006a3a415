"""Every path agrees with the access rule, for every person, document and version of an office.

Each path is one row of `VERSION_PATHS` or `DOCUMENT_PATHS`: what the page shows (or answers)
for a person and a version (or a document), and what it must show given the rule's verdict.
Another path (a print view, a bundle, a meeting pack) is one more row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from accounts.models import Role
from core.storage import StagedBlobs
from documents import access, assignments, circulation, drafting, incoming
from documents.decree30 import Confidentiality
from documents.models import Delivery, Document, DocumentVersion, Status
from tests.conftest import login
from tests.documents.office_testkit import TODAY, draft, issued
from tests.documents.pages_testkit import build_office
from tests.factories import documents_settings


@dataclass
class Office:
    people: dict
    documents: dict[str, Document]
    #: Per document name, the word that finds it in search and nothing else.
    words: dict[str, str]
    #: (person, document name) pairs of the task's lead and the clerk who gave it.
    tasks: set[tuple[str, str]] = field(default_factory=set)
    #: Per document name, the id of its attachment.
    attachments: dict[str, int] = field(default_factory=dict)


SUBJECTS = {
    "sent": "Về việc kiểm kê tài sản",  # to the Sở Nội vụ, a later version not sent
    "secret": "Về việc nhân sự cấp cao",  # Mật, naming one official of another unit
    "recalled": "Về việc phòng cháy rừng",  # sent to the Sở Tài chính, then recalled
    "draft": "Về việc quy hoạch đô thị",  # a draft of three versions, never sent
}


@pytest.fixture
def office(make, db, blobs, pdf_of):
    people = build_office(make)
    clerk = people["clerk"]
    docs = {}
    docs["sent"] = issued(db, blobs, clerk, subject=SUBJECTS["sent"])
    circulation.circulate(db, clerk, docs["sent"], unit_ids=[people["home"].id])
    db.commit()
    with StagedBlobs(blobs) as staged:  # as documents sent before versions froze may have
        drafting.add_version(db, staged, clerk, docs["sent"], pdf_of("Ban sau"), "sau.pdf", "")
        db.commit()
    incoming.acknowledge(db, people["home_clerk"], docs["sent"], TODAY)
    assignments.assign(
        db, people["home_clerk"], docs["sent"], lead_id=people["reader"].id, today=TODAY
    )
    docs["secret"] = issued(
        db,
        blobs,
        clerk,
        subject=SUBJECTS["secret"],
        confidentiality=Confidentiality.MAT,
        named_user_ids=[people["finance_reader"].id],
    )
    circulation.circulate(db, clerk, docs["secret"], user_ids=[people["finance_reader"].id])
    docs["recalled"] = issued(db, blobs, clerk, subject=SUBJECTS["recalled"])
    circulation.circulate(db, clerk, docs["recalled"], unit_ids=[people["finance"].id])
    attachments = {name: attach(db, blobs, clerk, d, pdf_of) for name, d in docs.items()}
    circulation.recall(db, clerk, docs["recalled"], "Sai nội dung")
    db.commit()
    docs["draft"] = draft(db, blobs, clerk, subject=SUBJECTS["draft"])
    for n in (2, 3):
        with StagedBlobs(blobs) as staged:
            drafting.upload_version(
                db,
                staged,
                clerk,
                docs["draft"],
                pdf_of(f"Du thao {n}"),
                "d.pdf",
                documents_settings(),
            )
            db.commit()
    people["other_clerk"] = make.user("vanthu2", roles=[Role.CLERK], unit=people["province"])
    words = {"sent": "kiem ke", "secret": "nhan su", "recalled": "phong chay", "draft": "quy hoach"}
    attachments["draft"] = attach(db, blobs, clerk, docs["draft"], pdf_of)
    tasks = {("reader", "sent"), ("home_clerk", "sent")}
    return Office(people, docs, words, tasks, attachments)


def attach(db, blobs, clerk, document, pdf_of) -> int:
    with StagedBlobs(blobs) as staged:
        attachment = drafting.add_attachment(
            db, staged, clerk, document, pdf_of("Phu luc"), "phu-luc.pdf", documents_settings()
        )
        db.commit()
    return attachment.id


# --- the rule, evaluated directly ----------------------------------------------------------------


def rule_opens(db, person, version_id: int) -> bool:
    return bool(
        db.scalar(
            sa.select(access.may_open(person))
            .select_from(DocumentVersion)
            .join(Document, Document.id == DocumentVersion.document_id)
            .where(DocumentVersion.id == version_id)
        )
    )


@dataclass(frozen=True)
class Case:
    """One person and one document (and version, for the version paths), with the rule's verdict."""

    name: str
    person: object
    document: Document
    allowed: bool
    recalled: bool
    number: int = 0
    delivered: bool = False
    task: bool = False


# --- the paths ------------------------------------------------------------------------------------


def _byte_route(path: str) -> Callable:
    """A route sending a version's bytes or text: opened, recalled (410) or refused."""

    def observe(client, office, case):
        url = path.format(d=case.document.id, n=case.number, a=office.attachments.get(case.name))
        status = client.get(url).status_code
        return {200: "opened", 410: "recalled", 403: "refused", 404: "refused"}.get(status, status)

    return observe


def _version_expected(case):
    if not case.allowed:
        return "refused"
    return "recalled" if case.recalled else "opened"


def _listed_on_document_page(client, office, case):
    page = client.get(f"/documents/{case.document.id}")
    if page.status_code != 200:
        return False
    return f"<tr><td>{case.number}</td>" in page.get_data(as_text=True)


VERSION_PATHS = {
    "reading view": (_byte_route("/documents/{d}/v/{n}"), _version_expected),
    "file": (_byte_route("/documents/{d}/v/{n}/file"), _version_expected),
    "download": (_byte_route("/documents/{d}/v/{n}/file?download=1"), _version_expected),
    "print view": (_byte_route("/signing/documents/{d}/v/{n}/print"), _version_expected),
    "document page": (_listed_on_document_page, lambda case: case.allowed),
}


def _document_page(client, office, case):
    return client.get(f"/documents/{case.document.id}").status_code == 200


def _subject_in(url: str) -> Callable:
    def observe(client, office, case):
        return case.document.subject in client.get(url.format(**_ids(office))).get_data(
            as_text=True
        )

    return observe


def _search(client, office, case):
    word = office.words[case.name]
    return case.document.subject in client.get(f"/search?q={word}").get_data(as_text=True)


def _register(kind: str, unit: str, series: str = "") -> Callable:
    def observe(client, office, case):
        url = f"/registers/{kind}?unit={office.people[unit].id}&year={TODAY.year}{series}"
        page = client.get(url)
        if page.status_code == 403:
            return None  # not a register reader
        rows = csv.DictReader(io.StringIO(client.get(url + "&format=csv").text.lstrip("\ufeff")))
        in_csv = any(r["Trích yếu"] == case.document.subject for r in rows)
        in_page = case.document.subject in page.get_data(as_text=True)
        assert in_csv == in_page, (url, case.name)
        return in_page

    return observe


def _ids(office):
    return {"province": office.people["province"].id, "home": office.people["home"].id}


DOCUMENT_PATHS = {
    "document page": (_document_page, lambda case: case.allowed),
    # An attachment opens the document's latest version (the bundle, for sealed documents
    # only, is walked in the signing tests).
    "attachment": (_byte_route("/documents/{d}/attachments/{a}"), _version_expected),
    "inbox": (_subject_in("/inbox"), lambda case: case.allowed and case.delivered),
    "search": (_search, lambda case: case.allowed),
    "tasks": (_subject_in("/tasks"), lambda case: case.allowed and case.task),
}


def _register_paths(office):
    """The registers a person may ask for: the province's outgoing, the Sở Nội vụ's incoming."""
    paths = {}
    for series in ("regular", "confidential"):
        paths[f"outgoing register ({series})"] = (
            _register("outgoing", "province", f"&series={series}"),
            lambda case, s=series: _outgoing_expected(office, case, s),
        )
    paths["incoming register"] = (
        _register("incoming", "home"),
        lambda case: _incoming_expected(office, case),
    )
    return paths


def _reader_unit(person, unit_id):
    """The unit whose register the person gets when asking for ``unit_id``."""
    if not person.has_role(Role.CLERK, Role.AUDITOR):
        return None
    return unit_id if person.has_role(Role.AUDITOR) else person.unit_id


def _outgoing_expected(office, case, series):
    unit = _reader_unit(case.person, office.people["province"].id)
    if unit is None:
        return None
    document = case.document
    numbered = document.number is not None
    in_series = (series == "confidential") == document.is_confidential
    return case.allowed and numbered and in_series and unit == document.unit_id


def _incoming_expected(office, case):
    unit = _reader_unit(case.person, office.people["home"].id)
    if unit is None:
        return None
    return case.allowed and case.name == "sent" and unit == office.people["home"].id


# --- the walk -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "app_config",
    [{"FILE_FAST_PATH": True}, {"FILE_FAST_PATH": False}],
    ids=["file fast path", "route only"],
)
def test_every_path_agrees_with_the_rule(app, client, db, office, app_config):
    mismatches = []
    checked = 0
    for who, person in office.people.items():
        if not hasattr(person, "username"):
            continue
        login(client, person)
        for name, document in office.documents.items():
            recalled = document.status is Status.RECALLED
            versions = db.scalars(
                sa.select(DocumentVersion)
                .where(DocumentVersion.document_id == document.id)
                .order_by(DocumentVersion.number)
            ).all()
            verdicts = {v.number: rule_opens(db, person, v.id) for v in versions}
            for number, allowed in verdicts.items():
                case = Case(name, person, document, allowed, recalled, number)
                for path, (observe, expect) in VERSION_PATHS.items():
                    if path == "document page" and recalled:
                        continue  # a recalled document's page lists versions without links
                    checked += 1
                    seen, wanted = observe(client, office, case), expect(case)
                    if seen != wanted:
                        mismatches.append((who, name, number, path, seen, wanted))
            delivered = bool(
                db.scalar(
                    sa.select(sa.func.count())
                    .select_from(Delivery)
                    .where(Delivery.document_id == document.id, Delivery.user_id == person.id)
                )
            )
            case = Case(
                name,
                person,
                document,
                any(verdicts.values()),
                recalled,
                delivered=delivered,
                task=(who, name) in office.tasks,
            )
            for path, (observe, expect) in {**DOCUMENT_PATHS, **_register_paths(office)}.items():
                wanted = expect(case)
                seen = observe(client, office, case)
                if wanted is None:
                    continue
                checked += 1
                if seen != wanted:
                    mismatches.append((who, name, None, path, seen, wanted))
    assert mismatches == []
    assert checked > 300  # the walk really covered the office
    fast_path = app.extensions["vanthu.file_fast_path"]
    # The file and download rows went below Flask whenever the rule allowed them, or never.
    assert (fast_path.served > 0) == app_config["FILE_FAST_PATH"]


def test_the_office_is_varied_enough_to_mean_something(db, office):
    """Each kind of verdict occurs: a recipient refused a draft, a clerk refused a secret..."""
    people, docs = office.people, office.documents
    sent = {v.number: v.id for v in docs["sent"].versions}
    assert rule_opens(db, people["reader"], sent[2]) and not rule_opens(
        db, people["reader"], sent[1]
    )
    assert not rule_opens(db, people["reader"], sent[3])  # the later version never sent
    assert rule_opens(db, people["chairman"], sent[3])
    secret = docs["secret"].versions[-1].id
    assert rule_opens(db, people["finance_reader"], secret)
    for name in ("other_clerk", "auditor", "chairman", "reader"):
        assert not rule_opens(db, people[name], secret), name
