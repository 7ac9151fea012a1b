"""The figure of docs/imaging.md: the clinical reading of the final frame of a 2D run.

A small Python mirror of `crates/vcsim-rules/src/imaging.rs` (2D patches
only: a 2D patch reads the same at every axial position, so every full slice
is the same image). The Rust code is the reference; `--selfcheck` compares
this mirror with the numbers its tests assert.

    python3 scripts/imaging_figure.py RUN.h5 docs/imaging_ckd5d.png
    python3 scripts/imaging_figure.py --selfcheck
"""

import math
import sys
import tomllib

import numpy as np

HA_MG_PER_CM3 = 3160.0
DEFAULTS = dict(
    vessel_diameter_mm=3.7,
    segment_length_mm=120.0,
    pixel_mm=0.45,
    slice_mm=3.0,
    c_ha_mg_per_cm3_per_hu=0.77,
    baseline_hu=40.0,
    threshold_hu=130.0,
    min_lesion_area_mm2=1.0,
)
LAMINA, MEDIA = 1, 2


def full_slice(mineral, region, dx_um, p):
    """Excess HU of one full slice of the segment (2D patch: all the same)."""
    ny, nx = mineral.shape
    wall = (region == LAMINA) | (region == MEDIA)
    cols = np.nonzero(wall.any(axis=0))[0]
    dx = dx_um * 1e-3
    pix, h = p["pixel_mm"], p["slice_mm"]
    r_lumen = 0.5 * p["vessel_diameter_mm"]
    n = 2 * (math.ceil((r_lumen + nx * dx) / pix + 0.5) + 1) + 1
    img = np.zeros((n, n))
    if cols.size == 0:
        return img
    lo, hi = cols.min(), cols.max() + 1
    r_mid = r_lumen + 0.5 * (lo + hi) * dx
    circ = 2 * math.pi * r_mid
    fine = pix / 32
    n_theta = math.ceil(circ / min(dx, fine))
    arc = circ / n_theta
    n_r = max(1, math.ceil(dx / fine))
    dr = dx / n_r
    s = (np.arange(n_theta) + 0.5) * arc
    iy = np.minimum(((s % (ny * dx)) / dx).astype(int), ny - 1)
    theta = s / r_mid
    radii = (r_lumen + np.arange(lo, hi)[:, None] * dx + (np.arange(n_r)[None, :] + 0.5) * dr).ravel()
    phi = np.repeat(np.where(wall, mineral, 0.0)[iy][:, lo:hi], n_r, axis=1)
    vol = phi * radii[None, :] * (arc / r_mid) * dr * h  # mm³ of mineral per sample
    col = (np.floor(radii[None, :] * np.cos(theta)[:, None] / pix + 0.5) + n // 2).astype(int)
    row = (np.floor(radii[None, :] * np.sin(theta)[:, None] / pix + 0.5) + n // 2).astype(int)
    np.add.at(img, (row.ravel(), col.ravel()), vol.ravel())
    return img * HA_MG_PER_CM3 / (pix * pix * h * p["c_ha_mg_per_cm3_per_hu"])


def lesions(hu, threshold):
    """8-connected components of pixels ≥ threshold: lists of (row, col)."""
    n = hu.shape[0]
    seen = np.zeros_like(hu, dtype=bool)
    out = []
    for r0, c0 in zip(*np.nonzero(hu >= threshold)):
        if seen[r0, c0]:
            continue
        seen[r0, c0] = True
        stack, comp = [(r0, c0)], []
        while stack:
            r, c = stack.pop()
            comp.append((r, c))
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    rr, cc = r + dr, c + dc
                    if 0 <= rr < n and 0 <= cc < n and not seen[rr, cc] and hu[rr, cc] >= threshold:
                        seen[rr, cc] = True
                        stack.append((rr, cc))
        out.append(comp)
    return out


def reading(mineral, region, dx_um, p=DEFAULTS):
    """Agatston, volume, mass, detectable and peak HU of the segment."""
    excess = full_slice(mineral, region, dx_um, p)
    length, h = p["segment_length_mm"], p["slice_mm"]
    n_slices = max(1, math.ceil(length / h - 1e-9))
    fills = [min(h, length - k * h) / h for k in range(n_slices)]
    area_px = p["pixel_mm"] ** 2
    voxel = area_px * h
    agatston = volume = mass = 0.0
    for f in fills:
        hu = p["baseline_hu"] + f * excess
        for comp in lesions(hu, p["threshold_hu"]):
            area = len(comp) * area_px
            if area >= p["min_lesion_area_mm2"] * (1 - 1e-12):
                values = np.array([hu[rc] for rc in comp])
                peak = values.max()
                agatston += area * (1 + sum(peak >= b for b in (200, 300, 400)))
                volume += len(comp) * voxel
                mass += p["c_ha_mg_per_cm3_per_hu"] * values.sum() * voxel * 1e-3
    return dict(
        agatston=agatston,
        volume_mm3=volume,
        mass_mg=mass,
        detectable=float(agatston > 0),
        peak_hu=p["baseline_hu"] + excess.max(),
        image_hu=p["baseline_hu"] + excess,
    )


def ckd5d_wall(phi):
    """The ckd5d wall (dx 5 µm): endothelium 1, 10 × (lamina 1 + media 4), lamina 1, adventitia 6."""
    radial = [0] + [LAMINA, MEDIA, MEDIA, MEDIA, MEDIA] * 10 + [LAMINA] + [3] * 6
    region = np.tile(np.array(radial, dtype=np.uint8), (400, 1))
    wall = (region == LAMINA) | (region == MEDIA)
    return np.where(wall, phi, 0.0), region


def selfcheck():
    for phi, want in [(0.01, 0.0), (0.05, 162.0), (0.1, 388.8), (0.2, 1166.4)]:
        m, r = ckd5d_wall(phi)
        got = reading(m, r, 5.0)["agatston"]
        assert abs(got - want) < 1e-6, (phi, got, want)
    print("mirror agrees with imaging.rs (uniform 1/5/10/20% on the ckd5d wall: 0/162/388.8/1166.4 AU)")


def figure(run, out):
    import h5py
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with h5py.File(run, "r") as f:
        cfg = tomllib.loads(f.attrs["config"])
        dx = float(f.attrs["spacing_um"])
        mineral = np.asarray(f["fields/mineral"][-1], dtype=float)
        region = np.asarray(f["grid/region"])
        t_h = float(np.asarray(f["fields/time_h"])[-1]) if "time_h" in f["fields"] else float("nan")
    p = dict(DEFAULTS)
    p.update({k: float(v) for k, v in cfg.get("imaging", {}).items()})
    wall = (region == LAMINA) | (region == MEDIA)
    base = reading(mineral, region, dx, p)
    scales = np.linspace(0.25, 8.0, 32)
    curve = [reading(np.minimum(mineral * k, 1.0), region, dx, p) for k in scales]
    mean = [np.minimum(mineral * k, 1.0)[wall].mean() for k in scales]

    fig, ax = plt.subplots(1, 3, figsize=(14, 4.2))
    ny, nx = mineral.shape
    im = ax[0].imshow(mineral.T, origin="lower", aspect="auto", cmap="magma",
                      extent=[0, ny * dx / 1000, 0, nx * dx])
    ax[0].set(xlabel="circumference (mm)", ylabel="depth from lumen (µm)",
              title=f"simulated wall, final frame (t = {t_h / 24:.0f} d)\nmean wall fraction {mineral[wall].mean():.2e}")
    fig.colorbar(im, ax=ax[0], label="HA volume fraction")
    n = base["image_hu"].shape[0]
    half = n // 2 * p["pixel_mm"]
    ext = [-half - p["pixel_mm"] / 2, half + p["pixel_mm"] / 2] * 2
    im = ax[1].imshow(base["image_hu"], origin="lower", cmap="gray", extent=ext)
    ax[1].contour(base["image_hu"] >= p["threshold_hu"], levels=[0.5], colors="red", extent=ext, origin="lower")
    ax[1].set(xlabel="mm", ylabel="mm",
              title=f"synthetic CT slice ({p['vessel_diameter_mm']} mm vessel)\npeak {base['peak_hu']:.0f} HU, Agatston {base['agatston']:.0f}")
    fig.colorbar(im, ax=ax[1], label="HU")
    ax[2].plot(100 * np.array(mean), [c["agatston"] for c in curve], "o-", ms=3)
    ax[2].axvline(100 * mineral[wall].mean(), color="gray", ls="--", label="this run")
    ax[2].set(xlabel="mean wall mineral fraction, % (the run's pattern × k)", ylabel="Agatston (AU)",
              title=f"{p['segment_length_mm']:.0f} mm segment, {p['slice_mm']} mm slices")
    ax[2].legend()
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(f"{out}: mean wall fraction {mineral[wall].mean():.3e}, peak {base['peak_hu']:.1f} HU, "
          f"Agatston {base['agatston']:.1f}, detectable {base['detectable']:.0f}")
    first = next((m for m, c in zip(mean, curve) if c["detectable"]), None)
    print(f"the run's pattern becomes detectable at a mean wall fraction of {first}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--selfcheck"]:
        selfcheck()
    else:
        figure(sys.argv[1], sys.argv[2])
