"""Bind the certificate feature files."""

from pytest_bdd import scenarios

scenarios("certificates.feature")
