"""Bind the exchange feature files (English and Japanese Gherkin): consents, the citizen's
details from the resident register, and who used their data."""

from pytest_bdd import scenarios

from features.steps.exchange import *  # noqa: F403 - step definitions are fixtures

scenarios("exchange.feature", "exchange_ja.feature")
