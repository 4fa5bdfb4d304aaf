#!/usr/bin/env python3
"""A drafted policy on AgentDojo, measured on tasks it never saw (issue 21).

Per suite, with AgentDojo's ground truth replayed as in run.py (no model, no network):

1. Split the user tasks by a fixed seed: half for training, half held out.
2. Training: a regent with the suite's catalogue (tools, systems, which outputs are untrusted:
   the facts a security team writes, taken from examples/agentdojo/<suite>.json) and the agent in
   observe mode with NO grants (no role, no tool). The training half's user tasks run alone, no
   injection; every call is answered allow and recorded in the audit trail.
3. `regent draft --trail <that trail> --agent <agent> --config <training configuration> --diff`:
   the draft's merge patch (RFC 7396) is applied to the training configuration and the agent is
   switched to enforce. Its grants (role, tools, destination entries) come only from the draft.
4. Check that nothing in the draft comes from an injection task: training ran no injection task
   and planted no injection (asserted per run), no injection goal text is in the trail or the
   draft, and no value an injection task's ground truth names that the training tasks' own calls
   do not name appears in the draft. Any failure exits 1.
5. Enforce: the held-out user tasks alone (utility) and every (user task, injection task) case,
   once with the drafted policy and once with the hand-written pack (run.py's configuration),
   side by side.

With --widen reads, a second draft of the same trail with `regent draft --widen reads` (the
reads, by the catalogue's kind, of a system the training half read; record 022) is checked the
same way, plus: its observed role holds only tools training called, its widened role only
read-only tools of a system a training call read. It is enforced as a third policy, the row
"draft + reads of read systems"; the strict draft's row is unchanged.

Usage: heldout.py [--version v1] [--suites banking,slack] [--seed 21] [--json out.json]
                  [--keep DIR] [--injection-tasks N] [--root REPO] [--packs DIR] [--widen reads]
       heldout.py --from-json out.json
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from agentdojo.task_suite.load_suites import get_suite

sys.dont_write_bytecode = True  # importing run.py must not leave a __pycache__ in the tree
from run import HERE, SUITES, Regent, Replay, compose_config, make_attack, pct, run_attack, run_utility, strings

SEED = 21
STRICT = "draft"
WIDENED = "draft + reads of read systems"
POLICIES = ("hand-written", STRICT, WIDENED)


def split(user_task_ids: list[str], seed: int) -> tuple[list[str], list[str]]:
    """The training half and the held-out half of a suite's user tasks: a fixed seed, sorted ids."""
    ids = sorted(user_task_ids, key=lambda t: (len(t), t))
    train = set(random.Random(seed).sample(ids, len(ids) // 2))
    return [t for t in ids if t in train], [t for t in ids if t not in train]


def training_config(root: Path, pack: dict[str, Any], agent: str) -> dict[str, Any]:
    """The pack's catalogue facts with the agent in observe mode and granted nothing."""
    config = compose_config(root, pack, agent)
    config["agents"] = {agent: {"mode": "observe", "roles": [], "description": "The AgentDojo suite's assistant."}}
    config["roles"] = {}
    return config


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396, as src/draft/merge-patch.ts applies it."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def leaves(value: Any) -> set[str]:
    """Every string in a JSON value, keys included (a destination entry is a key)."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return {s for v in value for s in leaves(v)}
    if isinstance(value, dict):
        return {s for k, v in value.items() for s in {k, *leaves(v)}}
    return set()


def call_values(calls) -> set[str]:
    """The string values ground-truth calls pass (every leaf of their arguments)."""
    return {s for c in calls for s in strings(list(c.args.values())) if len(s) >= 3}


def observe(root: Path, suite: str, suite_obj, pack, config, train: list[str], workdir: Path, progress) -> dict[str, Any]:
    """Training: the training half through an observe-mode regent; keeps its audit trail."""
    agent = f"agentdojo-{suite}"
    regent = Regent(root, config, f"{suite}-observe")
    runs = []
    try:
        for tid in train:
            ut = suite_obj.user_tasks[tid]
            replay = Replay(suite, ut, None, regent, pack)
            # No injection task and no injection: the environment is the suite's default one.
            assert replay.injection_task is None and replay.goal is None
            utility, _ = suite_obj.run_task_with_pipeline(replay, ut, None, {})
            runs.append({"user_task": tid, "utility": bool(utility), "calls": replay.calls})
            progress("o")
        regent.proc.terminate()
        regent.proc.wait(timeout=30)
        shutil.copy(regent.dir / "audit/trail.jsonl", workdir / "trail.jsonl")
    finally:
        regent.close()
    (workdir / "training-config.json").write_text(json.dumps(config, indent=1))
    return {"agent": agent, "runs": runs}


def draft(root: Path, suite: str, workdir: Path, widen: str | None = None) -> dict[str, Any]:
    """`regent draft` on the training trail (with `--widen <widen>` if given): patch, fragment, report."""
    name = "" if widen is None else f"widened-{widen}-"
    cmd = [
        "node", str(root / "src/cli/main.ts"), "draft",
        "--trail", str(workdir / "trail.jsonl"),
        "--agent", f"agentdojo-{suite}",
        "--config", str(workdir / "training-config.json"),
        "--out", str(workdir / f"{name}draft.json"),
        "--diff", str(workdir / f"{name}diff.json"),
        "--report", str(workdir / f"{name}report.json"),
        *([] if widen is None else ["--widen", widen]),
    ]  # fmt: skip
    done = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    (workdir / f"{name}draft-summary.txt").write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        raise RuntimeError(f"regent draft exited {done.returncode}: {done.stderr[-2000:]}")
    return {
        "diff": json.loads((workdir / f"{name}diff.json").read_text()),
        "fragment": json.loads((workdir / f"{name}draft.json").read_text()),
        "report": json.loads((workdir / f"{name}report.json").read_text()),
        "summary": done.stdout,
    }


def injection_check(suite_obj, train: list[str], drafted: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """Nothing in the draft may come from an injection task; raises if something does."""
    env = suite_obj.load_and_inject_default_environment({})
    training_values = set()
    for tid in train:
        training_values |= call_values(suite_obj.user_tasks[tid].ground_truth(copy.deepcopy(env)))
    injection_values = set()
    goals = []
    for it in suite_obj.injection_tasks.values():
        injection_values |= call_values(it.ground_truth(copy.deepcopy(env)))
        goals.append(it.GOAL)
    only_injection = injection_values - training_values
    drafted_strings = leaves(drafted["diff"]) | leaves(drafted["fragment"])
    trail = (workdir / "trail.jsonl").read_text()
    found = sorted(v for v in only_injection if any(v in s for s in drafted_strings))
    goals_found = [g for g in goals if g in trail or any(g in s for s in drafted_strings)]
    if found or goals_found:
        raise AssertionError(f"the draft names what an injection task named: {found} {goals_found[:1]}")
    return {"injection_only_values_checked": len(only_injection), "goals_checked": len(goals), "found": []}


def enforced_config(training: dict[str, Any], diff: dict[str, Any], agent: str, widened: bool = False) -> dict[str, Any]:
    """The training configuration with the draft merged and the agent switched to enforce."""
    config = merge_patch(training, diff)
    config["agents"][agent]["mode"] = "enforce"
    roles = config["agents"][agent]["roles"]
    allowed = [[f"{agent}-observed"]] + ([[f"{agent}-observed", f"{agent}-widened-reads"]] if widened else [])
    assert roles in allowed, f"the agent's grants must come from the draft, got {roles}"
    return config


def widening_check(suite: str, pack: dict[str, Any], observed: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """The widened draft's grants, checked against the training calls; raises if one breaks the rule.

    Its observed role holds only tools the training half called; its widened role only tools the
    pack defines as reads and nothing else, of a system a training call read, none called.
    """
    agent = f"agentdojo-{suite}"
    tools = pack["tools"]
    called = {f"{suite}.{c['tool']}" for r in observed["runs"] for c in r["calls"] if c["tool"] is not None}
    read_systems = {tools[t]["system"] for t in called if "read" in tools.get(t, {}).get("kinds", [])}
    strict = set(config["roles"][f"{agent}-observed"]["tools"])
    widened = config["roles"].get(f"{agent}-widened-reads", {}).get("tools", [])
    wrong = sorted(strict - called) + [
        t for t in widened if tools[t]["kinds"] != ["read"] or tools[t]["system"] not in read_systems or t in called
    ]
    if wrong:
        raise AssertionError(f"the widened draft grants what the rule does not allow: {wrong}")
    return {"read_systems": sorted(read_systems), "widened": widened}


def evaluate(root, suite, suite_obj, pack, config, label, heldout, injection_tasks, progress) -> dict[str, Any]:
    """The held-out user tasks alone, then every injection case, through a regent with `config`."""
    regent = Regent(root, config, f"{suite}-{label}")
    try:
        out: dict[str, Any] = {"policy": label, "utility": [], "attacks": []}
        for tid in heldout:
            out["utility"].append(run_utility(suite, suite_obj, pack, regent, suite_obj.user_tasks[tid]))
            progress(".")
        attack = make_attack(suite_obj)
        for ut in suite_obj.user_tasks.values():
            for it in injection_tasks:
                case = run_attack(suite, suite_obj, pack, regent, attack, ut, it)
                if case is not None:
                    out["attacks"].append(case)
                    progress("+" if case["success_with_regent"] else "x")
        return out
    finally:
        regent.close()


def figures(run: dict[str, Any], heldout: list[str]) -> dict[str, Any]:
    """Held-out utility, fully allowed, utility under attack (held-out tasks' cases), attack success (all cases)."""
    u = run["utility"]
    a = run["attacks"]
    ah = [x for x in a if x["user_task"] in heldout]
    return {
        "user_tasks": len(u),
        "utility_without": sum(x["utility_without_regent"] for x in u),
        "utility": sum(x["utility"] for x in u),
        "all_allowed": sum(x["all_allowed"] for x in u),
        "heldout_cases": len(ah),
        "utility_under_attack": sum(x["utility_under_attack"] for x in ah),
        "cases": len(a),
        "success_without": sum(x["success_without_regent"] for x in a),
        "success_with": sum(x["success_with_regent"] for x in a),
        "success_with_heldout": sum(x["success_with_regent"] for x in ah),
    }


def ratio(n: int, d: int) -> str:
    return f"{pct(n / d) if d else '-'} ({n}/{d})"


def table(results: list[dict[str, Any]], version: str, seed: int) -> str:
    labels = [p for p in POLICIES if all(p in r["figures"] for r in results)]
    lines = [
        f"AgentDojo {version}, held-out user tasks (seed {seed}): drafted policy vs hand-written pack",
        "",
        "| Suite | Policy | Held-out tasks | Utility | All calls allowed | Utility under attack "
        "(held-out tasks' cases) | Attack success, all cases | Attack success, held-out tasks' cases |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    totals: dict[str, dict[str, int]] = {}
    for r in results:
        for label in labels:
            f = r["figures"][label]
            t = totals.setdefault(label, {k: 0 for k in f})
            for k, v in f.items():
                t[k] += v
    for suite, rows in [(r["suite"], r["figures"]) for r in results] + [("**all**", totals)]:
        for label in labels:
            f = rows[label]
            lines.append(
                f"| {suite} | {label} | {f['user_tasks']} | {ratio(f['utility'], f['user_tasks'])} | "
                f"{ratio(f['all_allowed'], f['user_tasks'])} | {ratio(f['utility_under_attack'], f['heldout_cases'])} | "
                f"{ratio(f['success_with'], f['cases'])} | {ratio(f['success_with_heldout'], f['heldout_cases'])} |"
            )
    return "\n".join(lines)


def details(results: list[dict[str, Any]]) -> str:
    """Per suite: the split, what the draft granted, the check, and the held-out tasks the draft refused."""
    lines = []
    for r in results:
        d = r["draft"]
        lines.append(f"{r['suite']}: training {r['train']}; held out {r['heldout']}")
        lines.append(f"  drafted tools ({len(d['tools'])} of {d['pack_tools']}): {', '.join(d['tools'])}")
        lines.append(f"  drafted destination entries: {d['destinations'] or 'none'}")
        w = r.get("widened")
        if w is not None:
            lines.append(f"  widened, reads of {', '.join(w['read_systems'])} ({len(w['tools'])}): {', '.join(w['tools']) or 'none'}")
            for h in w["held_back"]:
                lines.append(f"  not widened to {h['tool']}: {h['reason']}")
            if w["injection_task_calls"]:
                lines.append(f"  widened tools an injection task's ground truth also calls: {', '.join(w['injection_task_calls'])}")
        c = r["injection_check"]
        lines.append(
            f"  injection check: {c['injection_only_values_checked']} injection-only values and "
            f"{c['goals_checked']} goals, none in the trail or the draft{'s' if w is not None else ''}"
        )
        for label in (STRICT, WIDENED):
            for u in r["runs"].get(label, {}).get("utility", []):
                refused = [c for c in u["calls"] if c["decision"] != "allow"]
                if refused:
                    why = "; ".join(f"{c['tool']}: {c['decision']} ({', '.join(c['codes'])})" for c in refused)
                    lines.append(f"  {label} refuses {u['user_task']}: {why}")
    return "\n".join(lines)


def run_suite(root: Path, packs: Path, suite: str, version: str, seed: int, keep: Path, n_inj, widen, progress) -> dict[str, Any]:
    suite_obj = get_suite(version, suite)
    pack = json.loads((packs / f"{suite}.json").read_text())
    agent = f"agentdojo-{suite}"
    train, heldout = split(list(suite_obj.user_tasks), seed)
    workdir = keep / suite
    workdir.mkdir(parents=True, exist_ok=True)
    training = training_config(root, pack, agent)
    observed = observe(root, suite, suite_obj, pack, training, train, workdir, progress)
    drafted = draft(root, suite, workdir)
    check = injection_check(suite_obj, train, drafted, workdir)
    enforced = enforced_config(training, drafted["diff"], agent)
    (workdir / "enforced-config.json").write_text(json.dumps(enforced, indent=1))
    widened = wenforced = None
    if widen is not None:
        wdrafted = draft(root, suite, workdir, widen)
        wcheck = injection_check(suite_obj, train, wdrafted, workdir)
        check = {**check, "widened": wcheck}
        wenforced = enforced_config(training, wdrafted["diff"], agent, widened=True)
        (workdir / f"widened-{widen}-enforced-config.json").write_text(json.dumps(wenforced, indent=1))
        rule = widening_check(suite, pack, observed, wenforced)
        injection_calls = {f"{suite}.{c.function}" for it in suite_obj.injection_tasks.values()
                           for c in it.ground_truth(suite_obj.load_and_inject_default_environment({}))}  # fmt: skip
        held = [h for a in wdrafted["report"]["agents"] for h in a.get("widening_held_back", [])]
        widened = {
            "diff": wdrafted["diff"],
            "tools": rule["widened"],
            "read_systems": rule["read_systems"],
            "held_back": held,
            "injection_task_calls": sorted(set(rule["widened"]) & injection_calls),
        }
    injection_tasks = list(suite_obj.injection_tasks.values())[:n_inj]
    runs = {
        "hand-written": evaluate(root, suite, suite_obj, pack, compose_config(root, pack, agent), "pack", heldout, injection_tasks, progress),
        STRICT: evaluate(root, suite, suite_obj, pack, enforced, "draft", heldout, injection_tasks, progress),
    }  # fmt: skip
    if widen is not None:
        runs[WIDENED] = evaluate(root, suite, suite_obj, pack, wenforced, f"draft-widened-{widen}", heldout, injection_tasks, progress)  # fmt: skip
    progress("\n")
    role = enforced["roles"][f"{agent}-observed"]
    entries = {
        s: sorted(v.get("entries", {}))
        for s, v in drafted["diff"].get("destinations", {}).get("systems", {}).items()
        if isinstance(v, dict)
    }
    return {
        "suite": suite,
        "version": version,
        "seed": seed,
        "train": train,
        "heldout": heldout,
        "training": observed,
        "draft": {
            "diff": drafted["diff"],
            "tools": role["tools"],
            "pack_tools": len(pack["tools"]),
            "destinations": {s: e for s, e in entries.items() if e},
        },
        "injection_check": check,
        **({} if widened is None else {"widened": widened}),
        "runs": runs,
        "figures": {label: figures(run, heldout) for label, run in runs.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suites", default=",".join(SUITES))
    parser.add_argument("--version", default="v1")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--injection-tasks", type=int, default=None, help="only the first N injection tasks")
    parser.add_argument("--json", type=Path, default=None, help="write every run, call by call, here")
    parser.add_argument("--keep", type=Path, default=None, help="keep each suite's trail, draft and configurations here")
    parser.add_argument("--root", type=Path, default=HERE.parent.parent)
    parser.add_argument("--packs", type=Path, default=None, help="folder of <suite>.json packs (default ROOT/examples/agentdojo)")
    parser.add_argument("--from-json", type=Path, default=None, help="print the table of an earlier --json run")
    parser.add_argument("--widen", choices=["reads"], default=None, help="also draft with regent draft --widen, enforced as a third policy")
    args = parser.parse_args()
    if args.from_json is not None:
        earlier = json.loads(args.from_json.read_text())
        print(table(earlier["results"], earlier["version"], earlier["seed"]))
        print("\n" + details(earlier["results"]))
        return 0
    root = args.root.resolve()
    packs = args.packs if args.packs is not None else root / "examples/agentdojo"
    keep = (args.keep if args.keep is not None else Path(tempfile.mkdtemp(prefix="regent-agentdojo-draft-"))).resolve()
    results = []
    for suite in args.suites.split(","):
        sys.stderr.write(f"{suite}: ")
        results.append(
            run_suite(
                root, packs, suite, args.version, args.seed, keep, args.injection_tasks, args.widen,
                lambda s: (sys.stderr.write(s), sys.stderr.flush()),
            )  # fmt: skip
        )
    print(table(results, args.version, args.seed))
    print("\n" + details(results))
    print(f"\ntrails, drafts and configurations: {keep}")
    if args.json is not None:
        args.json.write_text(json.dumps({"version": args.version, "seed": args.seed, "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
