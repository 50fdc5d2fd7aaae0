"""What the accounts app announces. Apps above it (the sandbox) listen; this app imports none of them."""

from django.dispatch import Signal

# Sent inside the transaction that creates a tenant, with `tenant` (and `user`, its first owner).
# Receivers that fail make `tenant_create` fail, or only log when it was asked not to be strict.
tenant_created = Signal()
