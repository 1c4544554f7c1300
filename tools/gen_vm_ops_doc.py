#!/usr/bin/env python3
"""Prints the Markdown tables of wf's instruction set, generated from bytecode/opcodes.def.

docs/vm.md holds this output between `<!-- ops:begin -->` and `<!-- ops:end -->`; a unit test
(tests/unit/vm_doc_test.cpp) fails when the two differ, so the document cannot drift from the
table. With --update the script rewrites that part of docs/vm.md itself.
"""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
OPCODES = ROOT / "bytecode" / "opcodes.def"
DOC = ROOT / "docs" / "vm.md"
BEGIN, END = "<!-- ops:begin -->", "<!-- ops:end -->"

OP_LINE = re.compile(r'^WF_OP\(\s*(\w+)\s*,\s*(\w+)\s*,\s*(\w+)\s*,\s*(\w+)\s*,\s*(\w+)\s*,\s*"(.*)"\s*\)\s*$')


def escape(text):
    """Escapes Markdown emphasis and table pipes outside `code spans`."""
    parts = text.split("`")
    for i in range(0, len(parts), 2):  # the even parts are outside code spans
        parts[i] = re.sub(r"([*_|\\])", r"\\\1", parts[i])
    return "`".join(parts)


def operand(kind):
    return "" if kind == "_" else kind


def groups(lines):
    """Yields (heading, [ops]) in file order. A heading is a comment line right before an op."""
    result = []
    for i, line in enumerate(lines):
        line = line.strip()
        match = OP_LINE.match(line)
        if match:
            if not result:
                result.append(("Instructions", []))
            result[-1][1].append(match.groups())
        elif line.startswith("//") and i + 1 < len(lines) and OP_LINE.match(lines[i + 1].strip()):
            result.append((line[2:].strip(), []))
        elif line.startswith("WF_OP"):
            raise SystemExit(f"{OPCODES}:{i + 1}: cannot read this WF_OP line")
    return result


def render(lines):
    out = []
    for heading, ops in groups(lines):
        title, _, note = heading.partition(":")
        out.append(f"#### {title.strip()}")
        out.append("")
        if note.strip():
            note = note.strip()
            out.append(escape(note[0].upper() + note[1:] + ("" if note.endswith(".") else ".")))
            out.append("")
        out.append("| op | A | B | C | X | effect |")
        out.append("|---|---|---|---|---|---|")
        for name, a, b, c, x, meaning in ops:
            cells = [f"`{name}`", operand(a), operand(b), operand(c), operand(x), escape(meaning)]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv):
    text = render(OPCODES.read_text(encoding="utf-8").splitlines())
    if argv[1:] == ["--update"]:
        doc = DOC.read_text(encoding="utf-8")
        begin, end = doc.index(BEGIN) + len(BEGIN), doc.index(END)
        DOC.write_text(doc[:begin] + "\n" + text + doc[end:], encoding="utf-8")
    elif argv[1:]:
        raise SystemExit("usage: gen_vm_ops_doc.py [--update]")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv)
