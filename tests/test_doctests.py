"""Run the docstring examples of every kg module, from the installed package."""
from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil

import pytest

import kg

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(kg.__path__, "kg.") if not m.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} doctest example(s) failed in {name}"


def test_every_public_function_has_an_example():
    """Every public module-level function of kg (defined in its module, name not starting
    with ``_``) shows at least one doctested example (``>>>``) in its docstring."""
    missing = []
    for name in MODULES:
        module = importlib.import_module(name)
        for attr, obj in vars(module).items():
            if (not attr.startswith("_") and inspect.isfunction(obj) and obj.__module__ == name
                    and ">>>" not in (obj.__doc__ or "")):
                missing.append(f"{name}.{attr}")
    assert not missing, (f"{len(missing)} public function(s) without a docstring example "
                         f"(>>>): {', '.join(missing)}")
