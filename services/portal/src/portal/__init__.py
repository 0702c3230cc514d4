"""Madoguchi portal: the citizen's front door to every journey, and where anyone checks a
document the kit issued."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l

from govkit.access import PUBLIC, PUBLIC_API
from govkit.certificates.issuer import SealIdentity
from govkit.certificates.status import DocumentStatus
from govkit.certificates.web import StatusRecord, status_blueprint
from govkit.db import get_session
from govkit.errors import Problem
from govkit.service import migrations_dir, new_app
from govkit.web import register_blueprint
from portal.privacy import NOTICE
from portal.settings import PortalSettings

__version__ = "0.1.0"

STATUS_LIST = "documents"

#: Who the portal is at the identity provider: the Digital Agency's sector (citizens get one
#: pairwise ``sub`` per agency) and the name the sign-in page shows.
SECTOR = "GOV/DA"
CLIENT_NAME = "窓口ポータル"


def create_app(settings: PortalSettings | None = None) -> Flask:
    """Build the portal app; settings come from the environment unless given."""
    settings = settings or PortalSettings.from_env()
    app = new_app(
        __name__,
        settings,
        title=_l("Madoguchi portal"),
        migrations=migrations_dir(__file__),
        translations=Path(__file__).parent / "translations",
        version=__version__,
        privacy=NOTICE,
    )
    from govkit.auth import init_auth
    from portal import api, documents, exchange, exchange_api, repository, testing
    from portal.models import AUTH
    from portal.web import bp as web_bp

    store = documents.init_app(app, settings)
    exchange.init_app(app, settings)
    init_auth(
        app,
        settings,
        sector=SECTOR,
        client_name=CLIENT_NAME,
        model=AUTH,
        account_endpoint="portal.account",
    )

    def lookup(document_id: str) -> StatusRecord | None:
        record = repository.find_document(session=get_session(), document_id=document_id)
        if record is None:
            return None
        return StatusRecord(
            document_id=record.id,
            status=DocumentStatus(record.status),
            changed_at=record.status_changed_at,
            reason=record.status_reason,
            superseded_by=record.superseded_by,
        )

    def identity() -> SealIdentity:
        try:
            return store.identity()
        except documents.SealMissing:
            # Nothing was issued without a seal, and nothing can be signed: not a server error.
            raise Problem(503, "Issuing is not set up", "this portal has no seal yet") from None

    def statuses(name: str) -> list[DocumentStatus] | None:
        if name != STATUS_LIST:
            return None
        return [DocumentStatus(s) for _i, s in repository.list_statuses(session=get_session())]

    register_blueprint(app, web_bp, access=PUBLIC)
    register_blueprint(app, api.bp, access=PUBLIC_API)
    register_blueprint(app, api.me, access=api.CITIZEN_API)
    register_blueprint(app, exchange_api.bp, access=exchange_api.EXCHANGE)
    register_blueprint(app, exchange_api.docs, access=PUBLIC_API)
    register_blueprint(
        app,
        status_blueprint(
            lookup=lookup,
            list_statuses=statuses,
            identity=identity,
            list_url=lambda name: f"{settings.public_url}/api/v1/status-lists/{name}",
        ),
        access=PUBLIC_API,
    )
    register_blueprint(app, testing.bp, access=testing.TESTING)
    return app
