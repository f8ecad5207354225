"""The layout by pipeline stage: contracts on imports, no cycle, modules of a readable size."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_contracts_hold():
    """corpus -> chunk -> index -> retrieve -> answer -> output -> evals -> cli | web, and the core
    never imports the web tier or Flask (pyproject.toml, [tool.importlinter])."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "2 kept, 0 broken" in result.stdout


def _cycles(graph, modules: set[str]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), i.e. import cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(m: str) -> None:
        index[m] = low[m] = len(index)
        stack.append(m)
        on.add(m)
        for n in graph.find_modules_directly_imported_by(m) & modules:
            if n not in index:
                visit(n)
                low[m] = min(low[m], low[n])
            elif n in on:
                low[m] = min(low[m], index[n])
        if low[m] == index[m]:
            group = []
            while True:
                n = stack.pop()
                on.discard(n)
                group.append(n)
                if n == m:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for m in sorted(modules):
        if m not in index:
            visit(m)
    return found


def test_no_module_of_the_core_imports_itself_back_through_others():
    graph = grimp.build_graph("qa", "web")
    modules = {m for m in graph.modules if m.startswith(("qa", "web"))}
    # a package's __init__ naming its own submodules is not a cycle of code: leave packages out
    packages = {m for m in modules if any(o.startswith(m + ".") for o in modules)}
    assert _cycles(graph, modules - packages) == []


def test_no_module_is_over_500_lines():
    long = {str(p.relative_to(ROOT)): n for p in [*ROOT.joinpath("qa").rglob("*.py"), *ROOT.joinpath("web").rglob("*.py")]
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500}
    assert long == {}
