"""The citizen's own data: "Your consents", "Your details from the resident register" and
"Who used my data" (わたしのデータの利用記録).

All three know the citizen by their exchange pseudonym (the ``exchange_id`` claim of their
sign-in); without it they say so on a page of their own. Views are adapters: they read the
request, call a use case with the exchange client as a collaborator, and render.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from govkit.auth import current_citizen, login_required
from govkit.clock import today
from govkit.db import get_session
from govkit.web import get_settings
from portal import repository, services
from portal.domain import consents as rules
from portal.domain.consents import BASIC_FOUR, Action
from portal.exchange import exchange_client
from portal.web import bp
from portal.web import wording as w
from portal.web.forms import ConfirmForm

LEVEL = "aal2"


def exchange_identity() -> str | None:
    """The signed-in citizen's exchange pseudonym (behind ``login_required``)."""
    citizen = current_citizen()
    return citizen.exchange_id if citizen is not None else None


def no_exchange_identity() -> tuple[str, int]:
    return (
        render_template(
            "portal/no-exchange-identity.html",
            page_title=_("Your exchange identity is not available"),
        ),
        200,
    )


# -- your consents ------------------------------------------------------------------------------


@bp.get("/consents")
@login_required(acr=LEVEL)
def consents() -> tuple[str, int]:
    subject = exchange_identity()
    if subject is None:
        return no_exchange_identity()
    records = services.my_consents(session=get_session(), subject=subject)
    seen: set[str] = set()
    cards = []
    for record in records:  # each offer's latest first
        cards.append(w.consent_card(services.as_consent(record), current=record.offer not in seen))
        seen.add(record.offer)
    undecided = [
        {"text": str(w.OFFERS[key]), "actions": w.undecided_actions(key)}
        for key in rules.ASKED_ON_CONSENTS_PAGE
        if key not in seen
    ]
    return (
        render_template(
            "portal/consents.html",
            page_title=_("Your consents"),
            current=[c for c in cards if c.current],
            earlier=[c for c in cards if not c.current],
            undecided=undecided,
        ),
        200,
    )


def _confirm_page(
    *, title: str, offer: rules.Offer, action: Action, post_url: str, consent_id: str | None
) -> str:
    return render_template(
        "portal/consent-confirm.html",
        page_title=title,
        offer_text=str(w.OFFERS[offer.key]),
        items=[w.item_text(item) for item in offer.items],
        action=action.value,
        button=str(w.ACTIONS[action]),
        post_url=post_url,
        consent_id=consent_id,
        consent_label=w.consent_label(offer.key),
        form=ConfirmForm(),
    )


def _decision_title(action: Action) -> str:
    if action is Action.GIVE:
        return _("Give your consent")
    if action is Action.REFUSE:
        return _("Refuse consent")
    return _("Withdraw your consent")


def _offer_action(offer_key: str, action: str) -> tuple[rules.Offer, Action]:
    offer = rules.OFFERS.get(offer_key)
    if offer is None or action not in (Action.GIVE.value, Action.REFUSE.value):
        abort(404)
    return offer, Action(action)


@bp.get("/consents/<offer_key>/<action>")
@login_required(acr=LEVEL)
def consent_decide_confirm(offer_key: str, action: str) -> str | tuple[str, int]:
    offer, chosen = _offer_action(offer_key, action)
    if exchange_identity() is None:
        return no_exchange_identity()
    return _confirm_page(
        title=_decision_title(chosen),
        offer=offer,
        action=chosen,
        post_url=url_for("portal.consent_decide", offer_key=offer.key, action=chosen.value),
        consent_id=None,
    )


@bp.post("/consents/<offer_key>/<action>")
@login_required(acr=LEVEL)
def consent_decide(offer_key: str, action: str) -> Response | tuple[str, int]:
    offer, chosen = _offer_action(offer_key, action)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    subject = exchange_identity()
    if subject is None:
        return no_exchange_identity()
    try:
        record = services.decide_consent(
            session=get_session(),
            subject=subject,
            offer_key=offer.key,
            action=chosen,
            now=datetime.now(UTC),
            request_id=g.get("request_id"),
        )
    except rules.ConsentRuleError as error:
        flash(_rule_message(error), "info")
    else:
        if chosen is Action.GIVE:
            flash(_("You gave your consent %(consent)s.", consent=record.id), "success")
        else:
            flash(_("You refused consent (record %(consent)s).", consent=record.id), "success")
    # The check code is made beside the citizen's certificates, and shown there.
    back = "portal.my_documents" if offer.key == rules.ADDRESS_CHECK.key else "portal.consents"
    return redirect(url_for(back), code=303)


def _rule_message(error: rules.ConsentRuleError) -> str:
    messages = {
        "already-given": _("Your consent was already given: nothing has changed."),
        "already-refused": _("You had already refused: nothing has changed."),
        "already-withdrawn": _("This consent was already withdrawn: nothing has changed."),
        "withdraw-instead": _("Your consent is given: withdraw it to stop the sharing."),
        "not-given": _("This consent is not given, so there is nothing to withdraw."),
    }
    return messages.get(error.code, _("Nothing has changed."))


