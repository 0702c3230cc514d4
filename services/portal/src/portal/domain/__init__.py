"""The portal's pure rules: no Flask, no database, no network; ``today`` is a parameter."""
