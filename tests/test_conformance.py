"""Every public scenario, on both real-kernel profiles, compared field by field."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from migratelab.kernel import Kernel, MachineSpec
from migratelab.scenario.conformance import compare_run, first_difference
from migratelab.scenario.ops import Scenario
from migratelab.scenario.runner import run_scenario

ROOT = Path(__file__).parent / "conformance"
#: The public set, and the scenarios this project ran on the real-kernel oracle.
SETS = (ROOT, ROOT / "oracle")


def _cases(root: Path) -> list[tuple[str, int, Path]]:
    return sorted(
        (kern, int(nodes_dir.name[5:]), result)
        for kern in ("6.1", "6.12")
        for nodes_dir in (root / "results" / kern).iterdir()
        for result in nodes_dir.glob("[0-9]*.json")
    )


CASES = _cases(ROOT)
ORACLE_CASES = _cases(ROOT / "oracle")


@pytest.mark.parametrize(("kernel", "nodes", "result"), CASES + ORACLE_CASES,
                         ids=[f"{k}-n{n}-{r.stem}" for k, n, r in CASES + ORACLE_CASES])
def test_matches_real_kernel(kernel: str, nodes: int, result: Path) -> None:
    expected = json.loads(result.read_text())
    scenario = msgspec.json.decode(
        (result.parents[3] / "scenarios" / result.name).read_bytes(), type=Scenario)
    actual = run_scenario(scenario, Kernel(MachineSpec(nodes=nodes), kernel))
    diffs = compare_run(expected, actual)
    assert not diffs, "\n".join(diffs)


def test_public_set_is_complete() -> None:
    assert len({r.name for _, _, r in CASES}) == 42
    assert len(CASES) == 168
    # every scenario this project wrote was run on both real kernels; a run that the
    # simulator cannot model is kept in divergent/ with its reason
    oracle = ROOT / "oracle"
    for scenario in sorted((oracle / "scenarios").glob("[0-9]*.json")):
        for kern in ("6.1", "6.12"):
            runs = [*(oracle / "results" / kern).glob(f"nodes*/{scenario.name}"),
                    *(oracle / "divergent" / kern).glob(f"nodes*/{scenario.name}")]
            assert runs, f"{scenario.name} has no real {kern} result"


def test_comparison_names_the_first_differing_field() -> None:
    expected = {"i": 5, "op": "move_pages", "ret": 0, "errno": None,
                "status_str": ["1", "1"], "vmstat_delta": {"pgmigrate_success": 2}}
    actual = dict(expected, status_str=["1", "-EBUSY"])
    diff = first_difference(expected, actual)
    assert diff is not None and "status_str" in diff and "ops[5]" in diff
    actual = dict(expected, vmstat_delta={"pgmigrate_success": 1})
    diff = first_difference(expected, actual)
    assert diff is not None and "vmstat_delta.pgmigrate_success" in diff
    assert first_difference(expected, dict(expected)) is None
