"""The shape the imports must keep (docs/architecture.md), read from the source with `ast`: no service imports
another, a service's domain imports no I/O, its contract module no nameko, and the gateway imports of the
services only their contract modules and services.common."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .published import ROOT
from .town import SERVICES

IO = ("psycopg", "psycopg_pool", "nameko", "eventlet", "kombu", "amqp", "requests", "werkzeug")
NAMEKO = ("nameko", "eventlet")


def module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> list[str]:
    """What the module at `path` imports, absolute: "a.b" for `import a.b`, "a.b.c" for `from a.b import c`
    (c a module or a name in it), relative imports resolved against the module's package."""
    module = module_of(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            found += [f"{base}.{alias.name}" for alias in node.names]
    return found


def file_of(name: str) -> Path | None:
    """The repository's file of module `name` or of the module `name` is a name in; None outside services/."""
    parts = name.split(".")
    if parts[0] != "services":
        return None
    for end in range(len(parts), 1, -1):
        candidate = ROOT.joinpath(*parts[:end])
        if candidate.with_suffix(".py").is_file():
            return candidate.with_suffix(".py")
        if (candidate / "__init__.py").is_file():
            return candidate / "__init__.py"
    return None


def forbidden_imports(start: Path, forbidden: tuple[str, ...]) -> list[str]:
    """Each chain of imports from `start`, through services' modules, that reaches a `forbidden` package."""
    chains, seen, waiting = [], {start}, [(start, module_of(start))]
    while waiting:
        path, chain = waiting.pop()
        for name in imports_of(path):
            if name.split(".")[0] in forbidden:
                chains.append(f"{chain} -> {name}")
            found = file_of(name)
            if found is not None and found not in seen:
                seen.add(found)
                waiting.append((found, f"{chain} -> {module_of(found)}"))
    return sorted(chains)


def sources(*folder: str) -> list[Path]:
    return sorted(ROOT.joinpath(*folder).rglob("*.py"))


def domain_modules(service: str) -> list[Path]:
    package = ROOT / "services" / service
    return [path for path in [package / "domain.py", *sorted((package / "domain").rglob("*.py"))] if path.is_file()]


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_no_other_service(service):
    others = {f"services.{other}" for other in SERVICES if other != service}
    crossing = [f"{module_of(path)} imports {name}" for path in sources("services", service)
                for name in imports_of(path) if ".".join(name.split(".")[:2]) in others]
    assert not crossing, "\n".join(crossing)


@pytest.mark.parametrize("service", SERVICES)
def test_a_services_domain_imports_no_io(service):
    modules = domain_modules(service)
    assert modules, f"services/{service} has no domain.py or domain/"
    chains = [chain for path in modules for chain in forbidden_imports(path, IO)]
    assert not chains, "\n".join(chains)


@pytest.mark.parametrize("service", SERVICES)
def test_a_services_contract_imports_no_nameko(service):
    contract = ROOT / "services" / service / "contract.py"
    assert contract.is_file(), f"services/{service} has no contract.py"
    chains = forbidden_imports(contract, NAMEKO)
    assert not chains, "\n".join(chains)


def test_the_gateway_imports_of_the_services_only_their_contracts_and_the_kernel():
    allowed = ("services.common", *(f"services.{service}.contract" for service in SERVICES))
    reaching = [f"{module_of(path)} imports {name}" for path in sources("gateway") for name in imports_of(path)
                if name.startswith("services.") and not any(name == a or name.startswith(a + ".") for a in allowed)]
    assert not reaching, "\n".join(reaching)
