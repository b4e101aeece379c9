//! FROC curves as PNG (plotters, drawing into our own RGB buffer): false positives per patient
//! on a log axis from 0.125 to 8, sensitivity from 0 to 1, optional confidence bands.

use std::path::Path;

use plotters::coord::combinators::BindKeyPoints;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use super::FP_RATES;
use super::bootstrap::FrocIntervals;
use super::froc::FrocPoint;
use crate::core::raster::RgbaImage;

/// One curve to draw: a name for the legend, its points, and an optional band (lower, upper
/// sensitivity at the same FP rates as the points).
pub struct FrocSeries<'a> {
    pub name: String,
    pub curve: &'a [FrocPoint],
    pub band: Option<(Vec<f64>, Vec<f64>)>,
}

const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(23, 190, 207),
];

/// The FP rates the FROC axis labels: the operating points of the CPM and 3.
const FROC_TICKS: [f64; 8] = [0.125, 0.25, 0.5, 1.0, 2.0, 3.0, 4.0, 8.0];

static FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

pub(super) fn ensure_font() {
    // registering twice is harmless; the result only fails for unreadable font data
    let _ = register_font("sans-serif", FontStyle::Normal, FONT);
}

/// Step points of a FROC curve restricted to the plotted range (the curve is a staircase in
/// FP rate).
fn staircase(curve: &[FrocPoint], lo: f64, hi: f64) -> Vec<(f64, f64)> {
    let mut pts = Vec::new();
    let mut best = 0.0f64;
    let mut sorted: Vec<&FrocPoint> = curve.iter().collect();
    sorted.sort_by(|a, b| a.fp_per_patient.total_cmp(&b.fp_per_patient));
    for p in sorted {
        if p.fp_per_patient > hi {
            break;
        }
        let x = p.fp_per_patient.max(lo);
        if p.sensitivity > best {
            pts.push((x, best));
            best = p.sensitivity;
        }
        pts.push((x, best));
    }
    pts.push((hi, best));
    pts
}

/// A confidence band around a FROC curve: at each of its points, the bootstrap interval of the
/// nearest reported FP rate (the intervals exist only at those rates).
pub fn ci_band(curve: &[FrocPoint], ci: &FrocIntervals) -> Option<(Vec<f64>, Vec<f64>)> {
    let nearest = |fp: f64| {
        let key = FP_RATES.iter().min_by(|a, b| (a.1 - fp).abs().total_cmp(&(b.1 - fp).abs())).map(|k| k.0)?;
        ci.sensitivity_at.get(key)
    };
    let intervals: Option<Vec<_>> = curve.iter().map(|p| nearest(p.fp_per_patient)).collect();
    let intervals = intervals?;
    Some((intervals.iter().map(|i| i.lower).collect(), intervals.iter().map(|i| i.upper).collect()))
}

