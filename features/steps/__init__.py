"""Step definitions, in citizen language, grouped by area."""
