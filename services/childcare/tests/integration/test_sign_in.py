"""Signing in to childcare (single sign-on with the kit's identity provider, faked in-process):
the contract every citizen-facing service keeps (govkit.testing.sign_in)."""

from govkit.testing.sign_in import SignInContract


class TestSignIn(SignInContract):
    service = "childcare"
    sector = "GOV/LG-139998"
    client_name = "児童手当・保育（桜木市）"
