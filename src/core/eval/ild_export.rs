//! ILD evaluation exports: the 6 × 6 confusion matrix as a picture (rows true, columns
//! predicted, each cell shaded by its share of the row and labelled with its count) and the
//! per-class table (precision, recall, F1 with its bootstrap interval, support, confusion row)
//! as CSV.

use std::io::Write;
use std::path::Path;

use plotters::prelude::*;

use super::classification::ClassificationReport;
use super::ild_metrics::IldIntervals;
use crate::core::atomic::write_atomically;
use crate::core::ild::IldClass;
use crate::core::raster::RgbaImage;

/// The colour of a confusion cell holding `fraction` (0..=1) of its row: white to dark blue.
pub fn confusion_shade(fraction: f64) -> [u8; 3] {
    let f = fraction.clamp(0.0, 1.0);
    let mix = |white: f64, full: f64| (white + (full - white) * f).round() as u8;
    [mix(255.0, 8.0), mix(255.0, 48.0), mix(255.0, 107.0)]
}

/// Each cell's share of its row (0 in an empty row).
pub fn row_fractions(confusion: &[Vec<usize>]) -> Vec<Vec<f64>> {
    confusion
        .iter()
        .map(|row| {
            let total: usize = row.iter().sum();
            row.iter().map(|&v| if total == 0 { 0.0 } else { v as f64 / total as f64 }).collect()
        })
        .collect()
}

/// The picture's cell size and the left and top margins (pixels).
const CELL_PX: usize = 100;
const LEFT_PX: usize = 130;
const TOP_PX: usize = 70;

fn class_name(index: usize) -> String {
    IldClass::from_index(index).map_or_else(|| index.to_string(), |c| c.name().to_string())
}

