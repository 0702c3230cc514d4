"""Bind the residence certificate feature file: asking for a copy of a resident record as the
person, a household member, a proxy or a third party; the sealed copy; a bank checking it."""

from pytest_bdd import scenarios

from features.steps.residence import *  # noqa: F403 - step definitions are fixtures

scenarios("residence_certificate.feature")
