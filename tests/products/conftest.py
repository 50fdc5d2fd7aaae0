from tests.orders.conftest import (  # noqa: F401 - the same stores, actors and fake OrderDesk
    acme_store,
    alice_actor,
    bob_actor,
    charlie_actor,
    globex_store,
    od,
    sandbox,
    vera_actor,
)
