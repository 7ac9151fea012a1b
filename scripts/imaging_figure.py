"""The figure of docs/imaging.md: the clinical reading of the final frame of a 2D run.

A small Python mirror of `crates/vcsim-rules/src/imaging.rs` (2D patches
only: a 2D patch reads the same at every axial position, so a slice is the
sum of its sites' images at factor 1, each times its factor and the length
of the slice it covers). The Rust code is the reference; `--selfcheck`
compares this mirror with the numbers its tests assert (the site factors are
drawn from the same Philox streams, so the mirror reads the same sites).

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
    site_length_mm=3.0,
    site_arc_mm=1.5,
    site_cv=3.5,
    site_onset_spread_days=2190.0,
    history_every_days=30.0,
)
LAMINA, MEDIA = 1, 2
IMAGING_SITE = 21  # crates/vcsim-rules/src/purpose.rs
IMAGING_ONSET = 22
M32 = 0xFFFFFFFF


def philox(ctr, key):
    """Philox4x32-10 (crates/vcsim-core/src/rng.rs)."""
    c, k = list(ctr), list(key)
    for rnd in range(10):
        if rnd:
            k = [(k[0] + 0x9E3779B9) & M32, (k[1] + 0xBB67AE85) & M32]
        p0, p1 = 0xD2511F53 * c[0], 0xCD9E8D57 * c[2]
        c = [((p1 >> 32) ^ c[1] ^ k[0]) & M32, p1 & M32, ((p0 >> 32) ^ c[3] ^ k[1]) & M32, p0 & M32]
    return c


def stream_uniforms(seed, step, ident, purpose, n):
    """The first `n` uniforms of `Stream::new(seed, step, ident, purpose)`."""
    w1 = purpose | (((step >> 32) & 0xFF) << 16) | (((ident >> 32) & 0xFF) << 24)
    key = [seed & M32, (seed >> 32) & M32]
    words = []
    block = 0
    while len(words) < 2 * n:
        words += philox([block, w1, step & M32, ident & M32], key)
        block += 1
    return [(((words[2 * i] >> 5) << 26) | (words[2 * i + 1] >> 6)) * 2.0**-53 for i in range(n)]


def site_factors(p, circumference_mm, seed):
    """`Sites::draw`: (site length, n_axial, n_arc, factors[j][i])."""
    length = p["segment_length_mm"]
    if p["site_cv"] <= 0:
        return length, 1, 1, np.ones((1, 1))
    ls = p["site_length_mm"]
    n_axial = max(1, math.ceil(length / ls - 1e-9))
    n_arc = max(1, int(np.floor(circumference_mm / p["site_arc_mm"] + 0.5)))
    s2 = math.log(1 + p["site_cv"] ** 2)
    mu, sigma = -0.5 * s2, math.sqrt(s2)
    f = np.empty((n_axial, n_arc))
    lens = np.array([min((j + 1) * ls, length) - j * ls for j in range(n_axial)])
    for j in range(n_axial):
        for i in range(n_arc):
            u1, u2 = stream_uniforms(seed, j, i, IMAGING_SITE, 2)
            z = math.sqrt(-2 * math.log(1 - u1)) * math.cos(2 * math.pi * u2)
            f[j, i] = math.exp(mu + sigma * z)
    f /= (f * lens[:, None]).sum() / (lens.sum() * n_arc)
    return ls, n_axial, n_arc, f


def site_images(mineral, region, dx_um, p, n_arc):
    """Excess HU per mm of segment of each of `n_arc` arc sites at factor 1
    (2D patch), the image size and the mid-wall circumference (mm)."""
    ny, nx = mineral.shape
    wall = (region == LAMINA) | (region == MEDIA)
    cols = np.nonzero(wall.any(axis=0))[0]
    dx = dx_um * 1e-3
    pix = p["pixel_mm"]
    r_lumen = 0.5 * p["vessel_diameter_mm"]
    n = 2 * (math.ceil((r_lumen + nx * dx) / pix + 0.5) + 1) + 1
    if cols.size == 0:
        return [np.zeros((n, n))], n, 0.0
    lo, hi = cols.min(), cols.max() + 1
    r_mid = r_lumen + 0.5 * (lo + hi) * dx
    circ = 2 * math.pi * r_mid
    fine = pix / 32
    per_site = -(-math.ceil(circ / min(dx, fine)) // n_arc)
    n_theta = per_site * n_arc
    arc = circ / n_theta
    n_r = max(1, math.ceil(dx / fine))
    dr = dx / n_r
    s = (np.arange(n_theta) + 0.5) * arc
    iy = np.minimum(((s % (ny * dx)) / dx).astype(int), ny - 1)
    theta = s / r_mid
    radii = (r_lumen + np.arange(lo, hi)[:, None] * dx + (np.arange(n_r)[None, :] + 0.5) * dr).ravel()
    phi = np.repeat(np.where(wall, mineral, 0.0)[iy][:, lo:hi], n_r, axis=1)
    vol = phi * radii[None, :] * (arc / r_mid) * dr  # mm³ of mineral per sample and mm
    col = (np.floor(radii[None, :] * np.cos(theta)[:, None] / pix + 0.5) + n // 2).astype(int)
    row = (np.floor(radii[None, :] * np.sin(theta)[:, None] / pix + 0.5) + n // 2).astype(int)
    scale = HA_MG_PER_CM3 / (pix * pix * p["slice_mm"] * p["c_ha_mg_per_cm3_per_hu"])
    images = []
    for i in range(n_arc):
        k = slice(i * per_site, (i + 1) * per_site)
        img = np.zeros((n, n))
        np.add.at(img, (row[k].ravel(), col[k].ravel()), vol[k].ravel())
        images.append(img * scale)
    return images, n, circ


def wall_moments(mineral, region, dx_um, p):
    """(Σ φ × radius, Σ radius) over the wall voxels: the wall's mineral and
    volume on the cylinder, up to the same constant."""
    wall = (region == LAMINA) | (region == MEDIA)
    nx = mineral.shape[1]
    r = 0.5 * p["vessel_diameter_mm"] + (np.arange(nx) + 0.5) * dx_um * 1e-3
    w = np.where(wall, r[None, :], 0.0)
    return (np.where(wall, mineral, 0.0) * w).sum(), w.sum()


def full_factor(mineral, region, dx_um, p):
    """1/φ̄: the factor that fills a site's wall (φ̄ weighted by radius)."""
    m, w = wall_moments(mineral, region, dx_um, p)
    return w / m if m > 0 else math.inf


