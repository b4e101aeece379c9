//! The HUG ILD database as it is distributed:
//!
//! ```text
//! ROOT/ILD_DB_txtROIs/<patient>/CT-<series>-<slice>.dcm   one axial slice per file
//! ROOT/ILD_DB_txtROIs/<patient>/<name>.txt                the ROI file of that series
//! ROOT/ILD_DB_txtROIs/<patient>/<series folder>/...       (some patients: one folder per series)
//! ROOT/ILD_DB_lungMasks/<patient>/, ROOT/ILD_DB_volumeROIs/<patient>/   optional
//! ```
//!
//! ROOT may also be the `ILD_DB_txtROIs` folder itself. Every folder holding ROI files is one
//! or more series: a contour's `slice_number` is matched to the DICOM file of that folder (and
//! of the ROI file's series, when its UID is among them) whose InstanceNumber it is. Opening
//! reads headers and text only; [`IldSlice::load_hu`] decodes a slice's pixels.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::lung::mask::{index_mask_files, mask_for_slice};
use super::roi::{PixelPoint, RoiFile, read_roi_file};
use super::{IldClass, IldError};
use crate::core::dicom::{PADDING_HU, SliceHeader, decode_slice_hu, scan_headers};

/// The folder of the ROI files and slices, and the two optional folders beside it.
pub const TXT_ROIS: &str = "ILD_DB_txtROIs";
pub const LUNG_MASKS: &str = "ILD_DB_lungMasks";
pub const VOLUME_ROIS: &str = "ILD_DB_volumeROIs";

/// HU at or below this are the scanner's padding outside the field of view (−2000 in the HUG
/// slices) and read as air.
pub const PADDING_THRESHOLD_HU: f32 = -2000.0;

/// A contour of one of the six classes on a slice, in pixel units.
#[derive(Clone, Debug, PartialEq)]
pub struct SliceContour {
    /// The contour's number within its patient (0-based, in reading order).
    pub roi: usize,
    pub class: IldClass,
    pub points: Vec<PixelPoint>,
}

/// An annotated axial slice: its DICOM file and its contours of the six classes.
#[derive(Clone, Debug, PartialEq)]
pub struct IldSlice {
    pub series_uid: String,
    pub slice_number: i32,
    pub header: SliceHeader,
    pub roi_file: PathBuf,
    pub contours: Vec<SliceContour>,
    /// Its lung mask in `ILD_DB_lungMasks`, when the database has one.
    pub lung_mask: Option<PathBuf>,
    /// Its label mask in `ILD_DB_volumeROIs` (pixel values are label codes), when there is one.
    pub label_mask: Option<PathBuf>,
}

impl IldSlice {
    pub fn rows(&self) -> usize {
        usize::from(self.header.rows)
    }

    pub fn cols(&self) -> usize {
        usize::from(self.header.columns)
    }

    /// Whether the slice has a contour of `class`.
    pub fn has(&self, class: IldClass) -> bool {
        self.contours.iter().any(|c| c.class == class)
    }

    /// The classes the slice has a contour of, in class order.
    pub fn classes(&self) -> Vec<IldClass> {
        IldClass::ALL.into_iter().filter(|&c| self.has(c)).collect()
    }

    /// The slice's HU (row-major), RescaleSlope/Intercept applied, padding as −1024.
    pub fn load_hu(&self) -> Result<Vec<f32>, IldError> {
        slice_hu(&self.header)
    }
}

/// The HU of any slice of an HUG series (row-major), RescaleSlope/Intercept applied, padding
/// (PixelPaddingValue, or at or below −2000 HU) as −1024.
pub fn slice_hu(header: &SliceHeader) -> Result<Vec<f32>, IldError> {
    let mut hu = decode_slice_hu(header)?;
    for v in &mut hu {
        if *v <= PADDING_THRESHOLD_HU {
            *v = f32::from(PADDING_HU);
        }
    }
    Ok(hu)
}

/// A patient: annotated slices, labels outside the six classes, and the optional folders.
#[derive(Clone, Debug, PartialEq)]
pub struct IldPatient {
    pub id: String,
    pub dir: PathBuf,
    pub slices: Vec<IldSlice>,
    /// Contours per label outside the six classes (listed, not used).
    pub ignored: BTreeMap<String, usize>,
    pub lung_mask_dir: Option<PathBuf>,
    pub volume_roi_dir: Option<PathBuf>,
    /// What did not fit (a slice number without a file, spacing disagreements).
    pub warnings: Vec<String>,
}

