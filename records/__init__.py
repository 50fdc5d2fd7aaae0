"""The OrderDesk record kit shared by the order and inventory services.

Everything an operation on an OrderDesk record needs besides its own rules: the resolved store and its
calls (`store_call`), the merge of `changes` into a whole record (`merge`), the conflict-checked
fetch → merge → PUT loop (`update`), per-record locks (`locks`), deletes (`delete`) and signed list
cursors (`cursor`). `orders` and `products` build on it and never on each other.
"""
