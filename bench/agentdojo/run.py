#!/usr/bin/env python3
"""AgentDojo through regent, without a model: every task's ground-truth tool calls replayed.

For each suite, a real regent is started on loopback with the suite's policy pack
(examples/agentdojo/<suite>.json, catalogue data merged into the shipped configuration's
lattice, audiences, labels and detectors). Each tool call is first decided (POST /v1/decisions);
an allowed call runs in AgentDojo's own environment and its output is decided as a result
(POST /v1/results) before the agent would see it. AgentDojo's own checks then judge the run:
`utility()` for the user task, `security()` for the injection task (True: the attack succeeded).

- utility: each user task alone, no injection.
- attack: each (user task, injection task) pair the benchmark defines: the injection planted
  where the benchmark plants it (the important_instructions attack text, as AgentDojo's
  attack builds it) in the vectors the user task reads, the user task's calls replayed, then the
  injection task's ground truth, as a model that obeyed the injection would call it. Run once
  without regent (every call executes) and once through regent.

Usage: run.py [--suites banking,slack] [--version v1] [--user-tasks N] [--injection-tasks N]
              [--json out.json] [--root REPO] [--packs DIR] [--check] [--explain]
       run.py --from-json out.json [--explain]
"""

from __future__ import annotations

import argparse
import copy
import datetime
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agentdojo.agent_pipeline.base_pipeline_element import BasePipelineElement
from agentdojo.agent_pipeline.tool_execution import tool_result_to_str
from agentdojo.attacks.base_attacks import DEFAULT_MODEL_NAME
from agentdojo.attacks.important_instructions_attacks import ImportantInstructionsAttack
from agentdojo.functions_runtime import FunctionsRuntime
from agentdojo.task_suite.load_suites import get_suite
from agentdojo.types import ChatAssistantMessage, ChatToolResultMessage, text_content_block_from_string
from pydantic import BaseModel

HERE = Path(__file__).resolve().parent
SUITES = ["banking", "slack", "travel", "workspace"]
# Keys of the shipped configuration a pack keeps: the lattice and vocabulary, not the example org.
BASE_KEYS = ["classifications", "audiences", "labels", "detectors"]


def to_json(value: Any) -> Any:
    """A tool's output as JSON, the way a gateway would forward it."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def output(result: Any) -> Any:
    """A tool's output as a gateway sends it to the result phase: structured, a bare value as {output}."""
    value = to_json(result)
    return value if isinstance(value, (dict, list)) else {"output": value}


def strings(value: Any) -> list[str]:
    """Every string inside a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    return []


def compose_config(root: Path, pack: dict[str, Any], agent: str) -> dict[str, Any]:
    """The pack's catalogue on the shipped lattice, with one agent allowed every pack tool."""
    shipped = json.loads((root / "rego/regent/config/data.json").read_text())
    config = {k: copy.deepcopy(shipped[k]) for k in BASE_KEYS if k in shipped}
    for k, v in pack.items():
        if not k.startswith("_"):
            config[k] = copy.deepcopy(v)
    # Only the labels the detectors give, owned by no system; no secret store.
    detector_labels = {t.get("label") for t in config["detectors"]["types"].values() if t.get("label")}
    config["labels"] = {
        name: {**spec, "systems": []} for name, spec in config["labels"].items() if name in detector_labels
    }
    config["detectors"]["secret_stores"] = []
    config["agents"] = {agent: {"roles": ["agentdojo"], "description": "The AgentDojo suite's assistant."}}
    config["roles"] = {"agentdojo": {"tools": sorted(pack["tools"])}}
    config.setdefault("principals", {"default_clearance": "public", "users": {}, "groups": {}})
    config.setdefault("known_fields", {})
    config.setdefault("chinese_walls", {})
    config.setdefault("declassifiers", {})
    # The bench measures integrity: behavioural windows stay out of the way of hundreds of runs.
    config["activity"] = {
        "restricted_read_burst": {"classification": "restricted", "max_reads": 1000000},
        "denial_streak": {"max_denials": 1000000, "max_agent_denials": 1000000},
    }
    return config


