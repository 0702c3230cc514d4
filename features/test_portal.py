"""Bind the portal's feature files (English and Japanese Gherkin)."""

from pytest_bdd import scenarios

scenarios("portal.feature", "portal_ja.feature")
