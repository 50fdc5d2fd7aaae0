"""Stores (with encrypted credentials) for the API-key tests."""
