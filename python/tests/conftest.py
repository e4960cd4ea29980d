"""Shared pytest fixtures for the cross-checks that drive the built pnconv binary.

The helpers themselves live in pnconv_helpers.py, so that test modules can import them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import pnconv_helpers as ph


@pytest.fixture(scope="session")
def pnconv() -> ph.PNConv:
    """The pnconv binary under test: $PNCONV, else .build/release/pnconv in the repository."""
    binary = ph.pnconv_binary()
    assert binary.is_file(), (
        f"pnconv binary not found at {binary}: build it with scripts/build.sh or set PNCONV")
    return ph.PNConv(binary)


@pytest.fixture(scope="session")
def fixture_models() -> Path:
    return ph.FIXTURE_MODELS
