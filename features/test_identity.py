"""Bind the identity feature files (English and Japanese Gherkin)."""

from pytest_bdd import scenarios

scenarios("identity.feature", "identity_ja.feature")
