#!/usr/bin/env python3
"""Report import cycles between the modules of one Rust crate.

Usage: scripts/import-cycles.py [--no-tests] [--all-edges] [--edges] CRATE/src

Prints every strongly connected component of more than one module in the crate's module
dependency graph, with the references that make each edge (file:line and the path as written),
and exits 1 if there is any; exits 0 when the graph has no cycle. Python 3.11, standard library
only; it reads the source text and does not need the crate to build.

The graph
---------
* A node is a module *file*: `src/a/b.rs` and `src/a/b/mod.rs` are both `a::b`; `src/lib.rs`
  (or `src/main.rs` when there is no `lib.rs`) is the crate root. Inline modules
  (`mod tests { ... }`) belong to the file that holds them. When a crate has a `lib.rs`, its
  `main.rs` and `src/bin/` are separate crates (they reach the library as `my_crate::...`, not
  `crate::...`) and are left out.
* An edge A -> B means A's file names something that lives in B's file:
  - every leaf of a `use` tree that starts with `crate::`, `super::`, `self::` or a name already
    in scope (a child module, or an earlier `use` of a module), groups and renames included;
  - paths in code such as `crate::a::b::f()`, `super::x::Y`, or `alias::f()` where `alias` is
    a module brought in by `use` (e.g. `use crate::store::{self, users};` ... `users::find()`).
  A path is resolved to the deepest module file it names. When the next segment is a name that
  module itself only imports (`pub use hub::Hub;`, or a private `use` in a parent that its
  children reach through `super::`), the path is followed to where that name comes from, so a
  re-export does not hide the real dependency. `pub(in crate::x)` visibilities, `$crate::`
  macro paths, comments and string literals are ignored.
* Edges from a module to one of its own ancestors are NOT counted (its parent `mod.rs`, a
  grandparent, the crate root): a child may always use what its parent defines (shared types
  in `mod.rs`, `use super::*;` in a test module), and a parent declares and uses its children,
  so every parent<->child pair would otherwise be a "cycle". Edges from a parent down to its
  children, between siblings (`super::sibling::X`) and across folders count. `--all-edges`
  counts the upward edges too.
* Test code counts like the rest (a cycle through `#[cfg(test)]` code is still a tangle, and
  each reference is marked `[test]`); `--no-tests` leaves out `#[cfg(test)]` modules and items.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

KEYWORD_ROOTS = {"crate", "super", "self"}


# ---------------------------------------------------------------------------------------------
# Lexing: identifiers, `::`, and single punctuation characters, with line numbers. Comments,
# string/char literals and lifetimes are dropped.

@dataclass
class Tok:
    text: str
    line: int


IDENT_START = re.compile(r"[A-Za-z_]")
IDENT = re.compile(r"(?:r#)?[A-Za-z_][A-Za-z0-9_]*")
NUMBER = re.compile(r"[0-9][A-Za-z0-9_.]*")


def lex(src: str) -> list[Tok]:
    toks: list[Tok] = []
    i, n, line = 0, len(src), 1
    while i < n:
        c = src[i]
        if c == "\n":
            line += 1
            i += 1
        elif c.isspace():
            i += 1
        elif src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
        elif src.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if src.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif src.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    line += src[i] == "\n"
                    i += 1
        elif (m := re.match(r"b?r(#*)\"", src[i:i + 300])) and not _ident_before(src, i):
            close = '"' + m.group(1)
            j = src.find(close, i + m.end())
            j = n if j < 0 else j + len(close)
            line += src.count("\n", i, j)
            i = j
        elif c == '"' or (c == "b" and src.startswith('b"', i) and not _ident_before(src, i)):
            i += 1 if c == '"' else 2
            while i < n and src[i] != '"':
                if src[i] == "\\":
                    i += 1
                line += src[i] == "\n"
                i += 1
            i += 1
        elif c == "'" or (c == "b" and src.startswith("b'", i) and not _ident_before(src, i)):
            j = i + (1 if c == "'" else 2)
            if j < n and src[j] == "\\":  # escaped char literal
                k = src.find("'", j + 2)
                i = n if k < 0 else k + 1
            elif j + 1 < n and src[j + 1] == "'":  # 'x'
                i = j + 2
            else:  # a lifetime or label: skip the quote, the name lexes as an identifier
                i = j
        elif m := IDENT.match(src, i) if IDENT_START.match(c) or src.startswith("r#", i) else None:
            text = m.group(0)
            toks.append(Tok(text[2:] if text.startswith("r#") else text, line))
            i = m.end()
        elif m := NUMBER.match(src, i):
            i = m.end()
        elif src.startswith("::", i):
            toks.append(Tok("::", line))
            i += 2
        else:
            toks.append(Tok(c, line))
            i += 1
    return toks


def _ident_before(src: str, i: int) -> bool:
    return i > 0 and (src[i - 1].isalnum() or src[i - 1] == "_")


# ---------------------------------------------------------------------------------------------
# Per-file facts: `use` leaves, other paths, items defined at file level.

@dataclass
class Ref:
    path: list[str]  # as written, e.g. ["super", "hub", "Hub"]
    scope: list[str]  # inline modules around it inside the file, e.g. ["tests"]
    line: int
    test: bool
    in_use: bool
    alias: str | None = None  # the name a `use` leaf binds (None for globs and code paths)


@dataclass
class FileInfo:
    module: tuple[str, ...]
    path: Path
    refs: list[Ref] = field(default_factory=list)


def parse_use_tree(toks: list[Tok], i: int, prefix: list[str], out: list[tuple[list[str], str | None, int]]) -> int:
    """Parses one use tree starting at toks[i]; appends (path, bound name, line). Returns the
    index just after the tree."""
    path = list(prefix)
    if i < len(toks) and toks[i].text == "::":  # `use ::std::x`
        i += 1
    while i < len(toks):
        t = toks[i]
        if t.text == "{":
            i += 1
            while i < len(toks) and toks[i].text != "}":
                i = parse_use_tree(toks, i, path, out)
                if i < len(toks) and toks[i].text == ",":
                    i += 1
            return i + 1
        if t.text == "*":
            out.append((path + ["*"], None, t.line))
            return i + 1
        if IDENT.fullmatch(t.text):
            path.append(t.text)
            i += 1
            if i < len(toks) and toks[i].text == "::":
                i += 1
                continue
            alias = path[-1]
            if i + 1 < len(toks) and toks[i].text == "as":
                alias = toks[i + 1].text
                i += 2
            if path[-1] == "self":  # `a::b::{self}` binds `b`
                path = path[:-1]
                if alias == "self":
                    alias = path[-1] if path else None
            out.append((path, None if alias == "_" else alias, t.line))
            return i
        return i + 1  # something unexpected: skip it
    return i


def scan_file(path: Path, module: tuple[str, ...], skip_tests: bool) -> FileInfo:
    toks = lex(path.read_text(encoding="utf-8", errors="replace"))
    info = FileInfo(module, path)
    # Inline module stack: (name, brace depth at which it closes, is test).
    scopes: list[tuple[str, int, bool]] = []
    depth = 0
    pending_test = False  # a `#[cfg(test)]` was just seen
    test_item_depth: int | None = None  # inside a #[cfg(test)] item that is not a module
    i = 0
    n = len(toks)

    def in_test() -> bool:
        return any(s[2] for s in scopes) or test_item_depth is not None

    while i < n:
        t = toks[i].text
        if t == "#" and i + 1 < n and toks[i + 1].text in ("[", "!"):
            # Attribute: note #[cfg(test)], skip the rest.
            j = i + 1 if toks[i + 1].text == "[" else i + 2
            k, d = j, 0
            while k < n:
                if toks[k].text == "[":
                    d += 1
                elif toks[k].text == "]":
                    d -= 1
                    if d == 0:
                        break
                k += 1
            words = [x.text for x in toks[j:k]]
            if words[:5] == ["[", "cfg", "(", "test", ")"]:
                pending_test = True
            i = k + 1
            continue
        if t == "{":
            depth += 1
            i += 1
            continue
        if t == "}":
            depth -= 1
            while scopes and scopes[-1][1] > depth:
                scopes.pop()
            if test_item_depth is not None and depth <= test_item_depth:
                test_item_depth = None
            i += 1
            continue
        if t == "mod" and i + 2 < n and IDENT.fullmatch(toks[i + 1].text) and toks[i + 2].text == "{":
            is_test = pending_test
            pending_test = False
            if is_test and skip_tests:
                i = _skip_block(toks, i + 2)
                continue
            depth += 1
            scopes.append((toks[i + 1].text, depth, is_test))
            i += 3
            continue
        if t == "pub" and i + 1 < n and toks[i + 1].text == "(":
            k = i + 1
            while k < n and toks[k].text != ")":
                k += 1
            i = k + 1
            continue
        if pending_test and t in ("fn", "impl", "struct", "enum", "const", "static", "use", "type", "trait"):
            pending_test = False
            if skip_tests:
                if t == "use":
                    while i < n and toks[i].text != ";":
                        i += 1
                    continue
                # skip to the item's body or its end
                k = i
                while k < n and toks[k].text not in ("{", ";"):
                    k += 1
                i = _skip_block(toks, k) if k < n and toks[k].text == "{" else k + 1
                continue
            if t != "use" and test_item_depth is None:
                test_item_depth = depth
        if t == "use" and not (i + 1 < n and toks[i + 1].text == "<"):
            leaves: list[tuple[list[str], str | None, int]] = []
            k = parse_use_tree(toks, i + 1, [], leaves)
            scope = [s[0] for s in scopes]
            for p, alias, line in leaves:
                info.refs.append(Ref(p, scope, line, in_test(), True, alias))
            while k < n and toks[k].text != ";":
                k += 1
            i = k + 1
            continue
        if IDENT.fullmatch(t) and i + 2 < n and toks[i + 1].text == "::" and IDENT.fullmatch(toks[i + 2].text):
            prev = toks[i - 1].text if i else ""
            if prev not in ("::", "$", "."):
                p = [t]
                k = i + 1
                while k + 1 < n and toks[k].text == "::" and IDENT.fullmatch(toks[k + 1].text):
                    p.append(toks[k + 1].text)
                    k += 2
                info.refs.append(Ref(p, [s[0] for s in scopes], toks[i].line, in_test(), False))
                i = k
                continue
        i += 1
    return info


def _skip_block(toks: list[Tok], i: int) -> int:
    """toks[i] is `{`: returns the index after its matching `}`."""
    d = 0
    while i < len(toks):
        if toks[i].text == "{":
            d += 1
        elif toks[i].text == "}":
            d -= 1
            if d == 0:
                return i + 1
        i += 1
    return i


# ---------------------------------------------------------------------------------------------
# Resolution

class Crate:
    def __init__(self, src: Path, skip_tests: bool):
        self.src = src
        self.files: dict[tuple[str, ...], FileInfo] = {}
        has_lib = (src / "lib.rs").exists()
        for f in sorted(src.rglob("*.rs")):
            rel = f.relative_to(src)
            parts = list(rel.parts)
            if has_lib and (parts == ["main.rs"] or parts[0] == "bin"):
                continue
            if parts in (["lib.rs"], ["main.rs"]):
                module: tuple[str, ...] = ()
            elif parts[-1] == "mod.rs":
                module = tuple(parts[:-1])
            else:
                module = tuple(parts[:-1]) + (parts[-1][:-3],)
            self.files[module] = scan_file(f, module, skip_tests)
        # Names each file binds with `use` (and the modules it declares): name -> absolute path.
        self.bindings: dict[tuple[str, ...], dict[str, list[str]]] = {}
        self.globs: dict[tuple[str, ...], list[list[str]]] = {}
        for mod, info in self.files.items():
            names: dict[str, list[str]] = {}
            for child in self.files:
                if len(child) == len(mod) + 1 and child[: len(mod)] == mod:
                    names[child[-1]] = list(child)
            self.bindings[mod] = names
            self.globs[mod] = []
        for mod, info in self.files.items():
            for r in info.refs:
                if not r.in_use or r.scope:
                    continue
                absolute = self.absolute(mod, r.scope, r.path)
                if absolute is None:
                    continue
                if r.path[-1] == "*":
                    self.globs[mod].append(absolute[:-1])
                elif r.alias:
                    self.bindings[mod][r.alias] = absolute

    def absolute(self, mod: tuple[str, ...], scope: list[str], path: list[str]) -> list[str] | None:
        """The crate-absolute form of a path written in `mod` (inside inline modules `scope`),
        or None when it names something outside the crate."""
        here = list(mod) + list(scope)
        head = path[0]
        if head == "crate":
            return path[1:]
        if head in ("self", "super"):
            k = 0
            base = here
            while k < len(path) and path[k] in ("self", "super"):
                if path[k] == "super":
                    if not base:
                        return None
                    base = base[:-1]
                k += 1
            return base + path[k:]
        if head == "Self":
            return None
        if not scope:
            bound = self.bindings.get(mod, {}).get(head)
            if bound is not None:
                return bound + path[1:]
        return None

    def resolve(self, path: list[str], seen: int = 0) -> tuple[str, ...]:
        """The module file an absolute path lands in, following imports/re-exports."""
        k = len(path)
        while k > 0 and tuple(path[:k]) not in self.files:
            k -= 1
        mod = tuple(path[:k])
        rest = path[k:]
        if rest and rest[0] != "*" and seen < 16:
            bound = self.bindings.get(mod, {}).get(rest[0])
            if bound is not None and list(bound) != path[: k + 1]:
                return self.resolve(bound + rest[1:], seen + 1)
            for g in self.globs.get(mod, []):
                target = self.resolve(g, seen + 1)
                if target != mod and defines(self.files.get(target), rest[0]):
                    return self.resolve(list(target) + rest, seen + 1)
        return mod

    def edges(self, all_edges: bool) -> dict[tuple[str, ...], dict[tuple[str, ...], list[tuple[Ref, str]]]]:
        out: dict[tuple[str, ...], dict[tuple[str, ...], list[tuple[Ref, str]]]] = {m: {} for m in self.files}
        for mod, info in self.files.items():
            for r in info.refs:
                if r.in_use and r.path == ["self"]:
                    continue
                absolute = self.absolute(mod, r.scope, r.path)
                if absolute is None:
                    continue
                target = self.resolve(absolute)
                if target == mod:
                    continue
                if not all_edges and mod[: len(target)] == target:
                    continue  # up to an ancestor: not counted (see the module doc)
                out[mod].setdefault(target, []).append((r, "::".join(r.path)))
        return out


_ITEM = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:(?:async|unsafe|const|extern\s+\"C\")\s+)*"
                   r"(?:fn|struct|enum|trait|type|const|static|union|mod|macro_rules!)\s+(\w+)", re.M)
_defined_cache: dict[Path, set[str]] = {}


def defines(info: FileInfo | None, name: str) -> bool:
    if info is None:
        return False
    if info.path not in _defined_cache:
        _defined_cache[info.path] = set(_ITEM.findall(info.path.read_text(encoding="utf-8", errors="replace")))
    return name in _defined_cache[info.path]


# ---------------------------------------------------------------------------------------------
# Strongly connected components (Tarjan, iterative)

def sccs(graph: dict[tuple[str, ...], dict[tuple[str, ...], list]]) -> list[list[tuple[str, ...]]]:
    index: dict = {}
    low: dict = {}
    on_stack: set = set()
    stack: list = []
    result: list[list] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in graph:
                    continue
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    advanced = True
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                result.append(sorted(comp))
    return result


def name(mod: tuple[str, ...]) -> str:
    return "::".join(mod) if mod else "crate"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="The rules are in this script's module doc.")
    ap.add_argument("src", type=Path, help="a crate's src/ folder")
    ap.add_argument("--no-tests", action="store_true", help="leave out #[cfg(test)] code")
    ap.add_argument("--all-edges", action="store_true",
                    help="also count edges from a module up to its ancestors")
    ap.add_argument("--edges", action="store_true", help="print the whole graph first")
    args = ap.parse_args()
    if not args.src.is_dir():
        ap.error(f"{args.src} is not a folder")

    crate = Crate(args.src, args.no_tests)
    graph = crate.edges(args.all_edges)
    rel = lambda p: p.relative_to(args.src).as_posix()  # noqa: E731

    if args.edges:
        for mod in sorted(graph):
            for target in sorted(graph[mod]):
                print(f"{name(mod)} -> {name(target)}")
        print()

    cycles = [c for c in sccs(graph) if len(c) > 1]
    cycles.sort(key=lambda c: (-len(c), c))
    for n, comp in enumerate(cycles, 1):
        members = set(comp)
        print(f"cycle {n}: {len(comp)} modules: " + ", ".join(name(m) for m in comp))
        for mod in comp:
            for target in sorted(graph[mod]):
                if target not in members:
                    continue
                refs = graph[mod][target]
                shown = ", ".join(
                    f"{rel(crate.files[mod].path)}:{r.line} {text}{' [test]' if r.test else ''}"
                    for r, text in refs[:4]
                )
                more = f" (+{len(refs) - 4} more)" if len(refs) > 4 else ""
                print(f"  {name(mod)} -> {name(target)}: {shown}{more}")
        print()
    if cycles:
        print(f"{len(cycles)} import cycle(s) in {args.src}")
        return 1
    print(f"no import cycles in {args.src} ({len(graph)} modules)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