def _own_consent(consent_id: str, subject: str) -> rules.Consent:
    record = repository.find_consent(session=get_session(), consent_id=consent_id)
    if record is None or record.subject != subject:
        abort(404)
    return services.as_consent(record)


@bp.get("/consents/<consent_id>/withdraw")
@login_required(acr=LEVEL)
def consent_withdraw_confirm(consent_id: str) -> str | tuple[str, int] | Response:
    subject = exchange_identity()
    if subject is None:
        return no_exchange_identity()
    consent = _own_consent(consent_id, subject)
    if consent.status is not rules.ConsentStatus.GIVEN:
        return redirect(url_for("portal.consents"), code=303)
    return _confirm_page(
        title=_decision_title(Action.WITHDRAW),
        offer=rules.OFFERS[consent.offer],
        action=Action.WITHDRAW,
        post_url=url_for("portal.consent_withdraw", consent_id=consent.id),
        consent_id=consent.id,
    )


@bp.post("/consents/<consent_id>/withdraw")
@login_required(acr=LEVEL)
def consent_withdraw(consent_id: str) -> Response | tuple[str, int]:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    subject = exchange_identity()
    if subject is None:
        return no_exchange_identity()
    try:
        record = services.withdraw_consent(
            session=get_session(),
            subject=subject,
            consent_id=consent_id,
            now=datetime.now(UTC),
            request_id=g.get("request_id"),
        )
    except repository.RecordNotFound:
        abort(404)
    except rules.ConsentRuleError as error:
        flash(_rule_message(error), "info")
    else:
        flash(_("You withdrew your consent %(consent)s.", consent=record.id), "success")
        if record.offer == rules.ADDRESS_CHECK.key:
            return redirect(url_for("portal.my_documents"), code=303)
    return redirect(url_for("portal.consents"), code=303)


# -- your details from the resident register ------------------------------------------------------


def _details_page(outcome: services.DetailsOutcome | None, subject: str) -> tuple[str, int]:
    latest = repository.find_latest_consent(
        session=get_session(), subject=subject, offer=BASIC_FOUR.key
    )
    consent = services.as_consent(latest) if latest is not None else None
    card = w.consent_card(consent, current=True) if consent is not None else None
    message, status, rows = None, 200, None
    if outcome is not None and outcome.failure is not None:
        message = w.failure_message(outcome.failure, consent)
        status = w.failure_status(outcome.failure)
    elif outcome is not None and outcome.details is not None:
        rows = w.details_rows(outcome.details)
    return (
        render_template(
            "portal/details.html",
            page_title=_("Your details from the resident register"),
            offer_text=str(w.OFFERS[BASIC_FOUR.key]),
            consent=card,
            outcome=outcome,
            rows=rows,
            message=message,
            expected=outcome is not None
            and outcome.failure is not None
            and outcome.failure.reason in w.EXPECTED,
            form=ConfirmForm(),
        ),
        status,
    )


@bp.get("/my-details")
@login_required(acr=LEVEL)
def details_start() -> tuple[str, int]:
    subject = exchange_identity()
    if subject is None:
        return no_exchange_identity()
    return _details_page(None, subject)


@bp.post("/my-details")
@login_required(acr=LEVEL)
def details_fetch() -> tuple[str, int]:
    """Fetch the details and show them on this answer (they are not kept anywhere)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    subject = exchange_identity()
    if subject is None:
        return no_exchange_identity()
    outcome = services.fetch_my_details(
        session=get_session(),
        exchange=exchange_client(),
        subject=subject,
        case_id=services.new_case_id(today(get_settings())),
    )
    return _details_page(outcome, subject)


# -- who used my data ------------------------------------------------------------------------------


@bp.get("/data-usage")
@login_required(acr=LEVEL)
def data_usage() -> tuple[str, int]:
    subject = exchange_identity()
    if subject is None:
        return no_exchange_identity()
    outcome = services.fetch_data_usage(
        exchange=exchange_client(),
        subject=subject,
        case_id=services.new_case_id(today(get_settings())),
    )
    if outcome.failure is not None:
        message, status, rows, summary = (
            w.failure_message(outcome.failure),
            w.failure_status(outcome.failure),
            [],
            None,
        )
    else:
        assert outcome.verdict is not None
        message, status = None, 200
        rows = [w.usage_row(record) for record in reversed(outcome.records)]
        summary = w.chain_summary(outcome.verdict)
    return (
        render_template(
            "portal/data-usage.html",
            page_title=_("Who used my data"),
            rows=rows,
            summary=summary,
            intact=outcome.verdict.intact if outcome.verdict else None,
            message=message,
            case_id=outcome.case_id,
        ),
        status,
    )