impl IldPatient {
    /// Every class of any of the patient's slices.
    pub fn classes(&self) -> Vec<IldClass> {
        IldClass::ALL.into_iter().filter(|&c| self.slices.iter().any(|s| s.has(c))).collect()
    }
}

/// An opened ILD database.
#[derive(Clone, Debug, PartialEq)]
pub struct IldDatabase {
    pub root: PathBuf,
    pub patients: Vec<IldPatient>,
}

/// Whether `root` looks like an ILD database (an `ILD_DB_txtROIs` folder, or is one).
pub fn is_ild_root(root: &Path) -> bool {
    root.join(TXT_ROIS).is_dir() || root.file_name().is_some_and(|n| n == TXT_ROIS)
}

fn list_dir(dir: &Path) -> Result<Vec<PathBuf>, IldError> {
    let entries = fs::read_dir(dir).map_err(|source| IldError::Io { path: dir.into(), source })?;
    let mut out = Vec::new();
    for entry in entries {
        out.push(entry.map_err(|source| IldError::Io { path: dir.into(), source })?.path());
    }
    out.sort();
    Ok(out)
}

fn is_roi_file(path: &Path) -> bool {
    path.is_file() && path.extension().is_some_and(|e| e.eq_ignore_ascii_case("txt"))
}

/// Numeric ids in numeric order, then the others by name.
fn patient_order(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        (Ok(_), Err(_)) => std::cmp::Ordering::Less,
        (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
        _ => a.cmp(b),
    }
}

impl IldDatabase {
    /// Opens the database at `root` (headers and ROI files only).
    pub fn open(root: &Path) -> Result<IldDatabase, IldError> {
        IldDatabase::open_with_progress(root, &mut |_, _| {})
    }

    /// [`IldDatabase::open`], calling `progress(done, total)` after each patient folder.
    pub fn open_with_progress(root: &Path, progress: &mut dyn FnMut(usize, usize)) -> Result<IldDatabase, IldError> {
        if !root.is_dir() {
            return Err(IldError::Invalid { path: root.into(), detail: "no such folder".into() });
        }
        let (txt, base) = if root.join(TXT_ROIS).is_dir() {
            (root.join(TXT_ROIS), root.to_path_buf())
        } else {
            (root.to_path_buf(), root.parent().unwrap_or(root).to_path_buf())
        };
        let mut patients = Vec::new();
        let dirs: Vec<PathBuf> = list_dir(&txt)?.into_iter().filter(|p| p.is_dir()).collect();
        for (done, dir) in dirs.iter().enumerate() {
            let id = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let optional = |folder: &str| Some(base.join(folder).join(&id)).filter(|p| p.is_dir());
            let mut patient = IldPatient {
                lung_mask_dir: optional(LUNG_MASKS),
                volume_roi_dir: optional(VOLUME_ROIS),
                id,
                dir: dir.clone(),
                slices: Vec::new(),
                ignored: BTreeMap::new(),
                warnings: Vec::new(),
            };
            let mut folders = vec![dir.clone()];
            folders.extend(list_dir(dir)?.into_iter().filter(|p| p.is_dir()));
            for folder in folders {
                read_series_folder(&folder, &mut patient)?;
            }
            attach_masks(&mut patient);
            if !patient.slices.is_empty() || !patient.ignored.is_empty() {
                patients.push(patient);
            }
            progress(done + 1, dirs.len());
        }
        if patients.is_empty() {
            return Err(IldError::Invalid {
                path: txt,
                detail: "no patient folder with ROI files (.txt) and slices: not an ILD database".into(),
            });
        }
        patients.sort_by(|a, b| patient_order(&a.id, &b.id));
        Ok(IldDatabase { root: root.into(), patients })
    }

    /// The patient with this id.
    pub fn patient(&self, id: &str) -> Option<&IldPatient> {
        self.patients.iter().find(|p| p.id == id)
    }
}