def mid_wall_circumference(region, dx_um, p):
    """Circumference at mid-wall on the vessel of `p`, mm (None without wall)."""
    cols = np.nonzero(((region == LAMINA) | (region == MEDIA)).any(axis=0))[0]
    if cols.size == 0:
        return None
    return 2 * math.pi * (0.5 * p["vessel_diameter_mm"] + 0.5 * (cols.min() + cols.max() + 1) * dx_um * 1e-3)


def excess_slices(mineral, region, dx_um, p, seed=1):
    """Excess HU of every slice of the segment (2D patch) with the sites of `seed`."""
    length, h = p["segment_length_mm"], p["slice_mm"]
    n_slices = max(1, math.ceil(length / h - 1e-9))
    circ = mid_wall_circumference(region, dx_um, p)
    if circ is None:
        n = site_images(mineral, region, dx_um, p, 1)[1]
        return [np.zeros((n, n)) for _ in range(n_slices)]
    ls, n_axial, n_arc, f = site_factors(p, circ, seed)
    images, n, _ = site_images(mineral, region, dx_um, p, n_arc)
    full = full_factor(mineral, region, dx_um, p)
    return slices_from_sites(p, ls, n_axial, n_arc, n, lambda j, i: (min(f[j, i], full), images[i]))


def slices_from_sites(p, ls, n_axial, n_arc, n, site):
    """Excess HU of every slice: each site (j, i) adds `weight × image` per mm
    of its length inside the slice, `site(j, i)` giving (weight, image) or
    None for a site that holds nothing."""
    length, h = p["segment_length_mm"], p["slice_mm"]
    n_slices = max(1, math.ceil(length / h - 1e-9))
    out = []
    for k in range(n_slices):
        z0, z1 = k * h, min((k + 1) * h, length)
        img = np.zeros((n, n))
        for j in range(min(int(z0 / ls), n_axial - 1), n_axial):
            za = max(z0, j * ls)
            if za >= z1:
                break
            zb = z1 if j + 1 == n_axial else min(z1, (j + 1) * ls)
            if zb > za:
                for i in range(n_arc):
                    wi = site(j, i)
                    if wi is not None:
                        img += (zb - za) * wi[0] * wi[1]
        out.append(img)
    return out


