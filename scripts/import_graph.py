"""Print the import graph between the project's top-level packages, and any cycle in it.

    .venv/bin/python scripts/import_graph.py

Each line is `package -> the packages it imports` (migrations left out). Run it on any checkout to
compare layouts; `lint-imports` is what enforces the layers.
"""

from __future__ import annotations

import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
NOT_APP = {"tests", "bench", "scripts", "docs", "static", "templates", "var"}


def packages() -> list[str]:
    return sorted(p.name for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name not in NOT_APP)


def package_edges(names: list[str]) -> dict[str, set[str]]:
    graph = grimp.build_graph(*names, include_external_packages=False)
    edges: dict[str, set[str]] = {name: set() for name in names}
    for module in graph.modules:
        if ".migrations" in module:
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            a, b = module.split(".")[0], imported.split(".")[0]
            if a != b:
                edges[a].add(b)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def main() -> int:
    sys.path.insert(0, str(ROOT))
    edges = package_edges(packages())
    for name in sorted(edges, key=lambda n: (len(edges[n]), n)):
        print(f"{name} -> {', '.join(sorted(edges[name])) or '(nothing)'}")
    loops = cycles(edges)
    print("cycles: " + ("; ".join(" ↔ ".join(c) for c in loops) if loops else "none"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
