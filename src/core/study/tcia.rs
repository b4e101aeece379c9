//! The TCIA "CT Lymph Nodes" annotation text files: one point per line, `x y z` in LPS
//! millimetres (`<ID>_lymphnodes_physicalPoints.txt`, `<ID>_posCADe_physicalPoints.txt`,
//! `<ID>_negCADe_physicalPoints.txt`), and node sizes in mm (`<ID>_lymphnodes_sizes.txt`, one
//! node per line; the first number is the diameter used for matching, an optional second one
//! is kept as the other axis).
//!
//! The collection also has `<ID>_lymphnodes_indices.txt`: voxel `i j k` per node, whose slice
//! order is undocumented (see the cross-checks in [`super::collection`]).
//!
//! Points are converted to RAS+ here, once, on import (and back to LPS on export).

use std::fs;
use std::path::{Path, PathBuf};

use glam::DVec3;

use super::StudyError;
use crate::core::atomic::write_atomically;
use crate::core::geometry::lps_to_ras;

/// The four annotation files of one patient, named as TCIA names them.
#[derive(Clone, Debug, PartialEq)]
pub struct AnnotationPaths {
    pub lymph_nodes: PathBuf,
    pub indices: PathBuf,
    pub sizes: PathBuf,
    pub positive_candidates: PathBuf,
    pub negative_candidates: PathBuf,
}

impl AnnotationPaths {
    pub fn new(dir: &Path, patient: &str) -> Self {
        Self {
            lymph_nodes: dir.join(format!("{patient}_lymphnodes_physicalPoints.txt")),
            indices: dir.join(format!("{patient}_lymphnodes_indices.txt")),
            sizes: dir.join(format!("{patient}_lymphnodes_sizes.txt")),
            positive_candidates: dir.join(format!("{patient}_posCADe_physicalPoints.txt")),
            negative_candidates: dir.join(format!("{patient}_negCADe_physicalPoints.txt")),
        }
    }
}

/// Splits a line on whitespace and/or commas; blank lines and `#` comments yield nothing.
fn fields(line: &str) -> Option<Vec<&str>> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    Some(line.split(|c: char| c.is_whitespace() || c == ',').filter(|f| !f.is_empty()).collect())
}

fn parse_numbers(path: &Path, line_no: usize, fields: &[&str]) -> Result<Vec<f64>, StudyError> {
    fields
        .iter()
        .map(|f| {
            f.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| StudyError::Parse {
                path: path.into(),
                line: line_no,
                detail: format!("'{f}' is not a finite number"),
            })
        })
        .collect()
}

fn read_text(path: &Path) -> Result<String, StudyError> {
    fs::read_to_string(path).map_err(|source| StudyError::Io { path: path.into(), source })
}

/// Reads a points file (LPS mm) and returns the points in RAS mm.
pub fn read_points_lps(path: &Path) -> Result<Vec<DVec3>, StudyError> {
    let text = read_text(path)?;
    let mut points = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(f) = fields(line) else { continue };
        let v = parse_numbers(path, i + 1, &f)?;
        if v.len() != 3 {
            let detail = format!("expected 3 numbers (x y z in LPS mm), found {}", v.len());
            return Err(StudyError::Parse { path: path.into(), line: i + 1, detail });
        }
        points.push(lps_to_ras(DVec3::new(v[0], v[1], v[2])));
    }
    Ok(points)
}

/// Reads an indices file: voxel `i j k` per line (as written, not converted).
pub fn read_indices(path: &Path) -> Result<Vec<DVec3>, StudyError> {
    let text = read_text(path)?;
    let mut indices = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(f) = fields(line) else { continue };
        let v = parse_numbers(path, i + 1, &f)?;
        if v.len() != 3 {
            let detail = format!("expected 3 numbers (voxel i j k), found {}", v.len());
            return Err(StudyError::Parse { path: path.into(), line: i + 1, detail });
        }
        indices.push(DVec3::new(v[0], v[1], v[2]));
    }
    Ok(indices)
}

/// Reads a sizes file: per line a diameter (mm) and optionally a second axis.
pub fn read_sizes(path: &Path) -> Result<Vec<(f64, Option<f64>)>, StudyError> {
    let text = read_text(path)?;
    let mut sizes = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(f) = fields(line) else { continue };
        let v = parse_numbers(path, i + 1, &f)?;
        match v.as_slice() {
            [d] if *d > 0.0 => sizes.push((*d, None)),
            [d, e, ..] if *d > 0.0 => sizes.push((*d, Some(*e))),
            _ => {
                let detail = "expected a positive diameter in mm".to_string();
                return Err(StudyError::Parse { path: path.into(), line: i + 1, detail });
            }
        }
    }
    Ok(sizes)
}

/// Writes RAS points as an LPS points file.
pub fn write_points_lps(path: &Path, points_ras: &[DVec3]) -> Result<(), StudyError> {
    write_atomically(path, |w| {
        for p in points_ras {
            let q = lps_to_ras(*p);
            writeln!(w, "{:.3} {:.3} {:.3}", q.x, q.y, q.z)?;
        }
        Ok(())
    })
    .map_err(|source| StudyError::Io { path: path.into(), source })
}

/// Writes a sizes file: `diameter second_axis` per line, in mm.
pub fn write_sizes(path: &Path, sizes: &[(f64, f64)]) -> Result<(), StudyError> {
    write_atomically(path, |w| {
        for (d, e) in sizes {
            writeln!(w, "{d:.2} {e:.2}")?;
        }
        Ok(())
    })
    .map_err(|source| StudyError::Io { path: path.into(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_round_trip_through_lps() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x_lymphnodes_physicalPoints.txt");
        let ras = vec![DVec3::new(10.5, -20.25, 30.0), DVec3::new(-1.0, 2.0, -3.0)];
        write_points_lps(&p, &ras).unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "-10.500 20.250 30.000\n1.000 -2.000 -3.000\n");
        assert_eq!(read_points_lps(&p).unwrap(), ras);
    }

    #[test]
    fn comments_commas_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pts.txt");
        fs::write(&p, "# header\n1,2,3\n\n4 5 6\n").unwrap();
        assert_eq!(read_points_lps(&p).unwrap(), vec![DVec3::new(-1.0, -2.0, 3.0), DVec3::new(-4.0, -5.0, 6.0)]);
        fs::write(&p, "1 2 3\n4 five 6\n").unwrap();
        let err = read_points_lps(&p).unwrap_err().to_string();
        assert!(err.contains("pts.txt") && err.contains("line 2") && err.contains("five"), "{err}");
        fs::write(&p, "1 2\n").unwrap();
        assert!(read_points_lps(&p).unwrap_err().to_string().contains("expected 3 numbers"));
    }

    #[test]
    fn sizes_take_the_first_number_as_diameter() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.txt");
        fs::write(&p, "12.5 20\n8\n").unwrap();
        assert_eq!(read_sizes(&p).unwrap(), vec![(12.5, Some(20.0)), (8.0, None)]);
        fs::write(&p, "0\n").unwrap();
        assert!(read_sizes(&p).is_err());
    }
}
