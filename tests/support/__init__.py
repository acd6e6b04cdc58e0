"""Helpers shared by every test package (databases, fake servers)."""
