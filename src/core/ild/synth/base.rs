//! The anatomy a synthetic ILD slice is drawn on: axial slices of a real chest CT resampled to
//! the synthetic grid (when one is given), or a phantom chest; each with its lung mask.

use rand::RngExt;
use rand_pcg::Pcg64;

use crate::core::ild::lung::mask::aerated_inside_body;
use crate::core::volume::Volume;

/// HU of air, of healthy lung parenchyma and of soft tissue in the phantom.
const AIR_HU: f32 = -1000.0;
const LUNG_HU: f32 = -860.0;
const TISSUE_HU: f32 = 40.0;

/// An axial slice (row-major HU) with its lung mask, on an `n × n` grid.
pub struct BaseSlice {
    pub hu: Vec<f32>,
    pub lung: Vec<bool>,
}

fn disc(hu: &mut [f32], n: usize, centre: (f64, f64), radius: f64, value: f32) {
    let (lo_r, hi_r) = ((centre.0 - radius).floor().max(0.0) as usize, (centre.0 + radius).ceil() as usize);
    let (lo_c, hi_c) = ((centre.1 - radius).floor().max(0.0) as usize, (centre.1 + radius).ceil() as usize);
    for r in lo_r..=hi_r.min(n - 1) {
        for c in lo_c..=hi_c.min(n - 1) {
            let (dr, dc) = (r as f64 - centre.0, c as f64 - centre.1);
            if dr * dr + dc * dc <= radius * radius {
                hu[r * n + c] = value;
            }
        }
    }
}

fn in_ellipse(r: usize, c: usize, centre: (f64, f64), axes: (f64, f64)) -> bool {
    let (dr, dc) = ((r as f64 - centre.0) / axes.0, (c as f64 - centre.1) / axes.1);
    dr * dr + dc * dc <= 1.0
}

/// A phantom chest: body with a fat rim, two lungs with vessels, mediastinum and spine.
pub fn phantom_slice(n: usize, rng: &mut Pcg64) -> BaseSlice {
    let nf = n as f64;
    let mid = (nf - 1.0) / 2.0;
    let body = (nf * rng.random_range(0.30..0.34), nf * rng.random_range(0.43..0.46));
    let lung_axes = (nf * rng.random_range(0.21..0.24), nf * rng.random_range(0.14..0.16));
    let mut hu = vec![AIR_HU; n * n];
    for r in 0..n {
        for c in 0..n {
            let i = r * n + c;
            if in_ellipse(r, c, (mid, mid), body) {
                hu[i] = -100.0; // subcutaneous fat
            }
            if in_ellipse(r, c, (mid, mid), (body.0 - nf * 0.025, body.1 - nf * 0.025)) {
                hu[i] = TISSUE_HU;
            }
            // the lungs stay inside the chest wall, so they never touch the air outside
            let inside_wall = in_ellipse(r, c, (mid, mid), (body.0 - nf * 0.05, body.1 - nf * 0.05));
            for side in [-1.0, 1.0] {
                if inside_wall && in_ellipse(r, c, (mid - nf * 0.02, mid + side * nf * 0.2), lung_axes) {
                    hu[i] = LUNG_HU;
                }
            }
        }
    }
    disc(&mut hu, n, (mid + body.0 * 0.75, mid), nf * 0.05, 400.0); // vertebra
    disc(&mut hu, n, (mid - nf * 0.04, mid), nf * 0.05, 45.0); // aorta / heart
    let lung = aerated_inside_body(&hu, n, n);
    let lung_pixels: Vec<usize> = (0..n * n).filter(|&i| lung[i]).collect();
    for _ in 0..lung_pixels.len() / 120 {
        let i = lung_pixels[rng.random_range(0..lung_pixels.len())];
        disc(&mut hu, n, ((i / n) as f64, (i % n) as f64), rng.random_range(0.6..2.2), TISSUE_HU);
    }
    BaseSlice { hu, lung }
}

/// Axial slice `k` of a real CT, resampled (bilinearly, in voxel units) onto an `n × n` grid of
/// `spacing_mm` pixels centred on the volume's centre; rows follow the volume's j axis and
/// columns its i axis (the chest CT here is stored in DICOM's LPS order, so the slice is in
/// radiological display). Outside the volume reads as air.
pub fn real_slice(volume: &Volume, k: usize, n: usize, spacing_mm: f64) -> BaseSlice {
    let dims = volume.dims();
    let voxel = volume.spacing_mm();
    let (ci, cj) = ((dims[0] as f64 - 1.0) / 2.0, (dims[1] as f64 - 1.0) / 2.0);
    let mid = (n as f64 - 1.0) / 2.0;
    let mut hu = vec![AIR_HU; n * n];
    for r in 0..n {
        for c in 0..n {
            let i = ci + (c as f64 - mid) * spacing_mm / voxel.x;
            let j = cj + (r as f64 - mid) * spacing_mm / voxel.y;
            if i < 0.0 || j < 0.0 || i > (dims[0] - 1) as f64 || j > (dims[1] - 1) as f64 {
                continue;
            }
            let (i0, j0) = (i.floor() as i64, j.floor() as i64);
            let (fi, fj) = ((i - i0 as f64) as f32, (j - j0 as f64) as f32);
            let at = |di: i64, dj: i64| volume.hu_at(i0 + di, j0 + dj, k as i64).unwrap_or(AIR_HU);
            let top = at(0, 0) * (1.0 - fi) + at(1, 0) * fi;
            let bottom = at(0, 1) * (1.0 - fi) + at(1, 1) * fi;
            hu[r * n + c] = top * (1.0 - fj) + bottom * fj;
        }
    }
    let lung = aerated_inside_body(&hu, n, n);
    BaseSlice { hu, lung }
}

/// The axial indices of a volume whose lungs (by [`aerated_inside_body`] on the native grid) cover at
/// least half of the largest lung area.
pub fn lung_slices(volume: &Volume) -> Vec<usize> {
    let dims = volume.dims();
    let n = dims[0].max(dims[1]);
    let areas: Vec<usize> = (0..dims[2])
        .map(|k| {
            let mut hu = vec![AIR_HU; n * n];
            for j in 0..dims[1] {
                for i in 0..dims[0] {
                    hu[j * n + i] = volume.hu_at(i as i64, j as i64, k as i64).unwrap_or(AIR_HU);
                }
            }
            aerated_inside_body(&hu, n, n).iter().filter(|&&b| b).count()
        })
        .collect();
    let max = areas.iter().copied().max().unwrap_or(0);
    (0..dims[2]).filter(|&k| max > 0 && areas[k] * 2 >= max).collect()
}
