"""Signing in to company (single sign-on with the kit's identity provider, faked in-process):
the contract every citizen-facing service keeps (govkit.testing.sign_in)."""

from govkit.testing.sign_in import SignInContract


class TestSignIn(SignInContract):
    service = "company"
    sector = "GOV/MOJ"
    client_name = "会社設立（法務局）"
