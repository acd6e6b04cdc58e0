"""Fakes of the platforms we talk to, run on loopback by the tests, and the one recording
messenger the core is handed where no platform is needed (recording_messenger.py)."""
