"""Fakes of the platforms we talk to, run on loopback by the tests."""
