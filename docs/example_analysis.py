"""A worked example, from a run to a figure.

    python3 docs/example_analysis.py [OUT_DIR]

1. runs a short dialysis-level scenario with the vcsim binary (built if needed),
2. opens the run file with vcsim_analysis (xarray for fields, pandas for cells),
3. draws one figure: where the mineral is at the end, and how the calcified
   fraction and the osteogenic cells grew over time.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    run_file = out_dir / "example.h5"
    exe = ROOT / "target" / "debug" / "vcsim"
    if not exe.exists():
        subprocess.run(["cargo", "build", "-q", "-p", "vcsim-cli"], cwd=ROOT, check=True)
    # 1. A quarter of a year of CKD 5D serum on a small wall.
    subprocess.run(
        [
            str(exe), "run", str(ROOT / "configs" / "ckd5d.toml"), "-o", str(run_file),
            "--set", "simulation.duration_days=120", "--set", "simulation.dt_h=4.0",
            "--set", "geometry.circumference_um=400.0", "--set", "simulation.frame_every_h=480.0",
            "--progress", "none",
        ],
        check=True,
    )

    # 2. Open it.
    sys.path.insert(0, str(ROOT / "scripts"))
    from vcsim_analysis import open_run

    run = open_run(run_file)
    fields = run.fields_dataset()  # xarray, dims (time_h, y_um, x_um)
    cells = run.cells()  # pandas, one row per cell per frame
    last = fields["mineral"].isel(time_h=-1)
    osteogenic_share = (
        cells.assign(osteo=cells["phenotype_name"] == "osteogenic").groupby("time_h")["osteo"].mean()
    )

    # 3. One figure.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.6))
    last.plot(ax=a, cmap="magma")  # named axes in µm come from the file
    a.set_title("mineral volume fraction, last frame")
    days = run.series["time_h"] / 24
    b.plot(days, 100 * run.series["calcified_fraction"], label="calcified media + laminae (%)")
    b.plot(osteogenic_share.index / 24, 100 * osteogenic_share.values, "o-", label="osteogenic cells (%)")
    b.set_xlabel("day")
    b.legend()
    fig.tight_layout()
    figure = out_dir / "example.png"
    fig.savefig(figure, dpi=80)
    fields.close()
    return figure


if __name__ == "__main__":
    print(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("example-output")))
