"""Shared fixtures: the reference values of tests/reference.rs."""

import json
import pathlib

import numpy as np
import pytest

DATA = pathlib.Path(__file__).parent / "data" / "reference.json"
UINT = {"float64": np.uint64, "float32": np.uint32}


def from_hex(values, dtype: str) -> np.ndarray:
    """Floats from the hexadecimal digits of their bits."""
    return np.array([int(h, 16) for h in values], dtype=UINT[dtype]).view(dtype)


def assert_bits(actual, expected) -> None:
    """Equal bit for bit (signed zeros and NaN payloads included)."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    uint = UINT[str(actual.dtype)]
    np.testing.assert_array_equal(actual.view(uint), expected.view(uint))


@pytest.fixture(scope="session")
def reference():
    return json.loads(DATA.read_text())
