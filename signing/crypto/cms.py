"""Detached CMS SignedData (.p7s, DER): produce it over one document version, and decode it.

Decoding only extracts fields; every trust decision is made in signing.crypto.verification.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass

from asn1crypto import algos as asn1_algos
from asn1crypto import core as asn1_core
from asn1crypto import parser as asn1_parser
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

from signing.crypto.pki import key_matches_certificate
from signing.errors import CmsFormatError, SigningError

# NoCapabilities drops the S/MIME capabilities attribute, an e-mail notion meaningless here.
_OPTIONS = (
    pkcs7.PKCS7Options.DetachedSignature,
    pkcs7.PKCS7Options.Binary,
    pkcs7.PKCS7Options.NoCapabilities,
)


def sign_detached(
    data: bytes,
    cert: x509.Certificate,
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    chain: Sequence[x509.Certificate] = (),
) -> bytes:
    """Sign ``data`` with SHA-256; signed attributes are contentType, signingTime, messageDigest.

    ECDSA for EC keys, RSASSA-PSS for RSA; the certificate and ``chain`` are embedded.
    cryptography's builder does not check that the key belongs to the certificate and would
    emit a signature nobody can verify, so that is checked here first.
    """
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise SigningError("Only EC and RSA keys can sign documents.")
    if not key_matches_certificate(cert, key):
        raise SigningError("The private key does not belong to the signing certificate.")
    builder = pkcs7.PKCS7SignatureBuilder().set_data(bytes(data))
    if isinstance(key, rsa.RSAPrivateKey):
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
        builder = builder.add_signer(cert, key, hashes.SHA256(), rsa_padding=pss)
    else:
        builder = builder.add_signer(cert, key, hashes.SHA256())
    for extra in chain:
        if extra != cert:
            builder = builder.add_certificate(extra)
    return builder.sign(Encoding.DER, list(_OPTIONS))


def sign_raw(data: bytes, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    """The bare signature over ``data`` with the algorithms ``sign_detached`` uses."""
    if isinstance(key, rsa.RSAPrivateKey):
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
        return key.sign(bytes(data), pss, hashes.SHA256())
    return key.sign(bytes(data), ec.ECDSA(hashes.SHA256()))


def _oid(dotted: str) -> bytes:
    return asn1_core.ObjectIdentifier(dotted).contents


_OID_SIGNED_DATA = _oid("1.2.840.113549.1.7.2")
_OID_DATA = _oid("1.2.840.113549.1.7.1")
_OID_CONTENT_TYPE = _oid("1.2.840.113549.1.9.3")
_OID_MESSAGE_DIGEST = _oid("1.2.840.113549.1.9.4")
_OID_SIGNING_TIME = _oid("1.2.840.113549.1.9.5")

# (class, constructed, tag) as asn1crypto's parser reports them: 0 universal, 2 context-specific.
_Kind = tuple[int, int, int]
_INTEGER: _Kind = (0, 0, 2)
_OCTETS: _Kind = (0, 0, 4)
_OID: _Kind = (0, 0, 6)
_SEQUENCE: _Kind = (0, 1, 16)
_SET: _Kind = (0, 1, 17)
_UTC_TIME: _Kind = (0, 0, 23)
_GENERALIZED_TIME: _Kind = (0, 0, 24)
_CTX0: _Kind = (2, 1, 0)
_CTX0_PRIMITIVE: _Kind = (2, 0, 0)
_CTX1: _Kind = (2, 1, 1)
_TIMES = {_UTC_TIME: asn1_core.UTCTime, _GENERALIZED_TIME: asn1_core.GeneralizedTime}


@dataclass(frozen=True)
class PssParameters:
    """RSASSA-PSS parameters as declared; the verifier decides whether they are acceptable."""

    hash_algorithm: str
    mgf: str
    mgf_hash: str | None
    salt_length: int
    trailer: str


@dataclass(frozen=True)
class ParsedSignature:
    """A detached SignedData with one signer, decoded but NOT verified.

    ``signed_attributes`` are the exact bytes the signature covers (re-tagged as SET OF).
    Algorithm names are asn1crypto's (``sha256``, ``ecdsa``, ``rsassa_pss``...).
    """

    digest_algorithm: str
    signature_algorithm: str
    signature_hash: str | None
    pss: PssParameters | None
    signature: bytes
    signed_attributes: bytes
    message_digest: bytes
    signing_time: dt.datetime
    sid_issuer: bytes | None
    sid_serial: int | None
    sid_key_identifier: bytes | None
    certificates: tuple[bytes, ...]


class _Node:
    """One DER element, read with asn1crypto's low-level parser; definite lengths only."""

    __slots__ = ("contents", "header", "kind")

    def __init__(self, kind: _Kind, header: bytes, contents: bytes) -> None:
        self.kind, self.header, self.contents = kind, header, contents

    @classmethod
    def load(cls, data: bytes) -> _Node:
        """Exactly one element, no trailing bytes."""
        klass, method, tag, header, contents, trailer = asn1_parser.parse(data, strict=True)
        if trailer:
            raise CmsFormatError("Indefinite-length encoding is not DER.")
        return cls((klass, method, tag), header, contents)

    @property
    def der(self) -> bytes:
        return self.header + self.contents

    def expect(self, kind: _Kind, what: str) -> _Node:
        if self.kind != kind:
            raise CmsFormatError(f"{what} is malformed.")
        return self

    def children(self) -> list[_Node]:
        items, data, pos, parse = [], self.contents, 0, asn1_parser.parse
        while pos < len(data):
            klass, method, tag, header, contents, trailer = parse(data[pos:])
            if trailer:
                raise CmsFormatError("Indefinite-length encoding is not DER.")
            items.append(_Node((klass, method, tag), header, contents))
            pos += len(header) + len(contents)
        return items


