"""A worked example, from a run to a figure.

    python3 docs/example_analysis.py [OUT_DIR]      (in the project's .venv)

1. runs a short dialysis-level scenario with the vcsim binary ($VCSIM_BIN,
   else target/release/vcsim, else target/debug/vcsim, built if needed),
2. opens the run file with vcsim_analysis (xarray for fields, pandas for cells),
3. draws one figure: where the mineral is at the end, how it builds up with
   depth (at the elastic laminae first), and how the mineral volume and the
   osteogenic cells grew over time. In 120 days no voxel reaches the 5%
   mineral of a "calcified" voxel yet, so the figure follows the mineral
   volume itself rather than the calcified fraction (which stays 0).
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def vcsim_binary() -> Path:
    if os.environ.get("VCSIM_BIN"):
        return Path(os.environ["VCSIM_BIN"])
    for profile in ("release", "debug"):
        exe = ROOT / "target" / profile / "vcsim"
        if exe.exists():
            return exe
    subprocess.run(["cargo", "build", "-q", "-p", "vcsim-cli"], cwd=ROOT, check=True)
    return ROOT / "target" / "debug" / "vcsim"


def main(out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    run_file = out_dir / "example.h5"
    exe = vcsim_binary()
    # 1. A third of a year of CKD 5D serum on a small wall.
    subprocess.run(
        [
            str(exe), "run", str(ROOT / "configs" / "ckd5d.toml"), "-o", str(run_file),
            "--set", "simulation.duration_days=120", "--set", "simulation.dt_h=4.0",
            "--set", "geometry.circumference_um=400.0", "--set", "simulation.frame_every_h=480.0",
            "--progress", "none", "--force",
        ],
        check=True,
    )

    # 2. Open it.
    sys.path.insert(0, str(ROOT / "scripts"))
    from vcsim_analysis import open_run

    run = open_run(run_file)
    print(run)
    fields = run.fields_dataset()  # xarray, dims (time_h, y_um, x_um)
    cells = run.cells()  # pandas, one row per cell per frame
    mineral = fields["mineral"]
    profile = mineral.mean("y_um")  # mean over the circumference: (time_h, x_um)
    osteogenic_share = cells.assign(osteo=cells["phenotype_name"] == "osteogenic").groupby("time_h")["osteo"].mean()
    # Mineral as a share of the wall (media + laminae) volume; voxels are dx³.
    wall = sum(int((run.region == code).sum()) for code, name in run.region_names.items() if name in ("media", "lamina"))
    wall_um3 = wall * run.attrs["spacing_um"] ** 3
    days = run.series["time_h"] / 24

    # 3. One figure.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b, c) = plt.subplots(1, 3, figsize=(15, 3.9), layout="constrained")
    mineral.isel(time_h=-1).plot(ax=a, cmap="magma_r", vmin=0.0, cbar_kwargs={"label": "mineral volume fraction"})
    a.set_title(f"hydroxyapatite, day {float(mineral.time_h[-1]) / 24:.0f}")
    a.set_xlabel("depth from lumen (µm)")
    a.set_ylabel("circumference (µm)")
    a.invert_yaxis()
    for t in profile.time_h.values[1:]:
        b.plot(profile.x_um, 100 * profile.sel(time_h=t), label=f"day {t / 24:.0f}")
    laminae = run.coords_um["x_um"][(run.region == 1).any(axis=tuple(range(run.region.ndim - 1)))]
    for x in laminae:
        b.axvline(x, color="0.85", lw=3, zorder=0)
    b.set_xlabel("depth from lumen (µm)")
    b.set_ylabel("mineral, mean over the circumference (%)")
    b.set_title("mineral builds up at the laminae (grey)")
    b.legend(fontsize=7)
    c.plot(days, 100 * run.series["mineral_volume_um3"] / wall_um3, color="k")
    c.set_xlabel("time (days)")
    c.set_ylabel("hydroxyapatite (% of media + laminae volume)")
    c.set_ylim(bottom=0)
    c2 = c.twinx()
    c2.plot(osteogenic_share.index / 24, 100 * osteogenic_share.values, "o-", color="tab:red")
    c2.set_ylabel("osteogenic cells (% of cells)", color="tab:red")
    c2.set_ylim(0, 100)
    c.set_title("mineral volume (black) and osteogenic cells (red)")
    figure = out_dir / "example.png"
    fig.savefig(figure, dpi=90)
    fields.close()
    return figure


if __name__ == "__main__":
    print(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("example-output")))
