"""The trust service's HTTP interface: public PKI endpoints and the registration authority."""
