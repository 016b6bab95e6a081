"""Random sandbox sessions: commands as a player types them, invariants always hold.

Only CommandError and SessionError are acceptable outcomes of a bad command;
anything else is a bug. Undo must restore a consistent machine.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migratelab.game.commands import CommandError, Explain, Stage, parse
from migratelab.game.session import Session, SessionError
from migratelab.game.worlds import demo_runner
from migratelab.kernel.invariants import violations
from migratelab.kernel.profiles import PROFILES

REGIONS = ("A", "B", "T", "H")
KINDS = ("anon", "thp", "hugetlb", "shared", "tmpfs", "ext4")


@st.composite
def command(draw: st.DrawFn) -> str:
    rid = draw(st.sampled_from(REGIONS))
    a = draw(st.integers(0, 600))
    b = a + draw(st.integers(1, 40))
    sel = f"{rid}[{a}:{b}]"
    node = draw(st.integers(0, 2))
    return draw(st.sampled_from([
        f"mmap {rid} {draw(st.sampled_from([1, 8, 512, 1024]))} {draw(st.sampled_from(KINDS))}",
        f"touch {sel}", f"touch {sel} read", f"pin {sel}", "unpin", f"munmap {sel}",
        f"mlock {sel}", f"bind {rid} {node}", "fork", f"fill {node}", f"hold {sel}",
        f"hold {sel} during", f"lock {sel}", f"move {sel} -> {node}",
        f"move {rid}[{a}] -> {node}, {rid}[{b}] -> {1 - min(node, 1)}",
        f"move {sel} -> {node} all", f"query {sel}", "drain", f"explain {a % 8}",
        "undo", "step",
    ]))


@settings(max_examples=int(os.environ.get("MIGRATELAB_PROPERTY_EXAMPLES", 40)),
          deadline=None, derandomize=not os.environ.get("MIGRATELAB_PROPERTY_EXAMPLES"),
          suppress_health_check=[HealthCheck.too_slow])
@given(profile=st.sampled_from(sorted(PROFILES)), script=st.lists(command(), max_size=14))
def test_random_sandbox_sessions_keep_the_machine_consistent(profile: str,
                                                             script: list[str]) -> None:
    s = Session(lambda: demo_runner(pages=16, profile=profile))
    for text in script:
        if text == "undo":
            s.undo()
        elif text == "step":
            s.step()
        else:
            try:
                cmd = parse(text, s.regions())
                if isinstance(cmd, Stage):
                    s.stage(cmd.ops, text)
                elif isinstance(cmd, Explain):
                    s.explain(cmd.index)
                else:
                    s.submit(cmd, text)
                    if s.busy and len(text) % 3:
                        s.finish()
            except (CommandError, SessionError):
                pass
        if not s.busy:
            assert violations(s.runner.k) == [], text
    s.finish()
    assert violations(s.runner.k) == []
    assert s.runner.k.migration_lists == []
