"""``migratelab verify`` on real Linux 6.1 and 6.12, inside the project's oracle.

The oracle (``../shared/oracle``) boots Debian's kernels under QEMU with NUMA nodes;
the guest sees the host's ``/`` read-only, so this test installs nothing in it: one
``exec`` op per kernel runs this very virtual environment's ``migratelab verify``
on every shipped level marked ``real_kernel = true`` plus one level whose first
expectation was made wrong on purpose. One VM boot per kernel keeps the whole file
to a few minutes.

Skipped, with the reason, where the oracle cannot run: no oracle folder, no QEMU,
kernels not set up (``bash ../shared/oracle/setup.sh``), or not x86_64 Linux.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from migratelab.levels import load_level
from migratelab.levels.format import toml_builtins
from migratelab.verify.cli import real_kernel_levels

REPO = Path(__file__).resolve().parent.parent
KERNELS = ("6.1", "6.12")
#: What verify may change while it runs and must put back.
SETTINGS = ["/sys/kernel/mm/transparent_hugepage/enabled", "/proc/sys/vm/min_free_kbytes",
            "/proc/sys/vm/compact_unevictable_allowed", "/proc/sys/vm/watermark_boost_factor",
            "/proc/sys/vm/compaction_proactiveness",
            *(f"/sys/devices/system/node/node{n}/hugepages/hugepages-2048kB/nr_hugepages"
              for n in range(4))]
LEVELS = real_kernel_levels()


def oracle_dir() -> Path | None:
    """The oracle: $MIGRATELAB_ORACLE, ../shared/oracle next to the repository, or the
    machine's shared copy."""
    for cand in (os.environ.get("MIGRATELAB_ORACLE"), REPO.parent / "shared" / "oracle",
                 Path("/work/shared/oracle")):
        if cand and (Path(cand) / "oracle.py").is_file():
            return Path(cand)
    return None


def kernels_dir() -> Path:
    """Where setup.sh unpacks the kernels (the oracle's own rule)."""
    env = os.environ.get("ORACLE_KERNELS")
    if env:
        return Path(env)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "move-pages-oracle" / "kernels"


def skip_reason() -> str | None:
    """Why the oracle cannot run here (None: it can)."""
    if platform.system() != "Linux" or platform.machine() != "x86_64":
        return f"the oracle runs on x86_64 Linux, not {platform.system()} {platform.machine()}"
    if oracle_dir() is None:
        return f"no oracle: neither {REPO.parent / 'shared' / 'oracle'} nor /work/shared/oracle"
    if shutil.which("qemu-system-x86_64") is None:
        return "no qemu-system-x86_64 (bash ../shared/oracle/setup.sh installs it)"
    missing = [k for k in KERNELS if not (kernels_dir() / k / "vmlinuz").is_file()]
    if missing:
        return (f"oracle kernels {', '.join(missing)} not set up in {kernels_dir()} "
                f"(bash ../shared/oracle/setup.sh)")
    return None


pytestmark = pytest.mark.skipif(skip_reason() is not None, reason=str(skip_reason()))


def wrong_level(folder: Path) -> Path:
    """A real-kernel level whose first expectation says ret is 7 more than it is."""
    level = load_level(LEVELS[0])
    data: dict[str, Any] = toml_builtins(level)
    data["level"]["id"] = "wrong-on-purpose"
    for res in data["expect"][0]["results"]:
        res["ret"] += 7
    path = folder / "wrong_on_purpose.toml"
    path.write_text(tomli_w.dumps(data))
    return path


def nodes_needed() -> int:
    """One VM for every level: as many nodes as the level that needs most."""
    return max([2, *(load_level(p).machine.nodes for p in LEVELS)])


