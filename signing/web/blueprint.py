"""The signing blueprint and what its view modules share: settings, blob store, access checks.

Views parse the request, call one service and render; documents.access decides 403 or 404.
"""

from __future__ import annotations

from flask import Blueprint, current_app

from accounts import auth
from accounts.models import Role
from core.db import get_session
from core.storage import BlobStore, StagedBlobs, blob_store
from documents import access
from documents.models import Document
from signing.settings import SigningSettings, from_config

bp = Blueprint("signing", __name__)
signed_in = auth.login_required
officials = auth.roles_required(Role.OFFICIAL)
clerks = auth.roles_required(Role.CLERK)
admins = auth.roles_required(Role.ADMIN)
auditors = auth.roles_required(Role.AUDITOR)
checkers = auth.roles_required(Role.AUDITOR, Role.CLERK)
signers = auth.roles_required(Role.OFFICIAL, Role.CLERK)


def settings() -> SigningSettings:
    return from_config(current_app.config)


def blobs() -> BlobStore:
    return blob_store(current_app)


def staged() -> StagedBlobs:
    return StagedBlobs(blob_store(current_app))


def load_document(document_id: int, manage: bool = False) -> Document:
    return access.get_document(get_session(), auth.signed_in_user(), document_id, manage=manage)


def read_upload(field: object) -> bytes:
    """The bytes of an uploaded file field (an empty upload gives b"")."""
    data = getattr(field, "data", None)
    return data.read() if data is not None and hasattr(data, "read") else b""
