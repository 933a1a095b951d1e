"""`python -m workflow.deadlines "每月月底前集中报送一次"` or `--file F` (one phrase a line).

Prints one JSON object per phrase: {"text": …, "rules": […]}. Exit 0 whenever the input
could be read (rules may be []), 2 when it could not (no argument, missing file).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from workflow.deadlines.parser import parse_with_text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workflow.deadlines", description=__doc__)
    parser.add_argument("phrase", nargs="?", help="one 时限要求 phrase")
    parser.add_argument("--file", help="read one phrase per line (UTF-8)")
    args = parser.parse_args(argv)
    if (args.phrase is None) == (args.file is None):
        parser.print_usage(sys.stderr)
        print("give either one phrase or --file F", file=sys.stderr)
        return 2
    if args.file is None:
        phrases = [args.phrase]
    else:
        try:
            with open(args.file, encoding="utf-8", errors="replace") as handle:
                phrases = [line.rstrip("\r\n") for line in handle]
        except OSError as exc:
            print(f"cannot read {args.file}: {exc.strerror}", file=sys.stderr)
            return 2
    out = sys.stdout
    for phrase in phrases:
        out.write(json.dumps(parse_with_text(phrase), ensure_ascii=False) + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