@pytest.fixture(scope="module", params=KERNELS)
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
        ) -> dict[str, Any]:
    """One boot of ``request.param``: verify --json on every level; the parsed report."""
    if not LEVELS:
        pytest.skip("no shipped level is marked real_kernel = true")
    kernel = str(request.param)
    oracle = oracle_dir()
    assert oracle is not None
    work = tmp_path_factory.mktemp(f"verify-{kernel}")
    files = [str(p) for p in LEVELS] + [str(wrong_level(work))]
    argv = ["/usr/bin/env", "PYTHONDONTWRITEBYTECODE=1", sys.executable, "-m", "migratelab",
            "verify", "--json", *files]
    scen = work / "verify_levels.json"
    settings = {"op": "cat", "paths": SETTINGS}
    scen.write_text(json.dumps({"name": "verify_levels", "min_nodes": 2, "ops": [
        settings, {"op": "exec", "argv": argv, "timeout": 600}, settings]}))
    t0 = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(oracle / "oracle.py"), "--kernel", kernel, "--nodes",
         str(nodes_needed()), "--mem-per-node", "512", "--quiet", str(scen),
         "--out", str(work / "out")], capture_output=True, text=True, timeout=900)
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is not None and capture is not None:  # CI keeps this file under 5 minutes
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"\nverify in the oracle on {kernel}: "
                                f"{time.monotonic() - t0:.1f} s (one boot, {len(files)} files)")
    result_file = work / "out" / "verify_levels.json"
    assert result_file.is_file(), f"the oracle gave no result:\n{done.stdout}\n{done.stderr}"
    before, rec, after = json.loads(result_file.read_text())["ops"]
    assert "error" not in rec, rec["error"]
    assert rec["stdout"].strip(), f"verify printed nothing (rc {rec['rc']}):\n{rec['stderr']}"
    report: dict[str, Any] = json.loads(rec["stdout"])
    report["rc"] = rec["rc"]
    report["settings"] = (before["files"], after["files"])
    report["by_path"] = {f["path"]: f for f in report["files"]}
    return report


def _explain(entry: dict[str, Any]) -> str:
    if entry["error"]:
        return str(entry["error"])
    return "\n".join(f"{i['name']}: {i['message']}\n{i['diff']}"
                     for i in entry["items"] if not i["ok"])


@pytest.mark.parametrize("level", LEVELS, ids=[p.stem for p in LEVELS])
def test_every_real_kernel_level_agrees_with_the_kernel(run: dict[str, Any], level: Path
                                                         ) -> None:
    entry = run["by_path"][str(level)]
    assert entry["ok"] and not entry["could_not_run"], \
        f"{level.name} on {run['kernel']}:\n{_explain(entry)}"
    assert entry["items"], "nothing was compared"
    assert all(not i["message"].startswith("not compared") for i in entry["items"]), \
        f"{level.name} has expectations without a result for {run['profile']}"


def test_the_kernel_is_the_one_asked_for_and_judged_by_its_profile(run: dict[str, Any]
                                                                   ) -> None:
    release = run["kernel"]
    profile = "v6.12" if release.startswith("6.12.") else "v6.1"
    assert release.startswith(("6.1.", "6.12.")) and run["profile"] == profile
    assert len(run["nodes"]) == nodes_needed()


def test_a_wrong_expectation_is_reported_as_a_difference(run: dict[str, Any]) -> None:
    wrong = next(f for f in run["files"] if f["path"].endswith("wrong_on_purpose.toml"))
    assert not wrong["could_not_run"] and not wrong["ok"]
    first = wrong["items"][0]
    assert first["name"] == f"expect[0]-{run['profile']}" and not first["ok"]
    assert first["message"].endswith("differs in ret"), first["message"]
    assert "ret: expected" in first["diff"]
    assert all(i["ok"] for i in wrong["items"][1:])
    assert run["rc"] == 1  # one difference, nothing that could not run
    assert run["summary"] == f"{len(LEVELS)} agree, 1 differ, 0 could not run"



def test_the_machine_is_left_as_verify_found_it(run: dict[str, Any]) -> None:
    before, after = run["settings"]
    assert before[SETTINGS[0]] is not None and before[SETTINGS[-4]] is not None
    assert after == before
