"""The D1 importer's faces: ``core.travel`` and ``core.travel.d1`` give the same objects, and the value readers
are public in ``core.travel.d1.values``."""

from __future__ import annotations

import pytest

import core.travel
import core.travel.d1
import core.travel.d1.values


@pytest.mark.parametrize("name", core.travel.d1.__all__)
def test_each_import_name_is_the_same_object_from_core_travel_and_from_the_d1_package(name: str) -> None:
    assert name in core.travel.__all__
    assert getattr(core.travel, name) is getattr(core.travel.d1, name)


@pytest.mark.parametrize("name", core.travel.d1.values.__all__)
def test_every_value_reader_is_importable_from_the_public_values_module(name: str) -> None:
    assert not name.startswith("_")
    assert callable(getattr(core.travel.d1.values, name))
