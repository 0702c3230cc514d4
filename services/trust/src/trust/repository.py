"""Reading and saving the trust service's records. Functions never commit."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from trust.models import AuthorityRecord, CertificateRecord


class RecordNotFound(LookupError):
    pass


def find_authority(*, session: Session, name: str) -> AuthorityRecord | None:
    return session.get(AuthorityRecord, name)


def list_authorities(*, session: Session) -> Sequence[AuthorityRecord]:
    return session.exec(select(AuthorityRecord).order_by(AuthorityRecord.name)).all()


def find_certificate(*, session: Session, serial: str) -> CertificateRecord | None:
    return session.get(CertificateRecord, serial)


def get_certificate(*, session: Session, serial: str) -> CertificateRecord:
    record = find_certificate(session=session, serial=serial)
    if record is None:
        raise RecordNotFound(serial)
    return record


def list_certificates(
    *, session: Session, profile: str | None = None, holder: str | None = None,
    authority: str | None = None, revoked_only: bool = False,
) -> Sequence[CertificateRecord]:  # fmt: skip
    query = select(CertificateRecord)
    if profile is not None:
        query = query.where(CertificateRecord.profile == profile)
    if holder is not None:
        query = query.where(CertificateRecord.holder == holder)
    if authority is not None:
        query = query.where(CertificateRecord.authority == authority)
    if revoked_only:
        query = query.where(col(CertificateRecord.revoked_at).is_not(None))
    return session.exec(query.order_by(CertificateRecord.issued_at)).all()


def save(*, session: Session, record: AuthorityRecord | CertificateRecord) -> None:
    session.add(record)
    session.flush()
