"""The engine is the house's bottom floor: it must not import Django (ARCHITECTURE.md)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_engine_imports_no_django():
    code = (
        "import sys; import iamlab.policy; from iamlab.policy import Policy, Request, evaluate; "
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')); "
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def _imports_of(tree: ast.AST) -> list[ast.ImportFrom]:
    """Every ``from ... import`` of a module, at the top or inside a function, leaving out
    those under ``if TYPE_CHECKING:`` (for type checkers only)."""
    found: list[ast.ImportFrom] = []
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        if (
            isinstance(node, ast.If)
            and isinstance(node.test, ast.Name)
            and node.test.id == "TYPE_CHECKING"
        ):
            todo.extend(node.orelse)
            continue
        if isinstance(node, ast.ImportFrom):
            found.append(node)
        todo.extend(ast.iter_child_nodes(node))
    return found


def _engine_imports() -> dict[str, set[str]]:
    """Each module of iamlab/policy and the modules of iamlab/policy it imports."""
    package = ROOT / "iamlab" / "policy"
    modules: dict[str, Path] = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        found: set[str] = set()
        for node in _imports_of(ast.parse(path.read_text())):
            if node.level:
                base = here[: len(here) - node.level + 1] if node.level > 1 else here
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                if f"{target}.{alias.name}" in modules:
                    found.add(f"{target}.{alias.name}")
                elif target in modules:
                    found.add(target)
        found.discard(name)
        found.discard("iamlab.policy")  # the package's own re-exports
        graph[name] = found
    return graph


def test_engine_modules_import_each_other_without_a_circle():
    # ARCHITECTURE.md: the policy model is a leaf; parsing and checking are built above it.
    graph = _engine_imports()
    assert "iamlab.policy.parser" not in graph["iamlab.policy.model"]
    assert "iamlab.policy.validate" not in graph["iamlab.policy.model"]
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            raise AssertionError("import circle: " + " -> ".join([*path, module]))
        if module in done:
            return
        for imported in sorted(graph.get(module, ())):
            visit(imported, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
