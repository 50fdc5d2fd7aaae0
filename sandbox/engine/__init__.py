"""The emulator's rules, one module per resource; `gate` runs before every endpoint."""
