"""Verify one file on the running kernel: load, choose the profile, refuse or run, judge.

The judging is ``migratelab check``'s own: each call's record goes through
:func:`migratelab.levels.compare_result`, and the outcome is a
:class:`~migratelab.levels.check.LevelReport` of
:class:`~migratelab.levels.check.ItemResult` items, so both commands
print the same kind of report.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migratelab.kernel.profiles import PROFILES
from migratelab.levels import Level, compare_result, is_level_file, load_level
from migratelab.levels.check import ItemResult, LevelReport, expect_item
from migratelab.scenario.loading import InputError, load_scenario
from migratelab.scenario.ops import Scenario
from migratelab.verify.cases import Case, Check, level_cases, scenario_case
from migratelab.verify.host import (
    NUMA_BALANCING,
    THP_ENABLED,
    Host,
    hugetlb_path,
    release_version,
)
from migratelab.verify.preflight import Needs, Refusal, refuse, settings
from migratelab.verify.region import RealRunError
from migratelab.verify.restore import Restorer
from migratelab.verify.runner import RealRunner
from migratelab.verify.syscalls import KernelCalls


def profile_version(name: str) -> tuple[int, int]:
    """``"v6.12"`` -> ``(6, 12)``."""
    major, minor = name.lstrip("v").split(".")[:2]
    return int(major), int(minor)


def closest_profile(release: str) -> str | None:
    """The newest profile not newer than the running kernel: 6.12 for 6.12 and later,
    6.1 for 6.1 to 6.11, and so on. None for a kernel older than every profile."""
    version = release_version(release)
    if version is None:
        return None
    fitting = [p for p in PROFILES if profile_version(p) <= version]
    return max(fitting, key=profile_version) if fitting else None


def oldest_profile() -> str:
    """The oldest profile's name."""
    return min(PROFILES, key=profile_version)


@dataclass(slots=True)
class FileResult:
    """What verify found for one file."""

    report: LevelReport
    profile: str | None = None
    #: True when the file could not be read, was refused, or an op could not run.
    could_not_run: bool = False
    #: (check, record) of every call that ran, for ``--record``.
    records: list[tuple[Check, dict[str, Any]]] = field(default_factory=list)
    #: Level or scenario, once loaded.
    source: Level | Scenario | None = None
    #: Lines about settings that could not be put back (also makes the run fail).
    restore_problems: list[str] = field(default_factory=list)


def load(path: Path) -> Level | Scenario:
    """A level (``.toml``) or a scenario (anything else: JSON); raises InputError."""
    if path.suffix == ".toml" or is_level_file(path):
        return load_level(path)
    return load_scenario(path)


def verify_file(path: Path, sys: KernelCalls, host: Host, profile: str | None = None
                ) -> FileResult:
    """Run one file's cases on the kernel and judge every call."""
    result = FileResult(LevelReport(str(path)))
    try:
        source = load(path)
    except InputError as exc:
        return _refused(result, str(exc))
    result.source = source
    chosen = profile or closest_profile(host.release)
    result.profile = chosen
    if isinstance(source, Level):
        result.report.level_id = source.level.id
        nodes, thp, pools = (source.machine.nodes, source.machine.thp,
                             source.machine.hugetlb_per_node)
        cases = level_cases(source, chosen) if chosen else []
    else:
        result.report.level_id = source.name
        nodes, thp, pools = source.min_nodes or 1, None, None
        cases = [scenario_case(source, chosen, host.node_count)] if chosen else []
    needs = settings(sys, host, thp, pools, nodes, cases)
    try:
        refuse(str(path), host, needs, cases, sys.is_privileged(),
               None if chosen else oldest_profile())
    except Refusal as exc:
        return _refused(result, str(exc))
    needs.balancing_off = host.numa_balancing and sys.is_privileged()
    for case in cases:
        if not run_case(case, sys, host, needs, result):
            break
    return result


def _refused(result: FileResult, message: str) -> FileResult:
    result.report.load_error = message
    result.could_not_run = True
    return result


def run_case(case: Case, sys: KernelCalls, host: Host, needs: Needs, result: FileResult
             ) -> bool:
    """One fresh run; appends an item per check. False when an op could not run."""
    by_index = {c.index: c for c in case.checks}
    ok = True
    with Restorer(sys, sys) as restorer:
        runner = RealRunner(sys, host, restorer)
        affinity = _pin_cpu()
        try:
            for i, (where, op) in enumerate(case.ops):
                try:
                    if i == 0:
                        prepare(restorer, needs)
                    rec = runner.apply(op, i, request=i in by_index)
                except (RealRunError, OSError) as exc:
                    failed = next((c for c in case.checks if c.index >= i), None)
                    name = failed.name if failed else where
                    what = where if isinstance(exc, RealRunError) else "preparing the machine"
                    result.report.items.append(ItemResult(name, False,
                                                          f"cannot run: {what}: {exc}"))
                    result.could_not_run = True
                    ok = False
                    break
                check = by_index.get(i)
                if check is not None:
                    result.records.append((check, rec))
                    result.report.items.append(judge(check, rec))
        finally:
            runner.cleanup()
            if affinity is not None:
                os.sched_setaffinity(0, affinity)
    if restorer.problems:
        result.restore_problems.extend(restorer.problems)
        result.could_not_run = True
    return ok


def prepare(restorer: Restorer, needs: Needs) -> None:
    """Set what the file needs (THP mode, hugetlb pools, NUMA balancing off), each
    remembered for the restore."""
    if needs.balancing_off:
        restorer.write(NUMA_BALANCING, "0")
    if needs.thp is not None:
        restorer.write(THP_ENABLED, needs.thp)
    for node, count in needs.hugetlb.items():
        path = hugetlb_path(node)
        restorer.write(path, str(count))
        got = (restorer.files.read_file(path) or "").strip()
        if got != str(count):  # the kernel found too few free 2 MiB blocks
            raise OSError(f"node {node}'s hugetlb pool is {got or '?'} pages, not {count}")


def _pin_cpu() -> set[int] | None:
    """Run on one CPU, so that pages faulted in wait in one CPU's LRU caches (as the
    simulator and the oracle assume); returns the old mask to put back."""
    try:
        old = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {min(old)})
        return old
    except (AttributeError, OSError, ValueError):
        return None


def judge(check: Check, rec: dict[str, Any]) -> ItemResult:
    """``migratelab check``'s comparison of one call's record with its expectation."""
    if check.expected is None:
        return ItemResult(check.name, True, "not compared: the file records no result "
                                            "for this profile")
    return expect_item(check.name, check.label, rec, compare_result(check.expected, rec))
