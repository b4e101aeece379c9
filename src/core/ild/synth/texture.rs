//! The six tissue textures drawn into a region of lung, and the region's contour:
//! healthy parenchyma; emphysema (low-attenuation holes without walls); ground glass (a hazy
//! increase that keeps the vessels visible); fibrosis (reticulation and honeycomb cysts);
//! micronodules (many 1–3 mm dots); consolidation (dense opacity with air bronchograms).

use std::f64::consts::TAU;

use rand::RngExt;
use rand_pcg::Pcg64;

use crate::core::ild::IldClass;
use crate::core::ild::roi::PixelPoint;

/// A smooth closed blob: `vertices` points at radius `radius·(1 + wobble)` around a centre.
pub fn blob(centre: (f64, f64), radius: f64, vertices: usize, rng: &mut Pcg64) -> Vec<PixelPoint> {
    let phases: [f64; 3] = [rng.random_range(0.0..TAU), rng.random_range(0.0..TAU), rng.random_range(0.0..TAU)];
    let amps: [f64; 3] = [rng.random_range(0.0..0.12), rng.random_range(0.0..0.08), rng.random_range(0.0..0.05)];
    (0..vertices)
        .map(|k| {
            let a = TAU * k as f64 / vertices as f64;
            let wobble: f64 = (0..3).map(|h| amps[h] * ((h + 2) as f64 * a + phases[h]).sin()).sum();
            let r = radius * (1.0 + wobble);
            PixelPoint { row: centre.0 + r * a.sin(), col: centre.1 + r * a.cos() }
        })
        .collect()
}

/// Sets the pixels of `region` within distance `radius` of a centre to `value`.
fn spot(hu: &mut [f32], region: &[bool], n: usize, centre: (f64, f64), radius: f64, value: impl Fn(f64) -> f32) {
    let reach = radius.ceil() as i64 + 1;
    let (r0, c0) = (centre.0.round() as i64, centre.1.round() as i64);
    for r in r0 - reach..=r0 + reach {
        for c in c0 - reach..=c0 + reach {
            if r < 0 || c < 0 || r >= n as i64 || c >= n as i64 {
                continue;
            }
            let i = r as usize * n + c as usize;
            let d = ((r as f64 - centre.0).powi(2) + (c as f64 - centre.1).powi(2)).sqrt();
            if region[i] && d <= radius {
                hu[i] = value(d);
            }
        }
    }
}

/// A random walk of `steps` one-pixel steps painted (`paint`: radius, HU) (lines of reticulation, air
/// bronchograms).
fn walk(hu: &mut [f32], region: &[bool], n: usize, start: usize, steps: usize, paint: (f64, f32), rng: &mut Pcg64) {
    let (width, value) = paint;
    let (mut y, mut x) = ((start / n) as f64, (start % n) as f64);
    let mut heading: f64 = rng.random_range(0.0..TAU);
    for _ in 0..steps {
        spot(hu, region, n, (y, x), width, |_| value);
        heading += rng.random_range(-0.5..0.5);
        y += heading.sin();
        x += heading.cos();
    }
}

/// Draws `class` into the pixels of `region` (row-major, `n × n`); `spacing_mm` sizes the
/// structures in millimetres.
pub fn draw(class: IldClass, hu: &mut [f32], region: &[bool], n: usize, spacing_mm: f64, rng: &mut Pcg64) {
    let pixels: Vec<usize> = (0..n * n).filter(|&i| region[i]).collect();
    if pixels.is_empty() {
        return;
    }
    let pick = |rng: &mut Pcg64| pixels[rng.random_range(0..pixels.len())];
    let at = |i: usize| ((i / n) as f64, (i % n) as f64);
    let mm = |v: f64| v / spacing_mm;
    let area_mm2 = pixels.len() as f64 * spacing_mm * spacing_mm;
    match class {
        IldClass::Healthy => {}
        IldClass::Emphysema => {
            for &i in &pixels {
                if hu[i] < -500.0 {
                    hu[i] = hu[i].min(-900.0);
                }
            }
            for _ in 0..(area_mm2 / 90.0) as usize {
                let (centre, radius) = (at(pick(rng)), mm(rng.random_range(2.5..7.0)));
                spot(hu, region, n, centre, radius, |_| -990.0);
            }
        }
        IldClass::GroundGlass => {
            for &i in &pixels {
                if hu[i] < -500.0 {
                    hu[i] += 280.0;
                }
            }
        }
        IldClass::Fibrosis => {
            for _ in 0..(area_mm2 / 60.0) as usize {
                let steps = mm(rng.random_range(6.0..16.0)) as usize;
                walk(hu, region, n, pick(rng), steps, (mm(0.5), -250.0), rng);
            }
            for _ in 0..(area_mm2 / 400.0) as usize {
                let cluster = at(pick(rng));
                for _ in 0..6 {
                    let centre =
                        (cluster.0 + mm(rng.random_range(-6.0..6.0)), cluster.1 + mm(rng.random_range(-6.0..6.0)));
                    let radius = mm(rng.random_range(2.0..4.5));
                    let wall = mm(1.0);
                    spot(hu, region, n, centre, radius, |d| if d > radius - wall { -150.0 } else { -960.0 });
                }
            }
        }
        IldClass::Micronodules => {
            for _ in 0..(area_mm2 / 30.0) as usize {
                let (centre, radius) = (at(pick(rng)), mm(rng.random_range(0.5..1.5)));
                spot(hu, region, n, centre, radius.max(0.5), |_| -50.0);
            }
        }
        IldClass::Consolidation => {
            for &i in &pixels {
                hu[i] = 30.0;
            }
            for _ in 0..(area_mm2 / 500.0).ceil() as usize {
                let steps = mm(rng.random_range(15.0..35.0)) as usize;
                let width = mm(rng.random_range(0.8..1.6));
                walk(hu, region, n, pick(rng), steps, (width, -900.0), rng);
            }
        }
    }
}