def onset_delays(p, n_axial, n_arc, seed):
    """`onset_delay_h` / 24: each site's onset delay, days, uniform over
    [0, site_onset_spread_days] from the site's own stream."""
    d = np.empty((n_axial, n_arc))
    for j in range(n_axial):
        for i in range(n_arc):
            d[j, i] = p["site_onset_spread_days"] * stream_uniforms(seed, j, i, IMAGING_ONSET, 1)[0]
    return d


def frames_on_history(days, p):
    """Whether a run's frame days are the readout's past states: every
    `history_every_days` from day 0, and a last frame (the run's end) at
    most one interval after the one before it. Then `History` reads what
    imaging.rs read at every frame."""
    d = np.diff(np.asarray(days, float))
    every = p["history_every_days"]
    return len(days) > 0 and days[0] == 0 and np.allclose(d[:-1], every) and (d.size == 0 or 0 < d[-1] <= every + 1e-9)


class History:
    """The wall's states at `days` (e.g. a run's mineral frames) with their
    site images, computed once: what imaging.rs's `History` keeps when the
    frames fall on its interval (`history_every_days`) from day 0."""

    def __init__(self, days, mineral, region, dx_um, p):
        self.days, self.mineral, self.region, self.dx, self.p = np.asarray(days, float), mineral, region, dx_um, p
        self.circumference = mid_wall_circumference(region, dx_um, p)
        # The arcs do not depend on the seed (one arc when site_cv is 0).
        self.n_arc = site_factors(p, self.circumference, 1)[2]
        self._cache = {}

    def images(self, k):
        """(site images at factor 1, image size, Σ mineral × radius, Σ radius) of state k."""
        if k not in self._cache:
            im, n, _ = site_images(self.mineral[k], self.region, self.dx, self.p, self.n_arc)
            self._cache[k] = (im, n, *wall_moments(self.mineral[k], self.region, self.dx, self.p))
        return self._cache[k]

    def sources(self, k, delay_days):
        """`History::sources` at state k: [(state, coefficient)], the wall at
        days[k] − delay, linear between the states around it."""
        t, src = self.days, self.days[k] - delay_days
        if src >= t[k]:
            return [(k, 1.0)]
        if src <= t[0]:
            return [(0, 1.0)]
        a = int(np.searchsorted(t, src, side="right")) - 1
        w = (src - t[a]) / (t[a + 1] - t[a])
        return [(a, 1.0 - w), (a + 1, w)]

    def slices(self, k, seed, delays=None):
        """Excess HU of every slice at state k with the sites of `seed`, each
        site showing the wall its delay earlier (`delays` in days, default
        the readout's own: `onset_delays`)."""
        ls, n_axial, n_arc, f = site_factors(self.p, self.circumference, seed)
        assert n_arc == self.n_arc
        if delays is None:
            delays = onset_delays(self.p, n_axial, n_arc, seed)
        n = self.images(0)[1]

        def site(j, i):
            src = [(self.images(s), c) for s, c in self.sources(k, delays[j, i]) if c != 0.0]
            m = sum(c * im[2] for im, c in src)
            full = src[0][0][3] / m if m > 0 else math.inf
            return min(f[j, i], full), sum(c * im[0][i] for im, c in src)

        return slices_from_sites(self.p, ls, n_axial, n_arc, n, site)

    def reading(self, k, seed, delays=None):
        """Agatston (AU), volume (mm³) and mass (mg) at state k."""
        return scores(self.slices(k, seed, delays), self.p)


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


