"""The request being composed on the play screen: picks, order and its command."""

from migratelab.tui.widgets.request_pane import assigned, draft_command


def test_picks_go_to_the_end_of_the_request_in_the_order_picked() -> None:
    draft = assigned({}, [("A", 0), ("A", 1), ("A", 2)], 1)
    assert draft_command(draft, move_all=False) == "move A[0:3] -> 1"
    # picked again for another node: A[1] leaves its place and is asked for last
    again = assigned(draft, [("A", 1)], 0)
    assert list(again) == [("A", 0), ("A", 2), ("A", 1)]
    assert draft_command(again, move_all=True) == "move A[0] -> 1, A[2] -> 1, A[1] -> 0 all"
    assert draft == {("A", 0): 1, ("A", 1): 1, ("A", 2): 1}  # the old draft is left as it was
