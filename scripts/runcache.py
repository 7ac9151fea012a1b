"""Reusing the runs of a study: a run file kept from an earlier call is reused
only when it reached the end of the run and was made with the configuration
asked for. A file made before a default changed (or with other settings) is
made again, so a study never mixes runs of two versions of the model's
parameters. (A change of the model's code that keeps every parameter is not
seen: the studies take --fresh for that.)"""

import os
import subprocess
import sys

import h5py


def resolved(binary, case, sets):
    """The fully resolved configuration `vcsim check` gives for `case` with the
    `--set` arguments `sets` (its leading comment lines dropped), as a run
    file records it in its `config` attribute."""
    out = subprocess.run([str(binary), "check", case, *sets], check=True,
                         capture_output=True, text=True).stdout
    lines = out.splitlines(keepends=True)
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "".join(lines)


def reusable(path, binary, case, sets, days):
    """Whether the run file at `path` exists, reached day `days` and was made
    with the configuration of `case` with `sets`."""
    if not os.path.exists(path):
        return False
    try:
        with h5py.File(path, "r") as h:
            config = h.attrs["config"]
            end_h = float(h["timeseries"]["time_h"][-1])
    except (OSError, KeyError, IndexError):
        return False
    if isinstance(config, bytes):
        config = config.decode()
    return end_h >= days * 24 - 1e-6 and config == resolved(binary, case, sets)


def ensure(binary, case, path, sets, days, fresh=False, extra=()):
    """The run file at `path` of `case` with the `--set` arguments `sets`,
    made (with `extra` arguments, e.g. a thread count) unless a reusable one
    is kept or `fresh` asks to run again."""
    if not fresh and reusable(path, binary, case, sets, days):
        return path
    if os.path.exists(path) and not fresh:
        print(f"{os.path.basename(path)}: unfinished or made with another configuration; running it again",
              file=sys.stderr)
    subprocess.run([str(binary), "run", case, "-o", str(path), "--force", "--progress", "none", *extra, *sets],
                   check=True, stdout=subprocess.DEVNULL)
    return path
