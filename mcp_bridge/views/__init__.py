"""Pages of the operator console: dashboard, API console and trace viewer."""
