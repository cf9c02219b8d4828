"""The shape of the code: no import circles in rnnviz/ or ui/, a short library root, short files, and a library
free of Streamlit. Read from the source with ast, so nothing here imports the app."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("rnnviz", "ui")
MAX_ROOT_MODULES = 12
MAX_LINES = 300


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}


def is_package(name: str, known: dict[str, Path]) -> bool:
    return name in known and known[name].name == "__init__.py"


def type_checking_only(node: ast.AST) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return isinstance(test, (ast.Name, ast.Attribute)) and ast.unparse(test).endswith("TYPE_CHECKING")


def imported_names(tree: ast.AST, name: str, known: dict[str, Path]) -> set[str]:
    """The modules `name` imports anywhere in its file (module level or inside functions), as dotted names."""
    package = name if is_package(name, known) else name.rpartition(".")[0]
    found = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and type_checking_only(node):  # never runs, so never part of a circle
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in known)
    return found


def import_graph() -> dict[str, set[str]]:
    """Who imports whom among rnnviz/ and ui/. Importing a.b.c runs a/__init__ and a/b/__init__ first, so it
    counts as importing those packages too, except the importer's own enclosing packages (already running)."""
    known = modules()
    graph = {}
    for name, path in known.items():
        own = {".".join(name.split(".")[:k]) for k in range(1, name.count(".") + 1)} | {name}
        edges = set()
        for target in imported_names(ast.parse(path.read_text(encoding="utf-8")), name, known):
            parts = target.split(".")
            for k in range(1, len(parts) + 1):
                prefix = ".".join(parts[:k])
                if prefix in known and prefix not in own:
                    edges.add(prefix)
        graph[name] = edges
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle, as the list of modules along it, or None."""
    colour = dict.fromkeys(graph, 0)  # 0 unvisited, 1 on the current path, 2 done
    for start in sorted(graph):
        if colour[start]:
            continue
        path, stack = [start], [iter(sorted(graph[start]))]
        colour[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                colour[path.pop()] = 2
                stack.pop()
            elif colour[nxt] == 1:
                return path[path.index(nxt):] + [nxt]
            elif colour[nxt] == 0:
                colour[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(graph[nxt])))
    return None


def test_the_import_walk_sees_packages_relative_and_function_level_imports():
    graph = import_graph()
    assert "rnnviz.views.labels" in graph["rnnviz.views.sequence"]  # from rnnviz.views.labels import …
    assert "rnnviz.nn" in graph["rnnviz.views.labels"]  # from rnnviz.nn.predict runs nn/__init__ first
    assert "rnnviz.views" not in graph["rnnviz.views.labels"]  # its own package is already running
    assert "ui.page_links" in graph["ui.loading"]  # from .page_links import page_links
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_circles_in_the_library_or_the_app():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " → ".join(cycle)


def test_the_library_root_holds_few_modules():
    root = sorted(path.name for path in (ROOT / "rnnviz").glob("*.py"))
    assert len(root) <= MAX_ROOT_MODULES, f"rnnviz/ holds {len(root)} modules: {', '.join(root)}"


def test_no_file_is_over_the_line_limit():
    paths = [path for folder in ("rnnviz", "ui", "pages") for path in sorted((ROOT / folder).rglob("*.py"))]
    long = {str(path.relative_to(ROOT)): count for path in paths
            if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert paths and not long, f"over {MAX_LINES} lines: {long}"


def test_the_library_does_not_import_streamlit():
    known = modules()
    graph_targets = {name: imported_names(ast.parse(path.read_text(encoding="utf-8")), name, known)
                     for name, path in known.items() if name.split(".")[0] == "rnnviz"}
    users = sorted(name for name, targets in graph_targets.items()
                   if any(target.split(".")[0] == "streamlit" for target in targets))
    assert graph_targets and not users, f"rnnviz modules importing streamlit: {users}"
