"""Two request or response schemas with one name overwrite each other in the OpenAPI document
(one endpoint then documents the other's fields): every schema class in an app's api module has
a name of its own."""

from __future__ import annotations

import importlib
import pkgutil
from collections import defaultdict

from ninja import Schema

import samphan


def test_schema_class_names_are_unique_across_the_api() -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for info in pkgutil.walk_packages(samphan.__path__, "samphan."):
        if not info.name.endswith(".api") or ".migrations" in info.name:
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Schema)
                and value.__module__ == info.name
            ):
                owners[value.__name__].add(info.name)
    clashes = {name: mods for name, mods in owners.items() if len(mods) > 1}
    assert clashes == {}, f"rename one of each: {clashes}"
