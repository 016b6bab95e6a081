"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from migratelab.kernel import Kernel, MachineSpec

CONFORMANCE = Path(__file__).parent / "conformance"


@pytest.fixture(params=["v6.1", "v6.12"])
def modern(request: pytest.FixtureRequest) -> str:
    """The two profiles checked against real kernels."""
    return str(request.param)


def new_kernel(profile: str, nodes: int = 2) -> Kernel:
    """A conformance-shaped machine: 1 GiB and 16 huge pages per node."""
    return Kernel(MachineSpec(nodes=nodes), profile)
