"""The package's import structure: no cycles, dependencies one way down the pipeline.

Every ``import`` of a kg module counts, those inside functions included (an import moved
into a function still makes the two modules depend on each other). ``from kg.pkg import
name`` depends on the submodule ``kg.pkg.name`` when that is a module, else on the package
``kg.pkg`` itself.
"""
from __future__ import annotations

import ast
from pathlib import Path

import kg

ROOT = Path(kg.__file__).resolve().parent

#: The stages in pipeline order; a module may import its own stage and the ones before.
LAYERS = [
    ("base", ["kg", "kg.errors", "kg.types", "kg.text", "kg.progress", "kg.iris", "kg.files",
              "kg.forked", "kg.ontology"]),
    ("ingest", ["kg.ingest"]),
    ("extract", ["kg.extract"]),
    ("model", ["kg.model"]),
    ("query", ["kg.query"]),
    ("export", ["kg.export"]),
    ("sparql", ["kg.sparql"]),
    ("build", ["kg.build"]),
    ("cli", ["kg.cli", "kg.__main__"]),
]


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, str | None, int]]:
    """``(module imported, name imported from it or None, line)`` for every kg import."""
    is_package = path.name == "__init__.py"
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, None, node.lineno) for a in node.names if a.name.split(".")[0] == "kg"]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name if is_package else name.rsplit(".", 1)[0]
                for _ in range(node.level - 1):
                    package = package.rsplit(".", 1)[0]
                base = f"{package}.{base}" if base else package
            if base.split(".")[0] != "kg":
                continue
            out += [(base, a.name, node.lineno) for a in node.names]
    return out


def _edges() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for name, path in MODULES.items():
        for module, imported, _ in _imports(name, path):
            target = f"{module}.{imported}" if imported and f"{module}.{imported}" in MODULES \
                else module
            if target in MODULES and target != name:
                graph[name].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _layer(module: str) -> int:
    best, rank = -1, None
    for i, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > best and p != "kg":
                best, rank = len(p), i
    return rank if rank is not None else 0


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_every_module_is_seen():
    assert {"kg.model.core", "kg.query.paths", "kg.export.rdf.writer", "kg.build.pipeline",
            "kg.cli.query_cmd"} <= set(MODULES)
    assert sum(len(v) for v in _edges().values()) > 100


def test_no_import_cycle():
    assert _cycles(_edges()) == []


def test_dependencies_point_down_the_pipeline():
    upward = [f"{a} -> {b}" for a, targets in _edges().items() for b in sorted(targets)
              if _layer(b) > _layer(a)]
    assert upward == []


def test_no_private_name_is_imported_from_another_module():
    private = [f"{name}:{line} imports {imported} from {module}"
               for name, path in MODULES.items()
               for module, imported, line in _imports(name, path)
               if imported and imported.startswith("_") and not imported.startswith("__")]
    assert private == []


def package_graph() -> dict[str, set[str]]:
    """The import graph collapsed to packages (and the base modules), for the docs."""
    def unit(module: str) -> str:
        parts = module.split(".")
        return ".".join(parts[:2]) if len(parts) > 1 else module

    out: dict[str, set[str]] = {}
    for a, targets in _edges().items():
        out.setdefault(unit(a), set()).update(unit(b) for b in targets if unit(b) != unit(a))
    return out


if __name__ == "__main__":  # python tests/test_architecture.py: the graph in docs/architecture.md
    order = {p: i for i, (_, prefixes) in enumerate(LAYERS) for p in prefixes}
    graph = package_graph()
    for unit in sorted(graph, key=lambda u: (order.get(u, 0), u)):
        print(f"{unit:<14} -> {', '.join(sorted(graph[unit])) or '(nothing of kg)'}")
