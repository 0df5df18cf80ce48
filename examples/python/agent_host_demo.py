#!/usr/bin/env python3
"""What an agent host does with cordond, step by step (standard library only).

    python3 examples/python/agent_host_demo.py [--socket PATH] [--workspace DIR]

1. connects and lists the tools this user may run, as a model would see them;
2. calls search_code with structured arguments, if this user may;
3. runs sh with raw argv and streams its output as it is written;
4. shows how errors come back: a refused request raises CordonError with a
   code, a tool that fails returns a result whose outcome says so.

Each step prints "<step>: ok" or "<step>: FAILED ..."; the exit status is 0
only when every step behaved as described.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cordon_client import CordonClient, CordonError  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", help="cordond's socket (default: $CORDON_SOCKET, else /run/cordon/cordond.sock)")
    parser.add_argument("--workspace", help="directory relative to your workspace root")
    args = parser.parse_args()

    failures = []

    def check(step, condition, detail=""):
        print(f"{step}: {'ok' if condition else 'FAILED ' + detail}", flush=True)
        if not condition:
            failures.append(step)

    try:
        cordon = CordonClient(args.socket, timeout=120)
    except CordonError as e:
        print(f"connect: FAILED {e}")
        return 1
    with cordon:
        health = cordon.health()
        check("health", health.get("status") == "ok", str(health))

        # 1. The tools, as a model sees them.
        tools = cordon.tools()
        for t in tools:
            d = t.get("definition")
            shown = f"{d['name']}({', '.join(d['parameters'].get('properties', {}))})" if d else f"{t['name']} (argv)"
            print(f"  tool {shown}: {(d or t).get('description', '')}")
        names = {t["name"] for t in tools} | {t["definition"]["name"] for t in tools if t.get("definition")}
        check("tools", "sh" in names, f"sh is not offered: {sorted(names)}")

        # 2. A model's tool call: structured arguments, validated by the daemon.
        if "search_code" in names:
            answer = cordon.run("search_code", arguments={"pattern": "TODO", "ignore_case": True},
                                workspace=args.workspace)
            result = answer["result"]
            print(result["stdout"]["data"], end="")
            check("search_code", result["outcome"] == "ok" and "TODO" in result["stdout"]["data"],
                  f"{result['outcome']}: {result.get('detail')}")
            filt = result.get("filter") or {}
            if filt:
                print(f"  data class: {filt.get('data_class')}, injection suspected: "
                      f"{(filt.get('injection') or {}).get('suspected')}")
        else:
            print("search_code: skipped (not offered to this user)")

        # 3. Raw argv, output streamed while the tool runs.
        chunks = []

        def on_output(stream, text):
            chunks.append((stream, text))
            for line in text.splitlines(keepends=True):
                print(f"  [{stream}] {line}", end="", flush=True)

        answer = cordon.run("sh", argv=["sh", "-c", "for i in 1 2 3; do echo line $i; done; echo note >&2"],
                            workspace=args.workspace, on_output=on_output)
        result = answer["result"]
        streamed = "".join(text for stream, text in chunks if stream == "stdout")
        check("stream", result["outcome"] == "ok" and streamed == "line 1\nline 2\nline 3\n",
              f"{result['outcome']}, streamed {streamed!r}")
        print(f"  call {answer['call_id']} as tenant {answer['tenant']}: {result['time']['wall_ms']} ms")

        # 4. Errors. A refused request raises CordonError with a code ...
        try:
            cordon.run("no-such-tool", argv=["x"])
            check("unknown tool", False, "no error")
        except CordonError as e:
            check("unknown tool", e.code == "unknown_tool", str(e))
        if "search_code" in names:
            try:
                cordon.run("search_code", arguments={"pattern": 42}, workspace=args.workspace)
                check("bad arguments", False, "no error")
            except CordonError as e:
                print(f"  refused: {e}")
                check("bad arguments", e.code == "invalid_request" and "pattern" in e.message, str(e))
        # ... and a tool that fails is a result, not an exception.
        result = cordon.run("sh", argv=["sh", "-c", "echo oops >&2; exit 3"], workspace=args.workspace)["result"]
        check("tool failure", result["outcome"] == "exit_nonzero" and result["exit_code"] == 3
              and result["stderr"]["data"] == "oops\n", f"{result['outcome']} {result.get('exit_code')}")

    print("all steps ok" if not failures else f"failed steps: {', '.join(failures)}")
    return 0 if not failures else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except CordonError as e:  # refused where the demo expected to go on (e.g. no tenant for this user)
        print(f"stopped: FAILED {e}")
        sys.exit(1)
