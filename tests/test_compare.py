"""One request on two profiles: the in-app comparison and ``run --compare`` agree.

The expected differences come from the reference's batching story (§4.4): v4.14
hands fixed chunks to one ``migrate_pages()`` call where v4.17 makes one call per
run of same-node entries; a pinned page is reported per page (-EAGAIN) on v4.14 and
only as a positive return value from v4.17 on.
"""

from __future__ import annotations

import pytest

from migratelab.game.compare import Comparison
from migratelab.game.session import Session, SessionError
from migratelab.game.worlds import demo_runner
from migratelab.scenario import ops as O
from migratelab.scenario.compare import compare_calls, render_lines

ALTERNATING = O.MovePages(entries=[["A", 0, 1], ["A", 1, 0], ["A", 2, 1], ["A", 3, 0],
                                   ["A", 4, 1]])


def test_both_sides_step_on_their_own_and_the_table_marks_differences() -> None:
    cmp = Comparison(lambda p: demo_runner(8, profile=p), [], ALTERNATING, ["v4.14", "v4.17"])
    assert cmp.table() is None
    cmp.step(0)
    assert cmp.sides[0].live is not None and cmp.sides[0].live.events == 1
    assert cmp.sides[1].live is not None and cmp.sides[1].live.events == 0
    cmp.finish()
    table = cmp.table()
    assert table is not None and cmp.done
    rows = {r.label: r for r in table.summary}
    assert rows["migrate_pages calls"].values == ["1", "3"]
    assert rows["migrate_pages calls"].differs
    assert not rows["ret"].differs
    assert [r.values for r in table.status] == [["1", "1"], ["0", "0"], ["1", "1"],
                                                ["0", "0"], ["1", "1"]]


def test_the_players_earlier_ops_are_replayed_on_both_sides() -> None:
    first = Session(lambda: demo_runner(8))
    first.submit(O.MovePages(entries=[["A", 0, 1]]))
    first.finish()
    cmp = Comparison(lambda p: demo_runner(8, profile=p), first.applied_ops,
                     O.MovePages(entries=[["A", 0, 1]]), ["v4.17", "v6.12"])
    cmp.finish()
    table = cmp.table()
    assert table is not None
    # A[0] is already on node 1 on both sides, so nothing migrates; v4.17 never writes
    # the status of such a trailing run (Felix Abecassis's report), 5.6 on does
    assert [(r.values, r.differs) for r in table.status] == [(["UNSET", "1"], True)]
    assert {r.label: r.values for r in table.summary}["migrate_pages calls"] == ["0", "0"]


@pytest.mark.parametrize("profiles", [["v4.14"], ["v4.14", "v9.9"]])
def test_bad_profiles_are_one_clear_error(profiles: list[str]) -> None:
    with pytest.raises(SessionError):
        Comparison(lambda p: demo_runner(8, profile=p), [], ALTERNATING, profiles)


def test_render_lists_only_differing_slots_of_a_long_call() -> None:
    recs = [{"ret": 0, "errno": None, "migrate_calls": 1,
             "status_str": ["1"] * 40},
            {"ret": 0, "errno": None, "migrate_calls": 1,
             "status_str": ["1"] * 39 + ["-EBUSY"]}]
    lines = render_lines(compare_calls(["a", "b"], recs))
    status = [ln for ln in lines if "status[" in ln]
    assert len(status) == 1 and "status[39]" in status[0] and status[0].endswith("*")
