"""The package's layers, checked: imports flow one way, and no module reaches into another's private names.

The order is the one the README's design section draws. A module may import its own layer or any layer below
it, at module level or inside a function alike (a lazy import is still a dependency).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import treatylife

PACKAGE = Path(treatylife.__file__).parent

# lowest first; the package's own __init__ is the public API, above the evaluation layers and above render:
# renderers are pure functions of result types (they compute nothing and load nothing), so the API can offer
# render_html(report) and render_ics(calendar) without its users importing treatylife.render (issue 13)
LAYERS = ["errors", "dates", "model", "files", "engine", "answers", "bulk", "render", "api", "cli", "server"]
#: the one import that goes up: the `serve` command starts the server (nothing else imports server/)
UPWARD = {("treatylife.cli.serve", "server")}


def _layer(module: str) -> str:
    parts = module.split(".")
    assert parts[0] == "treatylife", module
    if len(parts) == 1:
        return "api"
    if parts[1] == "__main__":
        return "cli"
    return parts[1]


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, imported module, names) for every import in the file, resolving relative imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = _module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name, []) for a in node.names if a.name.startswith("treatylife")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            if module.startswith("treatylife"):
                found.append((node.lineno, module, [a.name for a in node.names]))
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "data" not in p.relative_to(PACKAGE).parts)


def test_every_module_belongs_to_a_known_layer() -> None:
    unknown = {_layer(_module_name(p)) for p in MODULES} - set(LAYERS)
    assert not unknown, f"folders with no place in the layer order: {unknown}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_flow_down(path: Path) -> None:
    me = _module_name(path)
    mine = LAYERS.index(_layer(me))
    wrong = []
    for line, module, names in _imports(path):
        target = module
        if module == "treatylife" and names:
            # `from treatylife import x`: a subpackage or a public API name
            sub = [n for n in names if (PACKAGE / n).is_dir()]
            if sub:
                target = f"treatylife.{sub[0]}"
        if LAYERS.index(_layer(target)) > mine and (me, _layer(target)) not in UPWARD:
            wrong.append(
                f"{path.relative_to(PACKAGE)}:{line} imports {module} ({_layer(target)} is above {_layer(me)})"
            )
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_private_names_from_other_modules(path: Path) -> None:
    me = _module_name(path)
    wrong = [
        f"{path.relative_to(PACKAGE)}:{line} imports {name} from {module}"
        for line, module, names in _imports(path)
        for name in names
        if name.startswith("_") and not name.startswith("__") and module != me
    ]
    assert not wrong, "\n".join(wrong)
