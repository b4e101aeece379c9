//! The HUG database's ROI text files, read as MedGIFT's own readers read them: a line of two
//! tokens whose first ends in `:` is `key: value`; `nb_points_on_contour: N` is followed by N
//! lines of `x y` in millimetres. Several label blocks per file, several slices per label and
//! several contours per slice; labels outside the six classes are kept (and counted as
//! ignored by the callers), `localisation` and unknown keys are skipped.
//!
//! **mm → pixel.** A point (x, y) mm lies at column x / SpacingX and row y / SpacingY, with
//! the origin at the centre of the image's top-left pixel: pixel (row r, column c) covers
//! [c − ½, c + ½] × [r − ½, r + ½] in those units.

use std::path::{Path, PathBuf};

use super::{IldClass, IldError};

/// One contour of a ROI file.
#[derive(Clone, Debug, PartialEq)]
pub struct Contour {
    /// The label as written in the file.
    pub label: String,
    /// The class, when the label is one of the six.
    pub class: Option<IldClass>,
    /// The 1-based slice number (the slice whose InstanceNumber it is).
    pub slice_number: i32,
    /// Points (x, y) in mm, in the file's order.
    pub points_mm: Vec<[f64; 2]>,
    /// The line of its `nb_points_on_contour` (1-based).
    pub line: usize,
}

/// A parsed ROI file.
#[derive(Clone, Debug, PartialEq)]
pub struct RoiFile {
    pub path: PathBuf,
    pub study_uid: Option<String>,
    pub series_uid: Option<String>,
    pub spacing_x_mm: f64,
    pub spacing_y_mm: f64,
    pub spacing_z_mm: Option<f64>,
    pub contours: Vec<Contour>,
}

/// A point in pixel units: fractional row and column.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PixelPoint {
    pub row: f64,
    pub col: f64,
}

/// The mm → pixel rule: column = x / SpacingX, row = y / SpacingY.
pub fn pixel_from_mm(point_mm: [f64; 2], spacing_x_mm: f64, spacing_y_mm: f64) -> PixelPoint {
    PixelPoint { row: point_mm[1] / spacing_y_mm, col: point_mm[0] / spacing_x_mm }
}

impl RoiFile {
    /// A contour's points in pixel units.
    pub fn contour_pixels(&self, contour: &Contour) -> Vec<PixelPoint> {
        contour.points_mm.iter().map(|&p| pixel_from_mm(p, self.spacing_x_mm, self.spacing_y_mm)).collect()
    }
}

/// Reads and parses a ROI file.
pub fn read_roi_file(path: &Path) -> Result<RoiFile, IldError> {
    let bytes = std::fs::read(path).map_err(|source| IldError::Io { path: path.into(), source })?;
    parse_roi_text(path, &String::from_utf8_lossy(&bytes))
}

/// The contour being read: its announced point count and the points so far.
struct Open {
    announced: usize,
    contour: Contour,
}