def scores(slices, p):
    """Agatston (AU), volume (mm³) and mass (mg) of the slices' excess HU."""
    area_px = p["pixel_mm"] ** 2
    voxel = area_px * p["slice_mm"]
    agatston = volume = mass = 0.0
    for excess in slices:
        hu = p["baseline_hu"] + excess
        for comp in lesions(hu, p["threshold_hu"]):
            area = len(comp) * area_px
            if area >= p["min_lesion_area_mm2"] * (1 - 1e-12):
                values = np.array([hu[rc] for rc in comp])
                peak = values.max()
                agatston += area * (1 + sum(peak >= b for b in (200, 300, 400)))
                volume += len(comp) * voxel
                mass += p["c_ha_mg_per_cm3_per_hu"] * values.sum() * voxel * 1e-3
    return agatston, volume, mass


def reading(mineral, region, dx_um, p=DEFAULTS, seed=1):
    """Agatston, volume, mass, detectable and peak HU of the segment (every
    site showing `mineral`: no onset delays), and the image of its brightest
    slice."""
    return reading_of(excess_slices(mineral, region, dx_um, p, seed), p)


def reading_of(slices, p):
    """`reading` of the excess-HU slices of a segment."""
    agatston, volume, mass = scores(slices, p)
    brightest = max(range(len(slices)), key=lambda k: slices[k].max())
    return dict(
        agatston=agatston,
        volume_mm3=volume,
        mass_mg=mass,
        detectable=float(agatston > 0),
        peak_hu=p["baseline_hu"] + slices[brightest].max(),
        image_hu=p["baseline_hu"] + slices[brightest],
        slice=brightest,
        n_slices=len(slices),
    )


def ckd5d_wall(phi):
    """The ckd5d wall (dx 5 µm): endothelium 1, 10 × (lamina 1 + media 4), lamina 1, adventitia 6."""
    radial = [0] + [LAMINA, MEDIA, MEDIA, MEDIA, MEDIA] * 10 + [LAMINA] + [3] * 6
    region = np.tile(np.array(radial, dtype=np.uint8), (400, 1))
    wall = (region == LAMINA) | (region == MEDIA)
    return np.where(wall, phi, 0.0), region


def selfcheck():
    tiled = dict(DEFAULTS, site_cv=0.0)
    for phi, want in [(0.01, 0.0), (0.05, 162.0), (0.1, 388.8), (0.2, 1166.4)]:
        m, r = ckd5d_wall(phi)
        got = reading(m, r, 5.0, tiled)["agatston"]
        assert abs(got - want) < 1e-6, (phi, got, want)
    spread1 = dict(DEFAULTS, site_cv=1.0)
    for phi, want in [(0.01, 0.0), (0.02, 3.65), (0.05, 190.96), (0.1, 618.43), (0.2, 1004.80)]:
        m, r = ckd5d_wall(phi)
        got = reading(m, r, 5.0, spread1)["agatston"]
        assert abs(got - want) < 0.01, (phi, got, want)
    print("mirror agrees with imaging.rs (uniform 1/5/10/20% on the ckd5d wall: tiled 0/162/388.8/1166.4 AU; "
          "1/2/5/10/20% with sites of spread 1, seed 1: 0/3.65/190.96/618.43/1004.80 AU)")


