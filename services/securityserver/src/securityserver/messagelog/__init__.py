"""The security server's message log (xroad.md §3.7, §7 "Keep" 5).

* :mod:`.chain`: records and their hash chain (pure);
* :mod:`.merkle`: Merkle roots over record hashes (pure);
* :mod:`.timestamps`: the RFC 3161 client interface and token checks;
* :mod:`.repository` / :mod:`.service`: storage and the use cases ``append``,
  ``seal_pending``, ``sealing_failing_since``;
* :mod:`.archive`: ZIP export with linking information, and the offline verifier
  (``python -m securityserver.messagelog verify ARCHIVE.zip [--tsa-root ROOT.pem]``).
"""
