"""Outcomes of the register's use cases, in domain words (the API maps them to statuses)."""

from __future__ import annotations

from residence.domain.consent import ConsentDecision


class UnknownResident(LookupError):
    """Nobody in the register is filed under this exchange id."""


class MissingLegalBasis(ValueError):
    """The call names no legal basis (a consent or a statutory article)."""


class ConsentNotFound(LookupError):
    """The portal knows no consent with this id."""


class ConsentUnverifiable(RuntimeError):
    """The consent could not be checked; ``reason`` says why, in plain English."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DataRefused(PermissionError):
    """The register did not release the data; the decision says why (recorded in the
    resident's data-usage log before this is raised)."""

    def __init__(self, decision: ConsentDecision) -> None:
        super().__init__(decision.reason)
        self.decision = decision
