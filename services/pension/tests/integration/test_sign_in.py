"""Signing in to pension (single sign-on with the kit's identity provider, faked in-process):
the contract every citizen-facing service keeps (govkit.testing.sign_in)."""

from govkit.testing.sign_in import SignInContract


class TestSignIn(SignInContract):
    service = "pension"
    sector = "GOV/JPS"
    client_name = "国民年金（日本年金機構）"
