"""The read-only web dashboard: signed links (:mod:`.links`), the page (:mod:`.web`)."""
