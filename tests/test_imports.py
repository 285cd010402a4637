"""No import circles inside the rag package.

Covers: every module under rag/ read with `ast` (nothing is imported), the graph of its imports
of other rag modules (absolute and relative, `from . import x` as an import of rag.x, and the
imports inside functions and under `if TYPE_CHECKING:` too, since they only hide a circle), and
a failure naming each circle found, as a path of modules.

Does not look at imports of other packages or at the order modules load in; a circle allowed
below must be listed edge by edge, and an allowance no longer needed fails too.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "rag"

# Import edges (importer, imported) of circles that are known and not yet removed: without
# them the rest of the graph has no circle. None are.
ALLOWED: frozenset[tuple[str, str]] = frozenset()


def module_names(package: Path = PACKAGE) -> dict[str, Path]:
    """Each module's dotted name ("rag.store.qdrant", "rag" for rag/__init__.py) and file."""
    out = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def imports_of(name: str, path: Path, modules: set[str]) -> set[str]:
    """The rag modules the module imports anywhere in its text."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(_known(alias.name, modules) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                out.add(sub if sub in modules else _known(target, modules))  # `from . import check`
    out.discard("")
    out.discard(name)
    return out


def _known(dotted: str, modules: set[str]) -> str:
    """The longest rag module that `dotted` names or lies in; "" outside the package."""
    parts = dotted.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in modules:
            return ".".join(parts[:n])
    return ""


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    modules = module_names(package)
    return {name: imports_of(name, path, set(modules)) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[tuple[list[str], list[str]]]:
    """Each group of modules that import each other (strongly connected, by Tarjan's algorithm),
    as one circle of it (a path back to its first module) and all its modules; [] when none."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [(_circle(graph, group), sorted(group)) for group in sorted(groups, key=min)]


def _circle(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group."""
    start = min(group)
    paths = {w: [start, w] for w in sorted(graph[start] & group)}
    queue = list(paths)
    while start not in paths:
        v = queue.pop(0)
        for w in sorted(graph[v] & group):
            if w not in paths:
                paths[w] = [*paths[v], w]
                queue.append(w)
    return paths[start]


def test_no_import_circles():
    graph = {v: {w for w in ws if (v, w) not in ALLOWED} for v, ws in import_graph().items()}
    found = cycles(graph)
    assert not found, "import circles in rag/:\n" + "\n".join(
        f"{' -> '.join(circle)}  (modules in this circle group: {', '.join(group)})" for circle, group in found
    )


def test_allowed_circles_still_exist():
    graph = import_graph()
    stale = sorted((v, w) for v, w in ALLOWED if w not in graph.get(v, set()))
    assert not stale, f"no longer imported, remove from ALLOWED: {stale}"


def test_the_check_finds_a_circle(tmp_path):
    package = tmp_path / "rag"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("from . import b\n")
    (package / "b.py").write_text("def f():\n    from .sub.c import g\n")
    (package / "sub" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..a import x\n"
    )
    (package / "d.py").write_text("import rag.a\n")
    graph = import_graph(package)
    assert graph["rag.d"] == {"rag.a"}
    assert cycles(graph) == [(["rag.a", "rag.b", "rag.sub.c", "rag.a"], ["rag.a", "rag.b", "rag.sub.c"])]


MAX_LINES = 350


def test_every_module_is_small_and_opens_with_what_it_covers():
    too_long, silent = [], []
    for name, path in module_names().items():
        source = path.read_text(encoding="utf-8")
        if len(source.splitlines()) > MAX_LINES:
            too_long.append(f"{name}: {len(source.splitlines())} lines")
        if not ast.get_docstring(ast.parse(source)):
            silent.append(name)
    assert not too_long, f"split these modules (at most {MAX_LINES} lines): {too_long}"
    assert not silent, f"these modules do not say what they cover: {silent}"
