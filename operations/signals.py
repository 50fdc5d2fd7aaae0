"""What the core announces. Faces above it listen without the core importing them."""

from django.dispatch import Signal

# Sent (awaited, with `asend`) once a trace is committed: `trace` is the saved operations.Trace.
# Receivers must not raise; a push that fails is their own business, never the operation's.
trace_recorded = Signal()
