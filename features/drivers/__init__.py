"""Drivers: how steps reach the kit (never its databases), the browser and the page."""
