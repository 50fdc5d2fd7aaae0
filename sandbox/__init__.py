"""The OrderDesk API v2 emulator ("sandbox"), served by this app under `/sandbox/api/v2/`.

Layout: `models` (stores, folders, orders, items, shipments, inventory, with bucket and fault
settings on the store row), `engine/` (the emulator's rules, one module per resource; `gate` does
authentication, the leaky bucket and fault injection), `api/` (thin views and the shared envelope),
`demo/` (deterministic demo data), `provisioning` (a tenant's sandbox store), `services` + `ui_views`
(the settings page), and `manage.py sandbox_seed`. Where OrderDesk is undocumented the code says
`ASSUMPTION:` and cites docs/orderdesk-api.md.
"""