/// Parses ROI text; `path` names the file in errors.
pub fn parse_roi_text(path: &Path, text: &str) -> Result<RoiFile, IldError> {
    let err = |line: usize, detail: String| IldError::Parse { path: path.into(), line, detail };
    let number = |line: usize, token: &str, what: &str| -> Result<f64, IldError> {
        token
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| err(line, format!("{what} {token:?} is not a number")))
    };
    let mut file = RoiFile {
        path: path.into(),
        study_uid: None,
        series_uid: None,
        spacing_x_mm: f64::NAN,
        spacing_y_mm: f64::NAN,
        spacing_z_mm: None,
        contours: Vec::new(),
    };
    let (mut label, mut slice): (Option<String>, Option<i32>) = (None, None);
    let mut open: Option<Open> = None;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let tokens: Vec<&str> = raw.split_whitespace().collect();
        if tokens.is_empty() {
            continue;
        }
        if let Some(o) = open.as_mut() {
            if tokens.len() != 2 || tokens[0].ends_with(':') {
                return Err(err(
                    line,
                    format!(
                        "the contour announced {} points (line {}) but has only {}",
                        o.announced,
                        o.contour.line,
                        o.contour.points_mm.len()
                    ),
                ));
            }
            let x = number(line, tokens[0], "x")?;
            let y = number(line, tokens[1], "y")?;
            o.contour.points_mm.push([x, y]);
            if o.contour.points_mm.len() == o.announced {
                file.contours.extend(open.take().map(|o| o.contour));
            }
            continue;
        }
        let Some(key) = tokens[0].strip_suffix(':') else {
            return Err(err(line, format!("expected `key: value`, found {:?}", raw.trim())));
        };
        let value = tokens[1..].join(" ");
        match key.to_ascii_lowercase().as_str() {
            "study" => file.study_uid = Some(value),
            "series" => file.series_uid = Some(value),
            "spacingx" => file.spacing_x_mm = positive(line, &value, "SpacingX", &err)?,
            "spacingy" => file.spacing_y_mm = positive(line, &value, "SpacingY", &err)?,
            "spacingz" => file.spacing_z_mm = Some(positive(line, &value, "SpacingZ", &err)?),
            "label" => {
                label = Some(value);
                slice = None;
            }
            "slice_number" => {
                slice = Some(value.parse().map_err(|_| err(line, format!("slice_number {value:?} is not an integer")))?)
            }
            "nb_points_on_contour" => {
                let announced: usize =
                    value.parse().map_err(|_| err(line, format!("nb_points_on_contour {value:?} is not a count")))?;
                let Some(label) = label.clone() else {
                    return Err(err(line, "a contour before any `label:`".into()));
                };
                let Some(slice_number) = slice else {
                    return Err(err(line, format!("a contour of {label} before any `slice_number:`")));
                };
                if announced < 3 {
                    return Err(err(line, format!("a contour needs at least 3 points, {announced} announced")));
                }
                let class = IldClass::from_label(&label);
                let contour = Contour { label, class, slice_number, points_mm: Vec::new(), line };
                open = Some(Open { announced, contour });
            }
            _ => {} // localisation and other descriptive keys
        }
    }
    if let Some(o) = open {
        let detail = format!(
            "the file ends inside the contour of line {}: {} points announced, {} found",
            o.contour.line,
            o.announced,
            o.contour.points_mm.len()
        );
        return Err(err(text.lines().count(), detail));
    }
    let spacing_ok = file.spacing_x_mm > 0.0 && file.spacing_y_mm > 0.0;
    if !file.contours.is_empty() && !spacing_ok {
        return Err(IldError::Invalid { path: path.into(), detail: "SpacingX and SpacingY are needed".into() });
    }
    Ok(file)
}

