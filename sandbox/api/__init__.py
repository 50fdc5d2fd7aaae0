"""The HTTP face of the emulator: `/sandbox/api/v2/…` (see `sandbox/urls.py`)."""