/// The confusion matrix as a picture with a title, class names on both axes.
pub fn confusion_image(report: &ClassificationReport, title: &str) -> Result<RgbaImage, String> {
    super::plot::ensure_font();
    let n = report.classes;
    let (cell, left, top) = (CELL_PX as u32, LEFT_PX as u32, TOP_PX as u32);
    let (width, height) = (left + cell * n as u32 + 20, top + cell * n as u32 + 40);
    let mut buffer = vec![0u8; (width * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buffer, (width, height)).into_drawing_area();
        let err = |e: DrawingAreaErrorKind<_>| e.to_string();
        root.fill(&WHITE).map_err(err)?;
        root.draw_text(title, &("sans-serif", 18).into_text_style(&root), (10, 8)).map_err(err)?;
        let small = ("sans-serif", 13).into_text_style(&root);
        root.draw_text("predicted →", &small, (left as i32, 30)).map_err(err)?;
        root.draw_text("true ↓", &small, (10, 50)).map_err(err)?;
        let fractions = row_fractions(&report.confusion);
        for (t, row) in report.confusion.iter().enumerate() {
            let y = (top + cell * t as u32) as i32;
            root.draw_text(&class_name(t), &small, (10, y + cell as i32 / 2 - 7)).map_err(err)?;
            for (p, count) in row.iter().enumerate() {
                let x = (left + cell * p as u32) as i32;
                let [r, g, b] = confusion_shade(fractions[t][p]);
                let corners = [(x, y), (x + cell as i32 - 2, y + cell as i32 - 2)];
                root.draw(&Rectangle::new(corners, RGBColor(r, g, b).filled())).map_err(err)?;
                // a grey outline, so that empty (white) cells show on the white page
                root.draw(&Rectangle::new(corners, RGBColor(190, 190, 190))).map_err(err)?;
                let ink = if fractions[t][p] > 0.5 { WHITE } else { BLACK };
                let text = ("sans-serif", 16).into_font().color(&ink);
                let label = count.to_string();
                let (w, h) = root.estimate_text_size(&label, &text).map_err(err)?;
                let at = (x + (cell as i32 - w as i32) / 2, y + (cell as i32 - h as i32) / 2);
                root.draw_text(&label, &text, at).map_err(err)?;
            }
        }
        for p in 0..n {
            let x = (left + cell * p as u32) as i32;
            let y = (top + cell * n as u32 + 6) as i32;
            let name = class_name(p).replace('_', " ");
            let (w, _) = root.estimate_text_size(&name, &small).map_err(err)?;
            root.draw_text(&name, &small, (x + (cell as i32 - w as i32) / 2, y)).map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    let pixels = buffer.chunks_exact(3).map(|c| [c[0], c[1], c[2], 255]).collect();
    Ok(RgbaImage { width: width as usize, height: height as usize, pixels })
}

/// One line per class: precision, recall, F1 with its 95 % interval (when bootstrapped),
/// support, then the class's confusion row (counts predicted as each class).
pub fn write_class_table_csv(
    report: &ClassificationReport,
    ci: Option<&IldIntervals>,
    path: &Path,
) -> std::io::Result<()> {
    write_atomically(path, |w: &mut dyn Write| {
        let predicted: Vec<String> = (0..report.classes).map(|c| format!("predicted_{}", class_name(c))).collect();
        writeln!(w, "class,precision,recall,f1,f1_lower,f1_upper,support,{}", predicted.join(","))?;
        for m in &report.per_class {
            let interval = ci.and_then(|c| c.f1.get(m.class).and_then(Option::as_ref));
            let bound = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.6}"));
            let row: Vec<String> = report.confusion[m.class].iter().map(usize::to_string).collect();
            writeln!(
                w,
                "{},{:.6},{:.6},{:.6},{},{},{},{}",
                class_name(m.class),
                m.precision,
                m.recall,
                m.f1,
                bound(interval.map(|i| i.lower)),
                bound(interval.map(|i| i.upper)),
                m.support,
                row.join(",")
            )?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::eval::classification_report;

    #[test]
    fn the_table_and_the_picture_carry_the_counts() {
        // 3 healthy (2 right, 1 called emphysema), 1 emphysema right
        let r = classification_report(6, &[(0, 0), (0, 0), (0, 1), (1, 1)]).unwrap();
        assert_eq!(row_fractions(&r.confusion)[0][..2], [2.0 / 3.0, 1.0 / 3.0]);
        assert_eq!(row_fractions(&r.confusion)[2], [0.0; 6], "an empty row is all zero");
        assert_eq!(confusion_shade(0.0), [255, 255, 255]);
        assert_eq!(confusion_shade(1.0), [8, 48, 107]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("classes.csv");
        write_class_table_csv(&r, None, &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].ends_with("predicted_micronodules,predicted_consolidation"), "{}", lines[0]);
        // healthy: precision 2/2, recall 2/3, F1 0.8; emphysema: precision 1/2, recall 1, F1 2/3
        assert_eq!(lines[1], "healthy,1.000000,0.666667,0.800000,,,3,2,1,0,0,0,0");
        assert_eq!(lines[2], "emphysema,0.500000,1.000000,0.666667,,,1,0,1,0,0,0,0");
        assert_eq!(lines.len(), 7);
        let image = confusion_image(&r, "test").unwrap();
        let (cell, left, top) = (CELL_PX, LEFT_PX, TOP_PX);
        assert_eq!((image.width, image.height), (left + 6 * cell + 20, top + 6 * cell + 40));
        // the healthy→healthy cell is two thirds of its row: inside its outline it has that shade
        let at = |x: usize, y: usize| image.pixels[y * image.width + x];
        let [r0, g0, b0] = confusion_shade(2.0 / 3.0);
        assert_eq!(at(left + 3, top + 3), [r0, g0, b0, 255]);
        assert_eq!(at(left + cell + 3, top + cell * 2 + 3), [255, 255, 255, 255], "empty cells stay white");
        assert_eq!(at(left + cell, top + cell * 2 + 3), [190, 190, 190, 255], "within a grey outline");
    }
}