fn positive(line: usize, value: &str, what: &str, err: &dyn Fn(usize, String) -> IldError) -> Result<f64, IldError> {
    value
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v > 0.0)
        .ok_or_else(|| err(line, format!("{what} {value:?} is not a positive number")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "Study: 1.2.3\nSeries: 1.2.3.4\nSpacingX: 0.5\nSpacingY: 0.25\nSpacingZ: 10.0\n\
        label: ground_glass\nlocalisation: non-relevant\nslice_number: 6\nnb_points_on_contour: 3\n\
        1.0 2.0\n3.0 2.0\n3.0 4.0\nnb_points_on_contour: 4\n0 0\n1 0\n1 1\n0 1\nslice_number: 7\n\
        nb_points_on_contour: 3\n5 5\n6 5\n6 6\n\nlabel: reticulation\nslice_number: 6\n\
        nb_points_on_contour: 3\n1 1\n2 1\n2 2\nlabel: ground_glass\nslice_number: 9\n\
        nb_points_on_contour: 3\n7 7\n8 7\n8 8\n";

    fn parse(text: &str) -> Result<RoiFile, IldError> {
        parse_roi_text(Path::new("CT-1.txt"), text)
    }

    #[test]
    fn labels_slices_and_several_contours_per_slice() {
        let f = parse(SAMPLE).unwrap();
        assert_eq!(f.study_uid.as_deref(), Some("1.2.3"));
        assert_eq!(f.series_uid.as_deref(), Some("1.2.3.4"));
        assert_eq!((f.spacing_x_mm, f.spacing_y_mm, f.spacing_z_mm), (0.5, 0.25, Some(10.0)));
        let summary: Vec<(&str, i32, usize, usize)> =
            f.contours.iter().map(|c| (c.label.as_str(), c.slice_number, c.points_mm.len(), c.line)).collect();
        assert_eq!(
            summary,
            [
                ("ground_glass", 6, 3, 9),
                ("ground_glass", 6, 4, 13),
                ("ground_glass", 7, 3, 19),
                ("reticulation", 6, 3, 26),
                ("ground_glass", 9, 3, 32),
            ]
        );
        assert_eq!(f.contours[0].class, Some(IldClass::GroundGlass));
        assert_eq!(f.contours[3].class, None, "reticulation is not one of the six classes");
        assert_eq!(f.contours[1].points_mm, [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]);
    }

    #[test]
    fn millimetres_become_pixels_by_the_spacing() {
        let f = parse(SAMPLE).unwrap();
        // (1.0, 2.0) mm with SpacingX 0.5, SpacingY 0.25: column 2, row 8
        let p = f.contour_pixels(&f.contours[0]);
        assert_eq!(p[0], PixelPoint { row: 8.0, col: 2.0 });
        assert_eq!(p[2], PixelPoint { row: 16.0, col: 6.0 });
        // the HUG spacing: 99.746 mm / 0.5859375 = column 170.2332, 174.839 / 0.5859375 = row 298.3919
        let q = pixel_from_mm([99.746, 174.839], 0.5859375, 0.5859375);
        assert!((q.col - 170.233_173).abs() < 1e-5 && (q.row - 298.391_893).abs() < 1e-5, "{q:?}");
        // the origin is the centre of the top-left pixel
        assert_eq!(pixel_from_mm([0.0, 0.0], 0.7, 0.7), PixelPoint { row: 0.0, col: 0.0 });
    }

    #[test]
    fn malformed_files_name_the_file_and_line() {
        let short = "SpacingX: 1\nSpacingY: 1\nlabel: fibrosis\nslice_number: 2\nnb_points_on_contour: 4\n\
            1 1\n2 2\n3 1\nlabel: healthy\n";
        let e = parse(short).unwrap_err().to_string();
        assert!(e.starts_with("CT-1.txt, line 9:") && e.contains("announced 4 points") && e.contains("only 3"), "{e}");
        let truncated = "SpacingX: 1\nSpacingY: 1\nlabel: fibrosis\nslice_number: 2\nnb_points_on_contour: 4\n1 1\n";
        let e = parse(truncated).unwrap_err().to_string();
        assert!(e.contains("line 6") && e.contains("4 points announced, 1 found"), "{e}");
        let nan =
            "SpacingX: 1\nSpacingY: 1\nlabel: fibrosis\nslice_number: 2\nnb_points_on_contour: 3\n1 1\n2 x2\n3 1\n";
        let e = parse(nan).unwrap_err().to_string();
        assert!(e.contains("line 7") && e.contains("\"x2\" is not a number"), "{e}");
        let spacing = "SpacingX: -1\n";
        assert!(parse(spacing).unwrap_err().to_string().contains("line 1: SpacingX"));
        let no_slice = "SpacingX: 1\nSpacingY: 1\nlabel: fibrosis\nnb_points_on_contour: 3\n";
        assert!(parse(no_slice).unwrap_err().to_string().contains("line 4: a contour of fibrosis before any"));
        let no_spacing = "label: fibrosis\nslice_number: 1\nnb_points_on_contour: 3\n1 1\n2 2\n3 1\n";
        assert!(parse(no_spacing).unwrap_err().to_string().contains("SpacingX and SpacingY are needed"));
        let stray = "SpacingX: 1\n12 13\n";
        assert!(parse(stray).unwrap_err().to_string().contains("line 2: expected `key: value`"));
    }
}
