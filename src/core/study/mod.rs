//! Studies: patients, their CT volumes, true lymph nodes (lesions) and CADe candidates.
//!
//! A study is a folder with a `study.csv` manifest (`patient,region,volume[,annotations][,mask]`,
//! paths relative to the folder; a volume is a NIfTI file or a DICOM series folder) and, per
//! patient, the TCIA-style annotation files (see [`tcia`]); or, without study.csv, the TCIA
//! "CT Lymph Nodes" collection as it is downloaded (see [`collection`]). Volumes are not loaded
//! with the study; [`Patient::load_volume`] reads one when it is needed.
//!
//! **Labelling rule.** A candidate is positive when it lies within a true node's radius (half
//! the node's diameter from the sizes file) of that node's centre; it then belongs to the node
//! it is relatively closest to (smallest distance/radius). When a patient has no node file the
//! labels come from the file the candidate was listed in (posCADe or negCADe).

pub mod collection;
mod manifest;
pub mod tcia;

use std::fmt;
use std::path::{Path, PathBuf};

use glam::DVec3;
use serde::{Deserialize, Serialize};

use crate::core::open::{LoadedVolume, OpenError, open_volume};
pub use collection::{ImportWarning, check_mask_instances, is_collection};
pub use manifest::{ManifestRow, read_manifest, write_manifest};

#[derive(Debug, thiserror::Error)]
pub enum StudyError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}, line {line}: {detail}")]
    Parse { path: PathBuf, line: usize, detail: String },
    #[error("{path}: {detail}")]
    Invalid { path: PathBuf, detail: String },
    #[error("patient {patient}: the volume {path} does not exist")]
    MissingVolume { patient: String, path: PathBuf },
    #[error("patient {patient}: the mask {path} does not exist")]
    MissingMask { patient: String, path: PathBuf },
    #[error(transparent)]
    Volume(#[from] OpenError),
}

/// The body region of a lymph-node study (the paper's mediastinal and abdominal sets).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Region {
    Mediastinal,
    Abdominal,
    Other(String),
}

impl Region {
    pub fn parse(s: &str) -> Region {
        match s.trim().to_ascii_uppercase().as_str() {
            "MED" | "MEDIASTINAL" | "MEDIASTINUM" => Region::Mediastinal,
            "ABD" | "ABDOMINAL" | "ABDOMEN" => Region::Abdominal,
            other => Region::Other(other.to_string()),
        }
    }

