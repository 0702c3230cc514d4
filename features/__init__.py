"""Acceptance tests: Gherkin journeys that drive the running kit in headless Chromium."""
