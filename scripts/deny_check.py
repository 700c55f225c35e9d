#!/usr/bin/env python3
"""The licence, source and duplicate checks of deny.toml, for CI machines without cargo-deny.

Installing cargo-deny from source takes longer than CI's budget (see RELIABILITY.md), so CI
runs this instead: it reads the dependency graph from `cargo metadata` (no download beyond what
the build fetches anyway) and applies deny.toml's `[licenses] allow` list, its `[sources]`
rule (crates.io only) and its `[bans] multiple-versions` report. It does not check RustSec
advisories: that needs cargo-deny or cargo-audit and the advisory database.

    python3 scripts/deny_check.py        # exit 1 on a disallowed licence or source
"""

import json
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CRATES_IO = "registry+https://github.com/rust-lang/crates.io-index"


def allowed_by(expression, allow):
    """Whether an SPDX expression (AND, OR, WITH, parentheses, legacy '/') is satisfied by
    licences of the allow list."""
    tokens = re.findall(r"\(|\)|[^\s()]+", expression.replace("/", " OR "))
    position = 0

    def peek():
        return tokens[position] if position < len(tokens) else None

    def take():
        nonlocal position
        position += 1
        return tokens[position - 1]

    def primary():
        if peek() == "(":
            take()
            value = disjunction()
            if take() != ")":
                raise ValueError(f"unbalanced parentheses in {expression!r}")
            return value
        licence = take()
        if peek() == "WITH":
            take()
            licence = f"{licence} WITH {take()}"
        return licence in allow

    def conjunction():
        value = primary()
        while peek() == "AND":
            take()
            value = primary() and value
        return value

    def disjunction():
        value = conjunction()
        while peek() == "OR":
            take()
            value = conjunction() or value
        return value

    result = disjunction()
    if position != len(tokens):
        raise ValueError(f"cannot read the licence expression {expression!r}")
    return result


def allow_list(text):
    """deny.toml's [licenses] allow list (tomllib on Python 3.11+, else a plain reading)."""
    try:
        import tomllib
        return set(tomllib.loads(text)["licenses"]["allow"])
    except ImportError:
        section = text.split("[licenses]", 1)[1]
        body = re.search(r"allow\s*=\s*\[(.*?)\]", section, re.S).group(1)
        return set(re.findall(r'"([^"]+)"', body))


def main():
    allow = allow_list((ROOT / "deny.toml").read_text())
    metadata = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--locked",
             "--filter-platform", "x86_64-unknown-linux-gnu"],
            cwd=ROOT, check=True, capture_output=True, text=True,
        ).stdout
    )
    used = {node["id"] for node in metadata["resolve"]["nodes"]}
    problems = []
    versions = defaultdict(set)
    count = 0
    for package in metadata["packages"]:
        if package["id"] not in used:
            continue
        count += 1
        name = f"{package['name']} {package['version']}"
        versions[package["name"]].add(package["version"])
        source = package.get("source")
        if source is not None and source != CRATES_IO:
            problems.append(f"{name}: source {source} is not crates.io")
        licence = package.get("license")
        if source is None:
            continue  # this project itself
        if not licence:
            problems.append(f"{name}: no licence expression")
        elif not allowed_by(licence, allow):
            problems.append(f"{name}: licence {licence!r} is not in deny.toml's allow list")
    duplicates = {n: sorted(v) for n, v in versions.items() if len(v) > 1}
    print(f"{count} packages checked against deny.toml (licences, sources)")
    for name, vs in sorted(duplicates.items()):
        print(f"warning: {name} in {len(vs)} versions: {', '.join(vs)}")
    for problem in problems:
        print(f"error: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
