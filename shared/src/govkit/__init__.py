"""govkit: the mechanisms every Madoguchi service shares.

Settings, database plumbing, web set-up (security headers, CSRF, request ids, JSON logs,
``/healthz``), errors, i18n, the GOV.UK-based layout, the stack launcher and test helpers.
It holds no service's tables or rules.
"""

__version__ = "0.1.0"
