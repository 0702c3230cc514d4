"""What the trust views share: the keyring, URLs, validity periods and the TSA, per app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app

from govkit.db import get_session
from trust import pki, services
from trust.keyring import Keyring
from trust.tsa import TimeStampAuthority


@dataclass
class TrustContext:
    keyring: Keyring
    urls: pki.Urls
    validity: services.Validity
    _tsa: TimeStampAuthority | None = None

    def tsa(self) -> TimeStampAuthority:
        if self._tsa is None:
            signer = services.service_signer(
                session=get_session(), keyring=self.keyring, profile=pki.Profile.TSA
            )
            self._tsa = TimeStampAuthority(signer.certificate, signer.key)
        return self._tsa


def context() -> TrustContext:
    return current_app.extensions["trust"]


def now() -> datetime:
    """PKI time is real time (UTC), never the kit's business clock."""
    return datetime.now(UTC)


def validity_from_settings(ocsp_minutes: int, crl_hours: int, seal_days: int) -> services.Validity:
    return services.Validity(
        seal=timedelta(days=seal_days),
        ocsp=timedelta(minutes=ocsp_minutes),
        crl=timedelta(hours=crl_hours),
    )


__all__ = ["TrustContext", "context", "now", "validity_from_settings"]
