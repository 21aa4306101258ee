"""Shared fixtures: the repository's root, the shared test vectors, the fixtures' tables."""

import json
import pathlib

import pytest

import rampart

ROOT = pathlib.Path(__file__).resolve().parents[3]
VECTORS = json.loads((ROOT / "bindings" / "vectors" / "vectors.json").read_text())


@pytest.fixture(scope="session")
def tables() -> rampart.Tables:
    return rampart.load(ROOT / VECTORS["tables"])