/// Draws FROC curves into a `width × height` PNG.
pub fn froc_png(series: &[FrocSeries<'_>], title: &str, path: &Path, width: u32, height: u32) -> Result<(), String> {
    ensure_font();
    let mut buffer = vec![0u8; (width * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buffer, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let (lo, hi) = (0.125f64, 8.0f64);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d((lo..hi).log_scale().with_key_points(FROC_TICKS.to_vec()), 0.0f64..1.0)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("false positives per patient")
            .y_desc("sensitivity")
            .x_label_formatter(&|x| if *x < 1.0 { format!("1/{}", (1.0 / x).round()) } else { format!("{x}") })
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, s) in series.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            if let Some((low, high)) = &s.band {
                let xs: Vec<f64> = s.curve.iter().map(|p| p.fp_per_patient.clamp(lo, hi)).collect();
                let mut poly: Vec<(f64, f64)> = xs.iter().zip(high).map(|(x, y)| (*x, *y)).collect();
                poly.extend(xs.iter().zip(low).rev().map(|(x, y)| (*x, *y)));
                chart.draw_series(std::iter::once(Polygon::new(poly, color.mix(0.15)))).map_err(|e| e.to_string())?;
            }
            chart
                .draw_series(LineSeries::new(staircase(s.curve, lo, hi), color.stroke_width(2)))
                .map_err(|e| e.to_string())?
                .label(s.name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    save_rgb_png(&buffer, width, height, path)
}

/// Training curves as PNG: loss (smoothed training loss per iteration and validation loss per
/// epoch) above, validation accuracy below; one colour per run.
pub fn curves_png(runs: &[crate::core::train::RunCurves], path: &Path, width: u32, height: u32) -> Result<(), String> {
    ensure_font();
    let mut buffer = vec![0u8; (width * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buffer, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let (top, bottom) = root.split_vertically(height / 2);
        let max_epoch = runs.iter().flat_map(|r| r.epochs.iter().map(|e| e.epoch + 1)).max().unwrap_or(1).max(1) as f64;
        let max_loss = runs.iter().flat_map(|r| r.iterations.iter().map(|m| m.loss)).fold(0.1f64, f64::max).min(10.0);
        let mut loss = ChartBuilder::on(&top)
            .caption("loss", ("sans-serif", 16))
            .margin(8)
            .x_label_area_size(30)
            .y_label_area_size(45)
            .build_cartesian_2d(0.0..max_epoch, 0.0..max_loss)
            .map_err(|e| e.to_string())?;
        loss.configure_mesh().x_desc("epoch").draw().map_err(|e| e.to_string())?;
        let mut acc = ChartBuilder::on(&bottom)
            .caption("validation accuracy", ("sans-serif", 16))
            .margin(8)
            .x_label_area_size(30)
            .y_label_area_size(45)
            .build_cartesian_2d(0.0..max_epoch, 0.0..1.0f64)
            .map_err(|e| e.to_string())?;
        acc.configure_mesh().x_desc("epoch").draw().map_err(|e| e.to_string())?;
        for (i, run) in runs.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let smooth = run.smoothed_loss(0.1);
            let train = run
                .iterations
                .iter()
                .zip(smooth)
                .map(|(m, s)| (crate::core::train::RunCurves::iteration_epoch(m), s.min(max_loss)));
            loss.draw_series(LineSeries::new(train, color.stroke_width(2)))
                .map_err(|e| e.to_string())?
                .label(format!("{} train", run.name))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
            let val = run.epochs.iter().map(|e| (e.epoch as f64 + 1.0, e.val_loss.min(max_loss)));
            loss.draw_series(LineSeries::new(val, color.mix(0.6).stroke_width(1))).map_err(|e| e.to_string())?;
            let accuracy = run.epochs.iter().map(|e| (e.epoch as f64 + 1.0, e.val_accuracy));
            acc.draw_series(LineSeries::new(accuracy, color.stroke_width(2)))
                .map_err(|e| e.to_string())?
                .label(run.name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
        }
        loss.configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| e.to_string())?;
        acc.configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    save_rgb_png(&buffer, width, height, path)
}

/// Saves plotters' RGB buffer as an opaque PNG.
fn save_rgb_png(buffer: &[u8], width: u32, height: u32, path: &Path) -> Result<(), String> {
    let pixels = buffer.chunks_exact(3).map(|c| [c[0], c[1], c[2], 255]).collect();
    RgbaImage { width: width as usize, height: height as usize, pixels }
        .save_png(path)
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staircase_holds_the_best_sensitivity() {
        let curve = [
            FrocPoint { fp_per_patient: 0.0, sensitivity: 0.0, threshold: f64::INFINITY },
            FrocPoint { fp_per_patient: 0.5, sensitivity: 0.5, threshold: 0.9 },
            FrocPoint { fp_per_patient: 2.0, sensitivity: 0.75, threshold: 0.5 },
            // beyond the plotted range: must not pull the curve up at its right edge
            FrocPoint { fp_per_patient: 12.0, sensitivity: 1.0, threshold: 0.1 },
        ];
        let s = staircase(&curve, 0.125, 8.0);
        assert_eq!(s, vec![(0.125, 0.0), (0.5, 0.0), (0.5, 0.5), (2.0, 0.5), (2.0, 0.75), (8.0, 0.75)]);
    }

    #[test]
    fn writes_a_png() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("froc.png");
        let curve = [FrocPoint { fp_per_patient: 1.0, sensitivity: 0.6, threshold: 0.5 }];
        froc_png(&[FrocSeries { name: "a".into(), curve: &curve, band: None }], "test", &p, 320, 240).unwrap();
        let img = image::open(&p).unwrap();
        assert_eq!((img.width(), img.height()), (320, 240));
    }
}
