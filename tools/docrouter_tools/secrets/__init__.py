"""Secrets tooling: the catalog of keys the app reads and `main.py secrets edit` (SOPS)."""
