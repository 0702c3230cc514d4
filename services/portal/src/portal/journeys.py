"""The journeys the portal offers: what each is for, what it needs, how long it takes.

Text is written in English and marked with ``N_`` for extraction; the page translates it when
it is displayed (Japanese by default). Facts follow ../shared/reference/domain.md.
"""

from __future__ import annotations

from dataclasses import dataclass


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    return message


@dataclass(frozen=True)
class Journey:
    key: str
    #: Which kit service runs it (its URL comes from the settings).
    service: str
    title: str
    summary: str
    needs: tuple[str, ...]
    duration: str
    fee: str
    #: Whether the service takes applications online yet.
    open: bool = False


JOURNEYS: tuple[Journey, ...] = (
    Journey(
        key="residence-certificate",
        service="residence",
        title=N_("Get a copy of your residence record (juminhyo)"),
        summary=N_(
            "Download a signed copy of your entry in the resident register, for yourself or "
            "your household. Banks and other agencies can check it themselves."
        ),
        needs=(
            N_("your My Number card and its 4-digit PIN"),
            N_(
                "your signature password (6 to 16 characters) if you ask on someone's behalf "
                "or want your My Number shown"
            ),
        ),
        duration=N_("About 1 minute"),
        fee=N_("¥300 a copy"),
        open=True,
    ),
    Journey(
        key="childcare-account",
        service="childcare",
        title=N_("Child allowance and childcare"),
        summary=N_(
            "Apply for the child allowance or update it after a birth, and apply for childcare "
            "certification. Your household and income are filled in for you, with your consent."
        ),
        needs=(
            N_("your My Number card and its 4-digit PIN"),
            N_("your signature password (6 to 16 characters)"),
            N_("the bank account for payments, if you have not registered one for public benefits"),
        ),
        duration=N_("About 10 minutes"),
        fee=N_("Free"),
    ),
    Journey(
        key="company-setup",
        service="company",
        title=N_("Start a company in one day"),
        summary=N_(
            "Register a stock company (KK) or a limited liability company (GK), then notify the "
            "tax office, the prefecture, the city and the pension office in one step."
        ),
        needs=(
            N_("your My Number card, its 4-digit PIN and your signature password"),
            N_("the company's name, head office address, purpose and capital"),
            N_("a bank account into which the capital has been paid"),
        ),
        duration=N_("About 30 minutes to apply; registration within 24 hours"),
        fee=N_("Registration tax from ¥60,000 (GK) or ¥150,000 (KK); notary fee for a KK"),
    ),
    Journey(
        key="national-pension",
        service="pension",
        title=N_("National Pension"),
        summary=N_(
            "See your pension record, estimate your pension at any age from 60 to 75, and apply "
            "for an exemption, voluntary enrolment or your old-age pension."
        ),
        needs=(
            N_("your My Number card and its 4-digit PIN"),
            N_("your signature password (6 to 16 characters) to send an application"),
        ),
        duration=N_("About 5 to 10 minutes"),
        fee=N_("Free"),
    ),
)
