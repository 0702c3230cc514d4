"""Signing in to residence (single sign-on with the kit's identity provider, faked in-process):
the contract every citizen-facing service keeps (govkit.testing.sign_in)."""

from govkit.testing.sign_in import SignInContract


class TestSignIn(SignInContract):
    service = "residence"
    sector = "GOV/LG-139998"
    client_name = "住民票の写し（桜木市）"
