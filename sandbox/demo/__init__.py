"""Realistic, deterministic demo data for sandbox stores."""