def figure(run, out):
    import h5py
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with h5py.File(run, "r") as f:
        cfg = tomllib.loads(f.attrs["config"])
        dx = float(f.attrs["spacing_um"])
        frames = [np.asarray(m, dtype=float) for m in f["fields/mineral"]]
        region = np.asarray(f["grid/region"])
        days = np.asarray(f["fields/time_h"]) / 24.0
    mineral, t_h = frames[-1], days[-1] * 24.0
    p = dict(DEFAULTS)
    p.update({k: float(v) for k, v in cfg.get("imaging", {}).items()})
    seed = int(cfg.get("simulation", {}).get("seed", 1))
    tiled = dict(p, site_cv=0.0)
    wall = (region == LAMINA) | (region == MEDIA)
    # The model's reading: with onset delays, each site shows an earlier
    # frame (the frames must fall on the history's interval, from day 0).
    if p["site_onset_spread_days"] > 0 and frames_on_history(days, p):
        base = reading_of(History(days, frames, region, dx, p).slices(len(days) - 1, seed), p)
    elif p["site_onset_spread_days"] > 0:
        sys.exit(f"imaging_figure: {run}: with delayed sites the frames must be every "
                 f"{p['history_every_days']:g} days (simulation.frame_every_h = {24 * p['history_every_days']:g})")
    else:
        base = reading(mineral, region, dx, p, seed)
    scales = np.linspace(0.25, 8.0, 32)
    curve = [reading(np.minimum(mineral * k, 1.0), region, dx, p, seed) for k in scales]
    curve_tiled = [reading(np.minimum(mineral * k, 1.0), region, dx, tiled) for k in scales]
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
    if (base["image_hu"] >= p["threshold_hu"]).any():
        ax[1].contour(base["image_hu"] >= p["threshold_hu"], levels=[0.5], colors="red", extent=ext, origin="lower")
    ax[1].set(xlabel="mm", ylabel="mm",
              title=f"brightest CT slice ({base['slice'] + 1} of {base['n_slices']}, {p['vessel_diameter_mm']} mm vessel)\n"
                    f"peak {base['peak_hu']:.0f} HU; segment: Agatston {base['agatston']:.0f}, volume {base['volume_mm3']:.0f} mm³")
    fig.colorbar(im, ax=ax[1], label="HU")
    ax[2].plot(100 * np.array(mean), [c["agatston"] for c in curve], "o-", ms=3, label="Agatston (AU)")
    ax[2].plot(100 * np.array(mean), [c["volume_mm3"] for c in curve], "s-", ms=3, label="volume score (mm³)")
    ax[2].plot(100 * np.array(mean), [c["agatston"] for c in curve_tiled], ":", color="C0", label="Agatston, tiled (site_cv 0)")
    ax[2].plot(100 * np.array(mean), [c["volume_mm3"] for c in curve_tiled], ":", color="C1", label="volume, tiled")
    ax[2].axvline(100 * mineral[wall].mean(), color="gray", ls="--", label="this run")
    ax[2].set(xlabel="mean wall mineral fraction, % (the run's pattern × k)", ylabel="score",
              title=f"{p['segment_length_mm']:.0f} mm segment, {p['slice_mm']:g} mm slices\n"
                    f"sites: cv {p['site_cv']:g}, seed {seed}; no onset delays")
    ax[2].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    print(f"{out}: mean wall fraction {mineral[wall].mean():.3e}, peak {base['peak_hu']:.1f} HU, "
          f"Agatston {base['agatston']:.1f}, volume {base['volume_mm3']:.1f} mm³, detectable {base['detectable']:.0f}")
    for name, c in (("sites", curve), ("tiled", curve_tiled)):
        first = next((m for m, r in zip(mean, c) if r["detectable"]), None)
        print(f"{name}: the run's pattern becomes detectable at a mean wall fraction of {first}; "
              + ", ".join(f"{100 * m:.1f}%: {r['agatston']:.0f} AU / {r['volume_mm3']:.0f} mm³" for m, r in zip(mean, c)))


if __name__ == "__main__":
    if sys.argv[1:] == ["--selfcheck"]:
        selfcheck()
    else:
        figure(sys.argv[1], sys.argv[2])
