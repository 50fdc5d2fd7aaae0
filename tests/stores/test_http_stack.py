"""The HTTP stack under the OrderDesk client does no per-request work that could be done once."""

import asyncio
import sys

from httpcore._synchronization import current_async_library


class _RecordingFinder:
    """A meta-path finder that only notes which modules the import system goes looking for."""

    def __init__(self):
        self.searched: list[str] = []

    def find_spec(self, name, path=None, target=None):
        self.searched.append(name)
        return None


def test_httpcore_does_not_search_the_filesystem_for_sniffio_on_every_request():
    # httpcore imports sniffio on each request to learn the async library in use; without sniffio
    # installed that failed import searched every sys.path entry again, several times per upstream call.
    async def requests() -> list[str]:
        return [current_async_library() for _ in range(3)]

    asyncio.run(requests())  # the first import may search, once
    finder = _RecordingFinder()
    sys.meta_path.insert(0, finder)
    try:
        libraries = asyncio.run(requests())
    finally:
        sys.meta_path.remove(finder)
    assert libraries == ["asyncio"] * 3
    assert finder.searched == []
