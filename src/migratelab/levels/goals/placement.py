"""``placement``: pages of a region that must sit on a node when the level ends."""

from __future__ import annotations

from typing import ClassVar

from migratelab.kernel.folio import Folio
from migratelab.kernel.mm import PAGE_SIZE
from migratelab.levels.base import LevelStruct, sel_text
from migratelab.levels.goals.part import GoalContext, PartResult, Played
from migratelab.scenario import ops as O
from migratelab.scenario.runner import RunError, ScenarioRunner


def page_folio(runner: ScenarioRunner, rid: str, page: int) -> Folio | None:
    """The folio mapped at page ``page`` of region ``rid`` (None if not present)."""
    proc = runner.proc
    reg = runner.regions.get(rid)
    if reg is None or proc.mm is None:
        return None
    addr = reg.base + page * PAGE_SIZE
    vma = proc.mm.find_vma(addr)
    if vma is None:
        return None
    entry = vma.pt[vma.index(addr)]
    return entry if isinstance(entry, Folio) else None


class Placement(LevelStruct):
    """Pages of a region that must sit on a node when the level ends."""

    positive: ClassVar[bool] = True

    id: str
    node: O.NodeRef
    pages: O.PageSel = "all"
    #: True: the pages must still belong to a huge folio (a THP that was not split);
    #: False: they must be base pages. Unset: either.
    huge: bool | None = None

    def describe(self) -> str:
        """``every page of A is on node 1 as one THP (not split)``, ``A[0:4] are
        on node 1``."""
        sel = self.pages
        one = sel == "all" or (len(sel) == 1 and (isinstance(sel[0], int) or sel[0][1] == 1))
        verb = "is" if one else "are"
        shape = ("" if self.huge is None else
                 " as one THP (not split)" if self.huge else " as base pages")
        return f"{sel_text(self.id, self.pages)} {verb} on node {self.node}{shape}"

    def validate(self, where: str, ctx: GoalContext) -> None:
        """The region is mapped after the solution, the pages are in it, the node exists."""
        pages = ctx.rules.region(f"{where}.id", ctx.world, self.id)
        ctx.rules.sel(f"{where}.pages", pages, self.pages)
        ctx.rules.node(f"{where}.node", self.node, must_exist=True)

    def evaluate(self, played: Played) -> PartResult:
        """Every selected page is present, on the node, and of the asked shape."""
        text, runner = self.describe(), played.runner
        if self.id not in runner.regions:
            return PartResult(text, False, f"region {self.id} is not mapped")
        try:
            pages = runner.page_list(self.id, self.pages, 0)
            node = runner.node(self.node, 0)
        except RunError as exc:
            return PartResult(text, False, exc.message)
        wrong: list[str] = []
        for page in pages:
            folio = page_folio(runner, self.id, page)
            if folio is None:
                wrong.append(f"page {page} is not present")
            elif folio.node != node:
                wrong.append(f"page {page} is on node {folio.node}")
            elif self.huge is not None and folio.is_large != self.huge:
                wrong.append(f"page {page} is {'a base page' if self.huge else 'part of a THP'}")
        if not wrong:
            return PartResult(text, True, f"{len(pages)}/{len(pages)} pages")
        return PartResult(text, False, f"{len(pages) - len(wrong)}/{len(pages)} pages; "
                                       f"first miss: {wrong[0]}")