    /// The short code used in manifests and reports ("MED", "ABD").
    pub fn code(&self) -> &str {
        match self {
            Region::Mediastinal => "MED",
            Region::Abdominal => "ABD",
            Region::Other(s) => s,
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A true lymph node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lesion {
    /// 1-based line number in the patient's lymph-node file.
    pub id: usize,
    pub center_world_mm: [f64; 3],
    /// The diameter used for matching (mm).
    pub diameter_mm: f64,
    /// The other recorded axis, when the sizes file has one (mm).
    pub other_axis_mm: Option<f64>,
}

impl Lesion {
    pub fn center(&self) -> DVec3 {
        DVec3::from_array(self.center_world_mm)
    }

    pub fn radius_mm(&self) -> f64 {
        self.diameter_mm / 2.0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Label {
    Positive,
    Negative,
}

impl Label {
    /// 1 for positive, 0 for negative.
    pub fn as_class(self) -> usize {
        match self {
            Label::Positive => 1,
            Label::Negative => 0,
        }
    }
}

/// Which file a candidate came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CandidateSource {
    PositiveFile,
    NegativeFile,
}

/// A CADe candidate point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// 0-based index within the patient (positive-file points first, then negative-file).
    pub id: usize,
    pub center_world_mm: [f64; 3],
    pub label: Label,
    /// The node a positive candidate belongs to.
    pub lesion: Option<usize>,
    pub source: CandidateSource,
}

impl Candidate {
    pub fn center(&self) -> DVec3 {
        DVec3::from_array(self.center_world_mm)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Patient {
    pub id: String,
    pub region: Region,
    /// A NIfTI file or a DICOM series folder.
    pub volume_path: PathBuf,
    /// The DICOM series to open when `volume_path` is a folder (None: the one with most slices).
    pub series: Option<String>,
    /// The instance-label mask (one id per node), when the study has one.
    pub mask_path: Option<PathBuf>,
    pub lesions: Vec<Lesion>,
    pub candidates: Vec<Candidate>,
}

impl Patient {
    pub fn load_volume(&self) -> Result<LoadedVolume, OpenError> {
        open_volume(&self.volume_path, self.series.as_deref())
    }

    pub fn positives(&self) -> usize {
        self.candidates.iter().filter(|c| c.label == Label::Positive).count()
    }

    /// Distance (mm) from a point to the surface-free centre of the nearest true node.
    pub fn nearest_lesion(&self, p: DVec3) -> Option<(&Lesion, f64)> {
        self.lesions.iter().map(|l| (l, l.center().distance(p))).min_by(|a, b| a.1.total_cmp(&b.1))
    }
}

/// The node a point belongs to under the labelling rule, if any.
pub fn matching_lesion(lesions: &[Lesion], p: DVec3) -> Option<usize> {
    lesions
        .iter()
        .filter_map(|l| {
            let d = l.center().distance(p);
            (d <= l.radius_mm()).then_some((l.id, d / l.radius_mm()))
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(id, _)| id)
}

#[derive(Clone, Debug, PartialEq)]
pub struct Study {
    pub root: PathBuf,
    pub patients: Vec<Patient>,
}

impl Study {
    /// Reads `dir/study.csv` (or the TCIA collection layout) and every patient's annotations.
    pub fn load(dir: &Path) -> Result<Study, StudyError> {
        Self::load_with_report(dir).map(|(study, _)| study)
    }

    /// As [`Study::load`], with the per-patient import warnings of the TCIA collection's
    /// cross-checks (none for a study.csv study).
    pub fn load_with_report(dir: &Path) -> Result<(Study, Vec<ImportWarning>), StudyError> {
        let manifest_path = dir.join("study.csv");
        if !manifest_path.exists() && is_collection(dir) {
            return collection::load_collection(dir);
        }
        let rows = read_manifest(&manifest_path)?;
        let patients = rows.iter().map(|row| load_patient(dir, row)).collect::<Result<_, _>>()?;
        Ok((Study { root: dir.to_path_buf(), patients }, Vec::new()))
    }

    pub fn patient(&self, id: &str) -> Option<&Patient> {
        self.patients.iter().find(|p| p.id == id)
    }

    /// Per-region counts, in region order.
    pub fn summary(&self) -> Vec<RegionSummary> {
        let mut regions: Vec<Region> = self.patients.iter().map(|p| p.region.clone()).collect();
        regions.sort();
        regions.dedup();
        regions
            .into_iter()
            .map(|region| {
                let ps: Vec<&Patient> = self.patients.iter().filter(|p| p.region == region).collect();
                RegionSummary {
                    region: region.code().to_string(),
                    patients: ps.len(),
                    candidates: ps.iter().map(|p| p.candidates.len()).sum(),
                    positives: ps.iter().map(|p| p.positives()).sum(),
                    lesions: ps.iter().map(|p| p.lesions.len()).sum(),
                }
            })
            .collect()
    }
}

/// Counts for one region of a study.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RegionSummary {
    pub region: String,
    pub patients: usize,
    pub candidates: usize,
    pub positives: usize,
    pub lesions: usize,
}

fn load_patient(root: &Path, row: &ManifestRow) -> Result<Patient, StudyError> {
    let volume_path = root.join(&row.volume);
    if !volume_path.exists() {
        return Err(StudyError::MissingVolume { patient: row.patient.clone(), path: volume_path });
    }
    let annotation_dir = match &row.annotations {
        Some(dir) => root.join(dir),
        None if volume_path.is_dir() => volume_path.clone(),
        None => volume_path.parent().map(Path::to_path_buf).unwrap_or_else(|| root.to_path_buf()),
    };
    let mask_path = row.mask.as_ref().map(|m| root.join(m));
    if let Some(path) = mask_path.as_ref().filter(|p| !p.exists()) {
        return Err(StudyError::MissingMask { patient: row.patient.clone(), path: path.clone() });
    }
    let paths = tcia::AnnotationPaths::new(&annotation_dir, &row.patient);
    let (lesions, candidates) = read_annotations(&paths)?;
    Ok(Patient {
        id: row.patient.clone(),
        region: Region::parse(&row.region),
        volume_path,
        series: None,
        mask_path,
        lesions,
        candidates,
    })
}

/// A patient's true nodes and labelled candidates from whichever annotation files exist.
pub(crate) fn read_annotations(paths: &tcia::AnnotationPaths) -> Result<(Vec<Lesion>, Vec<Candidate>), StudyError> {
    let lesions = if paths.lymph_nodes.exists() {
        let points = tcia::read_points_lps(&paths.lymph_nodes)?;
        let sizes = tcia::read_sizes(&paths.sizes)?;
        if sizes.len() != points.len() {
            let detail =
                format!("{} sizes for the {} nodes of {}", sizes.len(), points.len(), paths.lymph_nodes.display());
            return Err(StudyError::Invalid { path: paths.sizes.clone(), detail });
        }
        points
            .into_iter()
            .zip(sizes)
            .enumerate()
            .map(|(i, (p, (d, e)))| Lesion {
                id: i + 1,
                center_world_mm: p.to_array(),
                diameter_mm: d,
                other_axis_mm: e,
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut candidates = Vec::new();
    for (path, source) in [
        (&paths.positive_candidates, CandidateSource::PositiveFile),
        (&paths.negative_candidates, CandidateSource::NegativeFile),
    ] {
        if !path.exists() {
            continue;
        }
        for p in tcia::read_points_lps(path)? {
            let (label, lesion) = if lesions.is_empty() {
                let label = match source {
                    CandidateSource::PositiveFile => Label::Positive,
                    CandidateSource::NegativeFile => Label::Negative,
                };
                (label, None)
            } else {
                match matching_lesion(&lesions, p) {
                    Some(id) => (Label::Positive, Some(id)),
                    None => (Label::Negative, None),
                }
            };
            candidates.push(Candidate { id: candidates.len(), center_world_mm: p.to_array(), label, lesion, source });
        }
    }
    Ok((lesions, candidates))
}
