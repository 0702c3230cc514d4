"""central's HTTP side: the public configuration endpoints and the admin API."""
