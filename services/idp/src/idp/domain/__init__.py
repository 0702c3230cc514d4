"""The identity provider's pure rules: no Flask, no database, no network; time is a parameter."""
