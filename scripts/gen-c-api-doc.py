#!/usr/bin/env python3
"""docs/c-api.md from include/trigrt.h: the header's comments are the reference, this script only
lays them out (the overview, then every macro, type and function with the comment above it, in
header order, under the header's own section markers).

    python3 scripts/gen-c-api-doc.py            # rewrite docs/c-api.md
    python3 scripts/gen-c-api-doc.py --check    # exit 1 if docs/c-api.md is not what the header gives
"""

from __future__ import annotations

import argparse
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADER = os.path.join(ROOT, "include", "trigrt.h")
OUT = os.path.join(ROOT, "docs", "c-api.md")


def comment_text(block: str) -> str:
    """The text of a /* ... */ block without the comment markers and leading ' * '."""
    body = block.strip()
    body = body[2:] if body.startswith("/*") else body
    body = body[:-2] if body.endswith("*/") else body
    lines = body.split("\n")
    out = []
    for line in lines:
        s = line.rstrip()
        s = re.sub(r"^\s*\* ?", "", s) if re.match(r"^\s*\*", s) else s.strip() if not out else s.lstrip()
        out.append(s)
    while out and not out[0].strip():
        out.pop(0)
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out)


def render_comment(text: str) -> str:
    """Comment prose as markdown: indented blocks (4+ spaces) become code, ' - ' lists stay lists."""
    lines = text.split("\n")
    out, code = [], []
    for line in lines + [""]:
        if line.startswith("    ") or (code and not line.strip() and False):
            code.append(line[4:])
            continue
        if code:
            out += ["", "```c", *code, "```", ""]
            code = []
        out.append(line)
    return "\n".join(out).strip("\n")


def parse(src: str):
    """Yields ("overview", text), ("section", title), ("decl", code, comment)."""
    i, n = 0, len(src)
    pending = None  # the last comment block, waiting for its declaration
    first = True
    items = []
    while i < n:
        if src.startswith("/*", i):
            j = src.index("*/", i) + 2
            block = src[i:j]
            i = j
            text = comment_text(block)
            if first:
                items.append(("overview", text))
                first = False
                continue
            m = re.match(r"-+\s*(.+?)\s*-{3,}\s*\n?(.*)", text, re.S)
            if m:
                items.append(("section", m.group(1)))
                pending = m.group(2).strip() or None
                if pending:
                    items.append(("prose", pending))
                    pending = None
                continue
            pending = text if pending is None else pending + "\n\n" + text
            continue
        if src.startswith("//", i):
            i = src.index("\n", i) + 1
            continue
        if src[i].isspace():
            if src.startswith("\n\n", i) and pending is not None and src[i + 2:i + 4] in ("\n\n",):
                pending = None
            i += 1
            continue
        # a declaration: a preprocessor line, or up to the ; (braces balanced)
        if src[i] == "#":
            j = src.index("\n", i)
            code = src[i:j].strip()
            i = j + 1
            if code.startswith(("#ifndef", "#define TRIGRT_H", "#include", "#ifdef", "#endif", "#else", "#if ")):
                pending = None if not code.startswith("#define") else pending
                continue
            items.append(("decl", code, pending))
            pending = None
            continue
        if src.startswith('extern "C"', i) or src.startswith("}", i):
            i = src.index("\n", i) + 1
            continue
        depth, j = 0, i
        while j < n:
            c = src[j]
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
            elif c == ";" and depth == 0:
                break
            j += 1
        code = src[i:j + 1]
        i = j + 1
        # trailing same-line comment (e.g. after a struct field list) belongs to the code
        items.append(("decl", code.strip(), pending))
        pending = None
    return items


def names(code: str) -> list[str]:
    m = re.match(r"#define\s+(\w+)", code)
    if m:
        return [m.group(1)]
    found = re.findall(r"\b(trigrt_\w+)\s*\(", code)
    if found:
        return found
    m = re.search(r"typedef\s+.*?\b(\w+)\s*;\s*$", code, re.S)
    if m:
        return [m.group(1)]
    m = re.search(r"\(\*(\w+)\)", code)
    if m:
        return [m.group(1)]
    if code.startswith("enum"):
        consts = re.findall(r"\b(TRIGRT_\w+)\s*=", code)
        return [f"{consts[0]} … {consts[-1]}"] if consts else []
    return []


def render(items) -> str:
    out = ["# C API reference", "",
           "Generated from `include/trigrt.h` by `scripts/gen-c-api-doc.py` (`make test` checks it is current);",
           "the header's comments are the reference. Version macros, status codes and every function in",
           "header order.", ""]
    toc = []
    body = []
    for it in items:
        if it[0] == "overview":
            body += ["## Overview", "", render_comment(it[1]), ""]
        elif it[0] == "section":
            body += [f"## {it[1]}", ""]
        elif it[0] == "prose":
            body += [render_comment(it[1]), ""]
        else:
            _, code, comment = it
            ns = names(code)
            title = ", ".join(f"`{x}`" for x in ns) if ns else None
            if ns and " … " in ns[0]:
                first, last = ns[0].split(" … ")
                title = f"enum `{first}` … `{last}`"
            if title:
                body += [f"### {title}", ""]
                toc += [x for x in ns if x.startswith("trigrt_") and "(" not in x]
            body += ["```c", code, "```", ""]
            if comment:
                body += [render_comment(comment), ""]
    functions = sorted(set(t for t in toc if t.startswith("trigrt_")))
    out += ["Functions and types: " + ", ".join(f"`{f}`" for f in functions), ""]
    return "\n".join(out + body).rstrip() + "\n"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    with open(HEADER) as f:
        text = render(parse(f.read()))
    if args.check:
        try:
            with open(OUT) as f:
                current = f.read()
        except FileNotFoundError:
            current = ""
        if current != text:
            print(f"{OUT} is out of date: run python3 scripts/gen-c-api-doc.py", file=sys.stderr)
            return 1
        print(f"ok  {os.path.relpath(OUT, ROOT)} matches include/trigrt.h")
        return 0
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write(text)
    print(f"wrote {os.path.relpath(OUT, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
