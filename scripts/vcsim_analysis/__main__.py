"""Command line: python -m vcsim_analysis report OUT.h5 -o DIR | validation-figures DIR."""

import argparse
import sys

from . import report, scaling, validation


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vcsim_analysis")
    sub = parser.add_subparsers(dest="command", required=True)
    fig = sub.add_parser("validation-figures", help="draw one PNG per experiment of a vcsim validate directory")
    fig.add_argument("directory")
    sc = sub.add_parser("scaling", help="speedup, efficiency and stage times from vcsim bench --json")
    sc.add_argument("bench_json")
    sc.add_argument("-o", "--output", required=True)
    rep = sub.add_parser("report", help="draw the standard figures and a summary of one run file")
    rep.add_argument("file")
    rep.add_argument("-o", "--output", required=True, help="directory for the PNG figures and summary.md")
    args = parser.parse_args(argv)
    if args.command == "scaling":
        try:
            print(scaling.scaling(args.bench_json, args.output))
        except (OSError, ValueError, KeyError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        return 0
    if args.command == "report":
        try:
            print(report.report(args.file, args.output))
        except (OSError, ValueError, KeyError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        return 0
    if args.command == "validation-figures":
        try:
            paths = validation.figures(args.directory)
        except (OSError, ValueError, KeyError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        for p in paths:
            print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