@functools.lru_cache(maxsize=64)
def _digest_name(der: bytes) -> str:
    """Decode an AlgorithmIdentifier once per distinct encoding: they repeat across signatures."""
    return str(asn1_algos.DigestAlgorithm.load(der, strict=True)["algorithm"].native)


@functools.lru_cache(maxsize=64)
def _signature_algorithm(der: bytes) -> tuple[str, str | None, PssParameters | None]:
    algorithm = asn1_algos.SignedDigestAlgorithm.load(der, strict=True)
    name = algorithm.signature_algo
    if name != "rsassa_pss":
        try:
            return name, algorithm.hash_algo, None
        except ValueError:  # rsaEncryption or bare id-ecPublicKey: the digest algorithm applies
            return name, None, None
    params = algorithm["parameters"]
    mgf = params["mask_gen_algorithm"]
    mgf_hash = mgf["parameters"]["algorithm"].native if mgf["algorithm"].native == "mgf1" else None
    pss = PssParameters(
        hash_algorithm=params["hash_algorithm"]["algorithm"].native,
        mgf=mgf["algorithm"].native,
        mgf_hash=mgf_hash,
        salt_length=int(params["salt_length"].native),
        trailer=params["trailer_field"].native,
    )
    return name, pss.hash_algorithm, pss


@functools.lru_cache(maxsize=256)
def _attribute(der: bytes) -> tuple[bytes, tuple[_Node, ...]]:
    """Type and values of one attribute; cached since most attributes repeat byte for byte."""
    parts = _Node.load(der).expect(_SEQUENCE, "A signed attribute").children()
    if len(parts) != 2:
        raise CmsFormatError("A signed attribute is malformed.")
    oid = parts[0].expect(_OID, "An attribute type").contents
    return oid, tuple(parts[1].expect(_SET, "Attribute values").children())


def _single(attributes: dict[bytes, tuple[_Node, ...]], oid: bytes, what: str) -> _Node:
    values = attributes.get(oid)
    if values is None or len(values) != 1:
        raise CmsFormatError(f"The {what} signed attribute is missing or not single.")
    return values[0]


def _signing_time(node: _Node) -> dt.datetime:
    kind = _TIMES.get(node.kind)
    if kind is None:
        raise CmsFormatError("The signing time is malformed.")
    value = kind.load(node.der, strict=True).native
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise CmsFormatError("The signing time has no time zone.")
    return value.astimezone(dt.UTC)


def _attributes(node: _Node) -> tuple[bytes, bytes, dt.datetime]:
    """Read the signed attributes; any repeated attribute type is refused as ambiguous."""
    attributes: dict[bytes, tuple[_Node, ...]] = {}
    for child in node.children():
        oid, values = _attribute(child.der)
        if oid in attributes:
            raise CmsFormatError("A signed attribute is repeated.")
        attributes[oid] = values
    content_type = _single(attributes, _OID_CONTENT_TYPE, "content type")
    if content_type.kind != _OID or content_type.contents != _OID_DATA:
        raise CmsFormatError("The signed content type is not id-data.")
    digest = _single(attributes, _OID_MESSAGE_DIGEST, "message digest")
    digest.expect(_OCTETS, "The message digest")
    when = _signing_time(_single(attributes, _OID_SIGNING_TIME, "signing time"))
    # The signature covers the attributes with the SET OF tag, not the [0] IMPLICIT tag.
    return b"\x31" + node.header[1:] + node.contents, digest.contents, when