/// Pairs the patient's slices with their `ILD_DB_lungMasks` and `ILD_DB_volumeROIs` files; a
/// slice without one is named in the warnings (the slice level then estimates its lung).
fn attach_masks(patient: &mut IldPatient) {
    type Field = fn(&mut IldSlice) -> &mut Option<PathBuf>;
    let kinds: [(&str, Option<PathBuf>, Field); 2] = [
        ("lung_mask", patient.lung_mask_dir.clone(), |s| &mut s.lung_mask),
        ("roi_mask", patient.volume_roi_dir.clone(), |s| &mut s.label_mask),
    ];
    for (kind, dir, field) in kinds {
        let Some(dir) = dir else { continue };
        let masks = index_mask_files(&dir, kind);
        let mut missing = Vec::new();
        for slice in &mut patient.slices {
            *field(slice) = mask_for_slice(&masks, &patient.dir, &slice.header.path);
            if field(slice).is_none() {
                missing.push(slice.slice_number.to_string());
            }
        }
        if !missing.is_empty() {
            let then = if kind == "lung_mask" { "; their lungs are estimated" } else { "" };
            patient.warnings.push(format!(
                "{}: no {} for slice(s) {} (file names {kind}_*_<number>.dcm, the number of the slice's file){then}",
                dir.display(),
                kind.replace('_', " "),
                missing.join(", ")
            ));
        }
    }
}

/// Adds the ROI files of one folder (and the slices they annotate) to `patient`.
fn read_series_folder(folder: &Path, patient: &mut IldPatient) -> Result<(), IldError> {
    let files = list_dir(folder)?;
    let rois: Vec<&PathBuf> = files.iter().filter(|p| is_roi_file(p)).collect();
    if rois.is_empty() {
        return Ok(());
    }
    let images: Vec<PathBuf> = files.iter().filter(|p| p.is_file() && !is_roi_file(p)).cloned().collect();
    let headers: Vec<SliceHeader> = scan_headers(&images)?.into_iter().flat_map(|s| s.slices).collect();
    for path in rois {
        let roi = read_roi_file(path)?;
        add_roi_file(&roi, &headers, patient);
    }
    Ok(())
}

fn add_roi_file(roi: &RoiFile, headers: &[SliceHeader], patient: &mut IldPatient) {
    let of_series: Vec<&SliceHeader> = match &roi.series_uid {
        Some(uid) if headers.iter().any(|h| &h.series_uid == uid) => {
            headers.iter().filter(|h| &h.series_uid == uid).collect()
        }
        _ => headers.iter().collect(),
    };
    let name = roi.path.display();
    for contour in &roi.contours {
        let Some(class) = contour.class else {
            *patient.ignored.entry(contour.label.clone()).or_default() += 1;
            continue;
        };
        let roi_index = patient.slices.iter().map(|s| s.contours.len()).sum::<usize>();
        let Some(header) = of_series.iter().find(|h| h.instance_number == Some(contour.slice_number)) else {
            patient.warnings.push(format!(
                "{name}, line {}: slice_number {} has no DICOM file with that InstanceNumber; contour skipped",
                contour.line, contour.slice_number
            ));
            continue;
        };
        if let Some([row_mm, col_mm]) = header.pixel_spacing_mm
            && ((row_mm - roi.spacing_y_mm).abs() > 1e-3 || (col_mm - roi.spacing_x_mm).abs() > 1e-3)
        {
            let warning = format!(
                "{name}: SpacingX/Y {}/{} mm differ from {}'s PixelSpacing {col_mm}/{row_mm} mm; the ROI file's are used",
                roi.spacing_x_mm,
                roi.spacing_y_mm,
                header.path.display()
            );
            if !patient.warnings.contains(&warning) {
                patient.warnings.push(warning);
            }
        }
        let points = roi.contour_pixels(contour);
        let series_uid = header.series_uid.clone();
        let found =
            patient.slices.iter().position(|s| s.series_uid == series_uid && s.slice_number == contour.slice_number);
        let at = found.unwrap_or_else(|| {
            patient.slices.push(IldSlice {
                series_uid,
                slice_number: contour.slice_number,
                header: (*header).clone(),
                roi_file: roi.path.clone(),
                contours: Vec::new(),
                lung_mask: None,
                label_mask: None,
            });
            patient.slices.len() - 1
        });
        let slice = &mut patient.slices[at];
        slice.contours.push(SliceContour { roi: roi_index, class, points });
    }
    patient.slices.sort_by(|a, b| (&a.series_uid, a.slice_number).cmp(&(&b.series_uid, b.slice_number)));
}
