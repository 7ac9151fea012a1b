"""Command line: python -m vcsim_analysis report OUT.h5 -o DIR | sweep DIR -o OUT | scaling BENCH.json -o DIR | validation-figures DIR."""

import argparse
import sys
from pathlib import Path

from . import report, scaling, sweep, validation


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vcsim_analysis")
    sub = parser.add_subparsers(dest="command", required=True)
    fig = sub.add_parser("validation-figures", help="draw one PNG per experiment of a vcsim validate directory")
    fig.add_argument("directory")
    sc = sub.add_parser("scaling", help="speedup, efficiency and stage times from vcsim bench --json")
    sc.add_argument("bench_json")
    sc.add_argument("-o", "--output", required=True)
    rep = sub.add_parser("report", help="figures, summary.md and an offline index.html of one run file")
    rep.add_argument("file")
    rep.add_argument("-o", "--output", required=True, help="directory for the PNG figures, summary.md and index.html")
    rep.add_argument("--self-contained", action="store_true", help="embed the figures in index.html")
    swp = sub.add_parser("sweep", help="figures, summary.md and an offline index.html of a pooled sweep (vcsim sweep collect)")
    swp.add_argument("path", help="the sweep directory or its pooled.h5")
    swp.add_argument("-o", "--output", required=True, help="directory for the PNG figures, summary.md and index.html")
    swp.add_argument("--self-contained", action="store_true", help="embed the figures in index.html")
    args = parser.parse_args(argv)
    commands = {
        "scaling": lambda: [scaling.scaling(args.bench_json, args.output)],
        "report": lambda: [report.report(args.file, args.output, args.self_contained), Path(args.output) / "index.html"],
        "sweep": lambda: sweep.sweep_report(args.path, args.output, args.self_contained),
        "validation-figures": lambda: validation.figures(args.directory),
    }
    try:
        written = commands[args.command]()
    except ModuleNotFoundError as e:
        if e.name != "matplotlib":
            raise
        print("error: the figures need matplotlib: pip install './scripts[plot]' (scripts/setup-debian.sh installs it in .venv)", file=sys.stderr)
        return 1
    except (OSError, ValueError, KeyError) as e:
        # One clear line for a missing or malformed input file.
        print(f"error: {e}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0

if __name__ == "__main__":
    sys.exit(main())
