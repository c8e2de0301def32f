#!/usr/bin/python3
"""Replaces the text between <!-- NAME:begin --> and <!-- NAME:end --> in DOC with the contents of TABLE
(the bench scripts' --write). A DOC without both markers is an error (exit 1); DOC is replaced whole.

    bench/replace_section.py DOC NAME TABLE
"""
import os
import sys


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    doc, name, table_path = argv
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    text = open(doc).read()
    if begin not in text or end not in text:
        print(f"replace_section.py: no {begin} ... {end} markers in {doc}", file=sys.stderr)
        return 1
    i, j = text.index(begin) + len(begin), text.index(end)
    tmp = doc + ".tmp"
    with open(tmp, "w") as f:
        f.write(text[:i] + "\n" + open(table_path).read() + text[j:])
    os.replace(tmp, doc)
    print(f"wrote the table into {doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
