"""``migratelab run``: run scenario files headless on one or more profiles."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from migratelab.inputfile import shorten
from migratelab.kernel import errno as E
from migratelab.kernel.events import Event, SyscallEnter
from migratelab.kernel.machine import Kernel, MachineSpec
from migratelab.kernel.profiles import PROFILES, UnknownProfile, get_profile
from migratelab.scenario.compare import compare_calls, render_lines
from migratelab.scenario.loading import InputError, load_scenario
from migratelab.scenario.ops import Scenario
from migratelab.scenario.runner import RunError, run_scenario

HELP = "run scenario files (the ops language) on the simulated kernel"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``migratelab run``."""
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO.json")
    p.add_argument("--kernel", default="6.12",
                   help=f"profile: {', '.join(PROFILES)} (the leading v is optional)")
    p.add_argument("--nodes", type=int, default=2, help="NUMA nodes (default 2)")
    p.add_argument("--json", action="store_true", help="one JSON object per scenario/line")
    p.add_argument("--trace", action="store_true", help="print every trace event")
    p.add_argument("--compare", metavar="P1,P2,...",
                   help="run on several profiles and print a side-by-side table")
    p.add_argument("--export", metavar="DIR",
                   help="also keep each run in DIR/<scenario name>/: trace.jsonl, "
                        "screen.svg and summary.md (see scenario/run_export.py)")


def _fail(message: str) -> int:
    print(f"migratelab run: {shorten(message)}", file=sys.stderr)
    return 2


def main(args: argparse.Namespace) -> int:
    """Run the scenarios; 0 on success, 2 on unreadable input."""
    if not 1 <= args.nodes <= 64:
        return _fail(f"--nodes must be between 1 and 64, got {args.nodes}")
    try:
        profiles = [get_profile(p.strip()) for p in
                    (args.compare.split(",") if args.compare else [args.kernel]) if p.strip()]
    except UnknownProfile as exc:
        return _fail(str(exc))
    loaded: list[tuple[str, Scenario]] = []
    for path in args.scenarios:
        try:
            loaded.append((path, load_scenario(path)))
        except InputError as exc:
            return _fail(str(exc))
    for path, scen in loaded:
        if scen.min_nodes and scen.min_nodes > args.nodes:
            # under --json every line is JSON, a skipped scenario too, in the shape
            # the real runner writes (run_scenario returns it without running)
            skipped = run_scenario(scen, Kernel(MachineSpec(nodes=args.nodes), profiles[0]))
            print(json.dumps(skipped) if args.json
                  else f"{scen.name}: skipped ({skipped['skipped']}, --nodes {args.nodes})")
            continue
        results: list[tuple[str, dict[str, Any], list[Event]]] = []
        for prof in profiles:
            sink: list[Event] = []
            try:
                res = run_scenario(scen, Kernel(MachineSpec(nodes=args.nodes), prof),
                                   detail=args.trace, sink=sink)
            except RunError as exc:
                return _fail(f"{path}: {exc}")
            results.append((prof.name, res, sink))
        if args.compare:
            _print_compare(scen, results, args.json)
            continue
        _name, res, sink = results[0]
        if getattr(args, "export", None):
            from migratelab.scenario.run_export import export_scenario_run

            error = export_scenario_run(args.export, res, scen, sink)
            if error:
                return _fail(error)
        if args.json:
            if args.trace:
                for event in sink:
                    print(json.dumps(event.as_dict(), default=list))
            print(json.dumps(res, default=list))
        else:
            if args.trace:
                for event in sink:
                    print(event.render())
            _print_table(res)
    return 0


def _print_table(res: dict[str, Any]) -> None:
    print(f"== {res['name']}  (kernel {res['kernel']}, {res['nodes']} nodes)")
    for rec in res["ops"]:
        op = rec["op"]
        if op not in ("move_pages", "query"):
            extra = "  (skipped)" if "skipped" in rec else ""
            print(f"  [{rec['i']:>2}] {op}{extra}")
            continue
        ret = f"{rec['ret']}" + (f" {rec['errno']}" if rec["errno"] else "")
        status = rec.get("status_str") or rec.get("status_hist")
        print(f"  [{rec['i']:>2}] {op:<10} ret={ret:<10} status={_short(status)}")
        if op == "move_pages":
            after = rec.get("after_nodes_str") or rec.get("after_nodes_hist")
            delta = {c: v for c, v in rec["vmstat_delta"].items() if v}
            print(f"       after={_short(after)} migrate_pages calls={rec['migrate_calls']}"
                  f" vmstat={delta or '{}'}")


def _short(value: Any, limit: int = 12) -> str:
    if isinstance(value, list) and len(value) > limit:
        return "[" + ", ".join(map(str, value[:limit])) + f", ... ({len(value)} entries)]"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def _calls_of(sink: list[Event]) -> list[list[Event]]:
    """The events of each move_pages/query call, in order (from enter to exit)."""
    calls: list[list[Event]] = []
    for event in sink:
        if isinstance(event, SyscallEnter):
            calls.append([])
        if calls:
            calls[-1].append(event)
    return calls


def _print_compare(scen: Scenario, results: list[tuple[str, dict[str, Any], list[Event]]],
                   as_json: bool) -> None:
    names = [r[0] for r in results]
    if as_json:
        print(json.dumps({"name": scen.name, "profiles": names,
                          "runs": {n: r for n, r, _ in results}}, default=list))
        return
    print(f"== {scen.name}: " + " vs ".join(names))
    calls = [_calls_of(sink) for _, _, sink in results]
    nth = 0
    for idx, rec in enumerate(results[0][1]["ops"]):
        if rec["op"] not in ("move_pages", "query"):
            continue
        recs = [r[1]["ops"][idx] for r in results]
        events = [c[nth] if nth < len(c) else [] for c in calls]
        nth += 1
        print(f"  op [{rec['i']}] {rec['op']}")
        for line in render_lines(compare_calls(names, recs, events)):
            print(line)
        hist = [r.get("status_hist") for r in recs]
        if any(hist):
            print("    status_hist".ljust(26) + "  ".join(str(h) for h in hist))
    print(f"  (* marks a difference; UNSET = the kernel never wrote that slot; "
          f"{E.status_str(E.UNSET)} shown as is)")
