"""The package is built in layers, and nothing imports upwards.

Each module's imports are read with ``ast`` (including those inside functions), resolved to
the layer they land in and checked against the order below. ``pdf/`` is kept apart from the
domain: it may use the shared ground only, so it can be tested alone or replaced.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "appeal_letters"

#: Lowest first. A module may import its own layer and any layer before it.
LAYERS = ["ground", "model", "compose", "render", "pdf", "batch", "deliver", "importer", "cli"]
#: Interfaces sit side by side on top; neither imports the other, except that the command
#: line may start the page: ``appeal-letters serve`` imports ``web``'s face, nothing inside it.
INTERFACES = {"cli", "web"}
LAUNCHES = {("cli", ("web",))}
#: Layers that must not import these, whatever their rank.
KEPT_APART = {"pdf": {"model", "compose", "render"}}
GROUND = {
    "errors",
    "files",
    "assets",
    "parallel",
    "limits",
    "plurals",
    "spill",
    "__init__",
    "__main__",
}


def layer_of(parts: tuple[str, ...]) -> str:
    """The layer of module ``appeal_letters.<parts>``."""
    if not parts or parts[0] in GROUND:
        return "ground"
    return parts[0]


def rank(layer: str) -> int:
    return len(LAYERS) - 1 if layer in INTERFACES else LAYERS.index(layer)


def imports_of(source: str, here: tuple[str, ...]) -> list[tuple[int, tuple[str, ...]]]:
    """(line, target module parts inside the package) for every import of the package made
    by module ``appeal_letters.<here>``, whose text is ``source``."""
    package = here[:-1]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = base + tuple((node.module or "").split(".")) if node.module else base
                names = (
                    [(*target, alias.name) for alias in node.names] if not node.module else [target]
                )
            elif (node.module or "").startswith("appeal_letters"):
                names = [tuple(node.module.split(".")[1:])]  # type: ignore[union-attr]
            else:
                continue
            found += [(node.lineno, tuple(p for p in name if p)) for name in names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("appeal_letters"):
                    found.append((node.lineno, tuple(alias.name.split(".")[1:])))
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def upward_imports(source: str, here: tuple[str, ...]) -> list[str]:
    """Each import of module ``here`` that breaks the layering, as ``module:line: ...``."""
    own = layer_of(here)
    if here == ("__main__",):
        return []  # the entry point runs the CLI
    wrong = []
    for line, target in imports_of(source, here):
        layer = layer_of(target)
        if target == ("__version__",):
            continue
        upward = layer != own and rank(layer) > rank(own)
        sideways = (
            own in INTERFACES
            and layer in INTERFACES
            and layer != own
            and (own, target) not in LAUNCHES
        )
        apart = layer in KEPT_APART.get(own, set())
        if upward or sideways or apart:
            wrong.append(f"{'.'.join(here)}:{line}: {own} imports {'.'.join(target)}")
    return wrong


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_nothing_imports_upwards(path: Path) -> None:
    here = path.relative_to(PACKAGE).with_suffix("").parts
    wrong = upward_imports(path.read_text(encoding="utf-8"), here)
    assert not wrong, "\n".join(wrong)


def test_every_layer_is_a_package_with_a_public_face() -> None:
    for layer in LAYERS[1:]:
        folder = PACKAGE / layer
        if not folder.exists():
            continue  # a layer still to come (importer/)
        init = folder / "__init__.py"
        tree = ast.parse(init.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"{init}: say what the layer is for"
        exported = [
            node
            for node in tree.body
            if isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
        ]
        assert exported, f"{init}: name the layer's public face in __all__"


@pytest.mark.parametrize(
    ("here", "source", "expected"),
    [
        (("model", "load"), "from ..batch import run_batch\n", "model imports batch"),
        (("render", "letters"), "def f():\n    from ..deliver.mail import plan\n", "deliver"),
        (("pdf", "fonts"), "from ..model import Campaign\n", "pdf imports model"),
        (("cli", "main"), "import appeal_letters.web.form\n", "cli imports web.form"),
        (("cli", "serve"), "from ..web.app import create_app\n", "cli imports web.app"),
        (("web", "app"), "from ..cli import main\n", "web imports cli"),
        (("files",), "import appeal_letters.batch.run\n", "ground imports batch"),
    ],
)
def test_the_check_sees_a_wrong_import(here: tuple[str, ...], source: str, expected: str) -> None:
    """The rule is not vacuous: upward, sideways and kept-apart imports are all caught."""
    assert any(expected in problem for problem in upward_imports(source, here))


def test_the_check_allows_imports_down_and_within() -> None:
    assert (
        upward_imports("from ..model import Campaign\nfrom .bodies import Body\n", ("batch", "run"))
        == []
    )
    assert upward_imports("from ..web import create_app\n", ("cli", "serve")) == []


def test_modules_stay_small() -> None:
    """One job a module: past ~400 lines a module is doing two (tests/ are not held to it)."""
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in MODULES
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 420
    }
    assert not long, long