@functools.lru_cache(maxsize=256)
def _signer_id(der: bytes) -> tuple[bytes | None, int | None, bytes | None]:
    """IssuerAndSerialNumber or [0] SubjectKeyIdentifier; the same for all of a signer's files."""
    node = _Node.load(der)
    if node.kind == _CTX0_PRIMITIVE:
        return None, None, node.contents
    parts = node.expect(_SEQUENCE, "The signer identifier").children()
    if len(parts) != 2 or parts[1].kind != _INTEGER or not parts[1].contents:
        raise CmsFormatError("The signer identifier is malformed.")
    issuer = parts[0].expect(_SEQUENCE, "The signer's issuer").der
    return issuer, int.from_bytes(parts[1].contents, "big", signed=True), None


def _signed_data(data: bytes) -> _Node:
    parts = _Node.load(data).expect(_SEQUENCE, "ContentInfo").children()
    if len(parts) != 2 or parts[0].kind != _OID:
        raise CmsFormatError("The file is not a CMS ContentInfo.")
    if parts[0].contents != _OID_SIGNED_DATA:
        raise CmsFormatError("The file is not CMS SignedData.")
    inner = parts[1].expect(_CTX0, "The SignedData wrapper").children()
    if len(inner) != 1:
        raise CmsFormatError("The SignedData wrapper is malformed.")
    return inner[0].expect(_SEQUENCE, "SignedData")


@functools.lru_cache(maxsize=256)
def _certificate_set(der: bytes) -> tuple[bytes, ...]:
    """Split the [0] certificate set once per distinct encoding: a signer sends the same one."""
    return tuple(c.der for c in _Node.load(der).children() if c.kind == _SEQUENCE)


def _certificates(optional: list[_Node]) -> tuple[bytes, ...]:
    """Embedded certificates ([0]); CRLs ([1]) are ignored; nothing else may appear."""
    kinds = [node.kind for node in optional]
    if kinds not in ([], [_CTX0], [_CTX1], [_CTX0, _CTX1]):
        raise CmsFormatError("SignedData has unexpected fields.")
    if kinds and kinds[0] == _CTX0:
        return _certificate_set(optional[0].der)
    return ()


def parse_signed_data(p7s: bytes) -> ParsedSignature:
    """Decode a detached, single-signer CMS SignedData; raise ``CmsFormatError`` otherwise.

    Nothing is verified here: the caller checks digest, signature, certificate and time.
    """
    try:
        return _parse(bytes(p7s))
    except CmsFormatError:
        raise
    except Exception as exc:  # asn1crypto raises assorted types on malformed input: fail closed
        raise CmsFormatError("The signature file is not valid CMS.") from exc


def _parse(p7s: bytes) -> ParsedSignature:
    fields = _signed_data(p7s).children()
    if len(fields) < 4 or fields[0].kind != _INTEGER or fields[1].kind != _SET:
        raise CmsFormatError("SignedData is malformed.")
    encap = fields[2].expect(_SEQUENCE, "The content info").children()
    if not encap or encap[0].kind != _OID or encap[0].contents != _OID_DATA:
        raise CmsFormatError("The signed content type is not id-data.")
    if len(encap) != 1:
        raise CmsFormatError("The signature is not a detached signature.")
    certificates = _certificates(fields[3:-1])
    signers = fields[-1].expect(_SET, "The signer infos").children()
    if len(signers) != 1:
        raise CmsFormatError("Exactly one signer is expected per file.")
    parts = signers[0].expect(_SEQUENCE, "The signer info").children()
    if len(parts) not in (6, 7) or parts[0].kind != _INTEGER or parts[3].kind != _CTX0:
        raise CmsFormatError("The signer info has no signed attributes or is malformed.")
    if len(parts) == 7 and parts[6].kind != _CTX1:
        raise CmsFormatError("The signer info is malformed.")
    issuer, serial, key_id = _signer_id(parts[1].der)
    attributes, digest, when = _attributes(parts[3])
    algorithm = parts[4].expect(_SEQUENCE, "The signature algorithm").der
    name, signature_hash, pss = _signature_algorithm(algorithm)
    return ParsedSignature(
        digest_algorithm=_digest_name(parts[2].expect(_SEQUENCE, "The digest").der),
        signature_algorithm=name,
        signature_hash=signature_hash,
        pss=pss,
        signature=parts[5].expect(_OCTETS, "The signature value").contents,
        signed_attributes=attributes,
        message_digest=digest,
        signing_time=when,
        sid_issuer=issuer,
        sid_serial=serial,
        sid_key_identifier=key_id,
        certificates=certificates,
    )
