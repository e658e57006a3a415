"""The verification bundle of a sealed document: the library's format, checked by the library."""

from __future__ import annotations

import io
import json
import zipfile

from documents.models import DocumentVersion
from signing import bundle_export
from signing.crypto import bundle
from signing.crypto.reports import Status as V


def test_bundle_export_matches_the_library_format(office):
    document, request = office.signed_and_sealed()
    name, data = bundle_export.export_bundle(
        office.db, office.blobs, office.settings, document, request, actor=None
    )
    assert name == "01-QĐ-UBND.zip"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
    version = office.db.get(DocumentVersion, request.version_id)
    assert manifest["document"]["name"] == version.file_name  # the member's name is ASCII
    assert names == {
        "document.docx",
        "official.p7s",
        "seal.p7s",
        "chain.pem",
        "crl.der",
        "manifest.json",
    }
    assert bundle.verify_bundle(data).status is V.TOTAL_PASSED