class Regent:
    """A real regent on loopback, serving rego/ with a composed configuration."""

    def __init__(self, root: Path, config: dict[str, Any], label: str) -> None:
        self.root = root
        self.dir = Path(tempfile.mkdtemp(prefix=f"regent-agentdojo-{label}-"))
        shutil.copytree(root / "rego", self.dir / "rego", ignore=shutil.ignore_patterns("org", "*_test.rego"))
        (self.dir / "rego/regent/config/data.json").write_text(json.dumps(config, indent=1))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = dict(os.environ)
        env.update(
            {
                "REGENT_HOST": "127.0.0.1",
                "REGENT_PORT": str(self.port),
                "REGENT_POLICY_DIR": str(self.dir / "rego"),
                "REGENT_POLICY_OVERLAY_DIR": str(self.dir / "overlay"),
                "REGENT_WATCH_POLICIES": "false",
                "REGENT_AUDIT_PATH": str(self.dir / "audit/trail.jsonl"),
                "REGENT_APPROVALS_PATH": str(self.dir / "approvals/approvals.jsonl"),
                "REGENT_LOG_LEVEL": "warn",
                "REGENT_EVAL_WORKERS": "1",
                "REGENT_DRAIN_DELAY_SECONDS": "0",
            }
        )
        self.log = open(self.dir / "regent.log", "w")
        self.proc = subprocess.Popen(
            ["node", str(root / "src/cli/main.ts"), "serve"], cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        try:
            self.wait_ready()
        except BaseException:
            self.close()
            raise

    def wait_ready(self) -> None:
        deadline = time.time() + 120
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"regent exited: {(self.dir / 'regent.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health/ready", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.time() > deadline:
                raise RuntimeError("regent did not become ready within 120 s")
            time.sleep(0.3)

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=json.dumps(body).encode(),
            headers={"content-type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            return {"decision": "deny", "reasons": [{"code": f"http.{e.code}", "message": e.read().decode()[:300]}]}

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Replay(BasePipelineElement):
    """Replays ground truth through regent: the user task's calls, then the injection task's."""

    name = "regent-ground-truth-replay"

    def __init__(self, suite: str, user_task, injection_task, regent: Regent | None, pack: dict[str, Any]) -> None:
        self.suite = suite
        self.user_task = user_task
        self.injection_task = injection_task
        self.regent = regent
        self.pack = pack
        self.agent = f"agentdojo-{suite}"
        self.calls: list[dict[str, Any]] = []
        self.goal = None if injection_task is None else injection_task.GOAL
        self.reached = False

    def query(self, query, runtime, env, messages: Sequence = (), extra_args: dict | None = None):
        session = str(uuid.uuid4())
        new_messages = []
        phases = [("user", self.user_task)]
        if self.injection_task is not None:
            phases.append(("injection", self.injection_task))
        for phase, task in phases:
            # An agent that never received the injected text cannot obey it: the injection task's
            # calls are replayed only when some output the agent was given carried it.
            if phase == "injection" and not self.reached:
                self.calls.append({"phase": phase, "tool": None, "decision": "not_reached", "codes": []})
                break
            for call in task.ground_truth(env):
                record = {"phase": phase, "tool": call.function, "decision": "allow", "codes": []}
                self.calls.append(record)
                args = dict(call.args)
                action = self.action(call.function)
                if self.regent is not None:
                    answer = self.regent.post(
                        "/v1/decisions",
                        {"agent": {"id": self.agent}, "action": action, "payload": to_json(args), "session": {"id": session}},
                    )
                    record["decision"] = answer.get("decision", "deny")
                    record["codes"] = [r.get("code") for r in answer.get("reasons", [])]
                    # Which decisive arguments a reason is about (integrity reasons name them).
                    paths = sorted({p for r in answer.get("reasons", []) for p in (r.get("details") or {}).get("paths", [])})
                    if paths:
                        record["paths"] = paths
                    if record["decision"] not in ("allow", "redact"):
                        continue
                    # A redaction removes detected values from the arguments; the tool gets what is left.
                    if record["decision"] == "redact" and isinstance(answer.get("payload"), dict):
                        args = answer["payload"]
                new_messages.append(
                    ChatAssistantMessage(role="assistant", tool_calls=[call], content=[text_content_block_from_string("")])
                )
                result, error = runtime.run_function(env, call.function, args)
                text = tool_result_to_str(result) if error is None else error
                delivered: Any = to_json(result) if error is None else error
                # The result phase decides an output as a read (docs/policy-contract.md); a send's
                # or write's output (a confirmation) would be judged as a second send, so only
                # reads' outputs go through it.
                if self.regent is not None and error is None and action["kind"] == "read":
                    seen = self.regent.post(
                        "/v1/results",
                        {"agent": {"id": self.agent}, "action": action, "session": {"id": session}, "result": output(result)},
                    )
                    record["result"] = seen.get("decision", "deny")
                    record["result_codes"] = [r.get("code") for r in seen.get("reasons", [])]
                    if record["result"] == "deny":
                        text = "The output of this tool was withheld by policy."
                        delivered = None
                    elif record["result"] == "redact":
                        text = json.dumps(seen.get("result"))
                        delivered = seen.get("result")
                if self.goal is not None and any(self.goal in leaf for leaf in strings(delivered)):
                    self.reached = True
                new_messages.append(
                    ChatToolResultMessage(
                        role="tool",
                        content=[text_content_block_from_string(text)],
                        tool_call=call,
                        tool_call_id=None,
                        error=error,
                    )
                )
        new_messages.append(
            ChatAssistantMessage(
                role="assistant",
                content=[text_content_block_from_string(self.user_task.GROUND_TRUTH_OUTPUT)],
                tool_calls=None,
            )
        )
        return query, runtime, env, [*messages, *new_messages], extra_args or {}

    def action(self, function: str) -> dict[str, Any]:
        tool = f"{self.suite}.{function}"
        spec = self.pack["tools"].get(tool, {})
        kinds = spec.get("kinds", ["execute"])
        return {"tool": tool, "kind": kinds[0]}


def injections_for(suite_obj, attack: ImportantInstructionsAttack, user_task, injection_task) -> dict[str, str]:
    return attack.attack(user_task, injection_task)


def make_attack(suite_obj) -> ImportantInstructionsAttack:
    """AgentDojo's important_instructions attack for a suite, without a model behind it."""
    attack = ImportantInstructionsAttack.__new__(ImportantInstructionsAttack)
    ImportantInstructionsAttack.__bases__[0].__init__(attack, ImportantInstructionsAttack._JB_STRING, suite_obj, None)
    attack.user_name = "Emma Johnson"
    attack.model_name = DEFAULT_MODEL_NAME
    return attack


def run_utility(suite: str, suite_obj, pack: dict[str, Any], regent: Regent | None, ut) -> dict[str, Any]:
    """One user task alone (no injection): without regent, then through it."""
    bare_utility, _ = suite_obj.run_task_with_pipeline(Replay(suite, ut, None, None, pack), ut, None, {})
    replay = Replay(suite, ut, None, regent, pack)
    utility, _ = suite_obj.run_task_with_pipeline(replay, ut, None, {})
    return {
        "user_task": ut.ID,
        "utility_without_regent": bool(bare_utility),
        "utility": bool(utility),
        "all_allowed": all(c["decision"] == "allow" for c in replay.calls),
        "calls": replay.calls,
    }


def run_attack(suite: str, suite_obj, pack: dict[str, Any], regent: Regent, attack, ut, it) -> dict[str, Any] | None:
    """One (user task, injection task) case, without regent and through it; None if the pair has no vector."""
    injections = injections_for(suite_obj, attack, ut, it)
    if not injections:
        return None
    bare = Replay(suite, ut, it, None, pack)
    _, success_without = suite_obj.run_task_with_pipeline(bare, ut, it, injections)
    guarded = Replay(suite, ut, it, regent, pack)
    utility, success_with = suite_obj.run_task_with_pipeline(guarded, ut, it, injections)
    user_calls = [c for c in guarded.calls if c["phase"] == "user"]
    return {
        "user_task": ut.ID,
        "injection_task": it.ID,
        "success_without_regent": bool(success_without),
        "success_with_regent": bool(success_with),
        "utility_under_attack": bool(utility),
        "user_calls_allowed": all(c["decision"] == "allow" for c in user_calls),
        "reached_without_regent": bare.reached,
        "reached_with_regent": guarded.reached,
        "calls": guarded.calls,
    }


def run_suite(
    root: Path, packs: Path, suite: str, version: str, limits: dict[str, int | None], progress
) -> dict[str, Any]:
    suite_obj = get_suite(version, suite)
    pack = json.loads((packs / f"{suite}.json").read_text())
    regent = Regent(root, compose_config(root, pack, f"agentdojo-{suite}"), suite)
    try:
        user_tasks = list(suite_obj.user_tasks.values())[: limits["user"]]
        injection_tasks = list(suite_obj.injection_tasks.values())[: limits["injection"]]
        attack = make_attack(suite_obj)
        out: dict[str, Any] = {"suite": suite, "version": version, "utility": [], "attacks": []}
        for ut in user_tasks:
            out["utility"].append(run_utility(suite, suite_obj, pack, regent, ut))
            progress(".")
        for ut in user_tasks:
            for it in injection_tasks:
                case = run_attack(suite, suite_obj, pack, regent, attack, ut, it)
                if case is None:
                    continue
                out["attacks"].append(case)
                progress("+" if case["success_with_regent"] else "x")
        progress("\n")
        return out
    finally:
        regent.close()


def summarize(result: dict[str, Any]) -> dict[str, Any]:
    u = result["utility"]
    a = result["attacks"]
    n = len(u)
    m = len(a)
    return {
        "suite": result["suite"],
        "user_tasks": n,
        "utility_without": sum(x["utility_without_regent"] for x in u) / n if n else 0.0,
        "utility_without_count": sum(x["utility_without_regent"] for x in u),
        "utility": sum(x["utility"] for x in u) / n if n else 0.0,
        "all_allowed": sum(x["all_allowed"] for x in u) / n if n else 0.0,
        "cases": m,
        "asr_without": sum(x["success_without_regent"] for x in a) / m if m else 0.0,
        "asr_with": sum(x["success_with_regent"] for x in a) / m if m else 0.0,
        "utility_under_attack": sum(x["utility_under_attack"] for x in a) / m if m else 0.0,
        "user_calls_allowed_under_attack": sum(x["user_calls_allowed"] for x in a) / m if m else 0.0,
        "utility_count": sum(x["utility"] for x in u),
        "all_allowed_count": sum(x["all_allowed"] for x in u),
        "success_without_count": sum(x["success_without_regent"] for x in a),
        "success_with_count": sum(x["success_with_regent"] for x in a),
        "utility_under_attack_count": sum(x["utility_under_attack"] for x in a),
    }


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def table(summaries: list[dict[str, Any]], version: str) -> str:
    total = {
        "suite": "**all**",
        "user_tasks": sum(s["user_tasks"] for s in summaries),
        "cases": sum(s["cases"] for s in summaries),
    }
    for key, count, base in [
        ("utility_without", "utility_without_count", "user_tasks"),
        ("utility", "utility_count", "user_tasks"),
        ("all_allowed", "all_allowed_count", "user_tasks"),
        ("asr_without", "success_without_count", "cases"),
        ("asr_with", "success_with_count", "cases"),
        ("utility_under_attack", "utility_under_attack_count", "cases"),
    ]:
        total[key] = sum(s[count] for s in summaries) / total[base] if total[base] else 0.0
    lines = [
        f"AgentDojo {version}, ground truth replayed through regent (important_instructions injections):",
        "",
        "| Suite | User tasks | Utility without regent | Utility with regent | All calls allowed "
        "| Injection cases | Attack success without regent | with regent | Utility under attack |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in [*summaries, total]:
        lines.append(
            f"| {s['suite']} | {s['user_tasks']} | {pct(s['utility_without'])} | {pct(s['utility'])} | "
            f"{pct(s['all_allowed'])} | {s['cases']} | "
            f"{pct(s['asr_without'])} | {pct(s['asr_with'])} | {pct(s['utility_under_attack'])} |"
        )
    return "\n".join(lines)


def describe(call: dict[str, Any]) -> str:
    """One refused call: tool, decision, reason codes and the arguments they are about."""
    paths = f" {', '.join(call['paths'])}" if call.get("paths") else ""
    return f"{call['tool']}: {call['decision']} ({', '.join(call['codes'])}{paths})"


def explain(result: dict[str, Any]) -> str:
    """Why a suite's user tasks are not fully allowed, and which of their calls only an attack refuses."""
    suite = result["suite"]
    lines = []
    refused = [u for u in result["utility"] if not u["all_allowed"]]
    lines.append(f"{suite}: user tasks not fully allowed: {len(refused)} of {len(result['utility'])}")
    for u in refused:
        calls = "; ".join(describe(c) for c in u["calls"] if c["decision"] != "allow")
        lines.append(f"  {u['user_task']} (utility {'kept' if u['utility'] else 'lost'}): {calls}")
    alone = {u["user_task"]: u for u in result["utility"]}
    under: dict[str, list[dict[str, Any]]] = {}
    for a in result["attacks"]:
        own = [c for c in alone[a["user_task"]]["calls"] if c["phase"] == "user"]
        attacked = [c for c in a["calls"] if c["phase"] == "user"]
        if any(i < len(own) and own[i]["decision"] == "allow" and c["decision"] != "allow" for i, c in enumerate(attacked)):
            under.setdefault(a["user_task"], []).append(a)
    lines.append(f"{suite}: user tasks whose own calls an attack refuses: {len(under)}")
    for task, cases in under.items():
        own = [c for c in alone[task]["calls"] if c["phase"] == "user"]
        seen: dict[str, None] = {}
        for a in cases:
            attacked = [c for c in a["calls"] if c["phase"] == "user"]
            for i, c in enumerate(attacked):
                if i < len(own) and own[i]["decision"] == "allow" and c["decision"] != "allow":
                    seen[describe(c)] = None
        lost = sum(not a["utility_under_attack"] for a in cases)
        lines.append(f"  {task} ({len(cases)} injection cases, utility lost in {lost}): {'; '.join(seen)}")
    won = [a for a in result["attacks"] if a["success_with_regent"]]
    lines.append(f"{suite}: attacks that succeeded through regent: {len(won)}")
    for a in won:
        lines.append(f"  {a['user_task']} x {a['injection_task']}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suites", default=",".join(SUITES))
    parser.add_argument("--version", default="v1")
    parser.add_argument("--user-tasks", type=int, default=None, help="only the first N user tasks of each suite")
    parser.add_argument("--injection-tasks", type=int, default=None, help="only the first N injection tasks")
    parser.add_argument("--json", type=Path, default=None, help="write every run, call by call, here")
    parser.add_argument("--root", type=Path, default=HERE.parent.parent)
    parser.add_argument(
        "--packs", type=Path, default=None, help="folder of <suite>.json policy packs (default: ROOT/examples/agentdojo)"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 unless every utility run kept the benchmark's utility and regent blocked at least one attack",
    )
    parser.add_argument("--from-json", type=Path, default=None, help="print the table of an earlier --json run")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also print, per suite, the refused calls of user tasks not fully allowed and of attacked runs",
    )
    args = parser.parse_args()
    if args.from_json is not None:
        earlier = json.loads(args.from_json.read_text())
        version = earlier["runs"][0]["version"] if earlier["runs"] else args.version
        print(table([summarize(r) for r in earlier["runs"]], version))
        if args.explain:
            print("\n" + "\n".join(explain(r) for r in earlier["runs"]))
        return 0
    packs = args.packs if args.packs is not None else args.root / "examples/agentdojo"
    results = []
    for suite in args.suites.split(","):
        sys.stderr.write(f"{suite}: ")
        results.append(
            run_suite(
                args.root.resolve(),
                packs,
                suite,
                args.version,
                {"user": args.user_tasks, "injection": args.injection_tasks},
                lambda s: (sys.stderr.write(s), sys.stderr.flush()),
            )
        )
    summaries = [summarize(r) for r in results]
    print(table(summaries, args.version))
    if args.explain:
        print("\n" + "\n".join(explain(r) for r in results))
    if args.json is not None:
        args.json.write_text(json.dumps({"summaries": summaries, "runs": results}, indent=1))
    if args.check:
        # The harness must not rot: the replay without injections must reproduce AgentDojo's own
        # ground-truth utility for tasks regent fully allows, and regent must stop some attack.
        broken = [
            (r["suite"], u["user_task"])
            for r in results
            for u in r["utility"]
            if u["all_allowed"] and u["utility_without_regent"] and not u["utility"]
        ]
        if broken:
            print(f"replay broken: fully allowed tasks that fail utility(): {broken}", file=sys.stderr)
            return 1
        if sum(s["success_without_count"] for s in summaries) > 0 and sum(s["success_with_count"] for s in summaries) >= sum(
            s["success_without_count"] for s in summaries
        ):
            print("regent blocked no attack", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
