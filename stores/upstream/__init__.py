"""Parts of the OrderDesk client (`stores.client`): where a call may go, how each attempt is judged and
retried, and how it is recorded. Import the client itself from `stores.client`."""
