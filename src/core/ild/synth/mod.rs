//! `cadet ild synth`: a small study in the HUG ILD layout (DICOM slices written with dicom-rs,
//! ROI text files), so the importer is what reads it. Each slice's lungs carry regions of the
//! six textures with their contours; the anatomy is a real chest CT's lungs when one is given,
//! a phantom chest otherwise. Everything derives from the seed: same seed (and same CT), same
//! bytes.

mod base;
mod texture;

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use rand::RngExt;
use rand_pcg::Pcg64;
use serde::Serialize;

use super::database::{LUNG_MASKS, TXT_ROIS, VOLUME_ROIS};
use super::lung::mask::fill_holes;
use super::polygon::rasterize;
use super::roi::PixelPoint;
use super::{IldClass, IldError};
use crate::core::atomic::write_bytes_atomically;
use crate::core::dicom::{CtSlice, write_ct_slice};
use crate::core::seed::{mix_seed, rng_for};
use crate::core::volume::Volume;
pub use base::{BaseSlice, lung_slices, phantom_slice, real_slice};

/// Seed stream of the synthetic ILD study.
const SYNTH_STREAM: u64 = 103;

/// Parameters of a synthetic ILD study.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IldSynthConfig {
    pub patients: usize,
    /// Annotated slices per patient (10 mm apart, as HRCT).
    pub slices: usize,
    /// Rows and columns of a slice.
    pub size: usize,
    pub spacing_mm: f64,
    pub seed: u64,
    /// Also write each slice's lung mask (the anatomy's lungs, holes filled) and label mask (each
    /// contour's pixels set to its class's code, [`label_code`]) in the HUG layout
    /// (`ILD_DB_lungMasks`, `ILD_DB_volumeROIs`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub masks: bool,
}

impl Default for IldSynthConfig {
    fn default() -> Self {
        Self { patients: 6, slices: 3, size: 320, spacing_mm: 1.09375, seed: 2016, masks: false }
    }
}

/// What the lungs are drawn on.
pub enum Anatomy<'a> {
    Phantom,
    /// A real chest CT (its path is recorded in synth.json).
    Real {
        volume: &'a Volume,
        path: &'a Path,
    },
}

/// The slices' stored values are HU + 1024 (RescaleIntercept −1024); outside the scanner's
/// circular field of view they are the HUG padding of −2000 HU, declared as PixelPaddingValue
/// (as scanners do) so that any DICOM reader shows it as air.
const INTERCEPT: f64 = -1024.0;
const PADDING_HU: f32 = -2000.0;

fn uid(seed: u64, parts: &[u64]) -> String {
    format!("2.25.{}", parts.iter().fold(mix_seed(seed, SYNTH_STREAM), |s, &p| mix_seed(s, p)))
}

/// The code of a label in the HUG label masks (`ILD_DB_volumeROIs`): the six classes are 1 to 6 in
/// the classes' order, reticulation 8, as in the MedGIFT database's numbering.
pub fn label_code(label: &str) -> i16 {
    match IldClass::ALL.iter().position(|c| c.name() == label) {
        Some(i) => i as i16 + 1,
        None => 8,
    }
}

/// The classes of contour `j` on slice `s` of patient `p`: every class in turn, so each
/// appears about equally often and patients differ in theirs.
fn contour_class(p: usize, s: usize, j: usize) -> IldClass {
    IldClass::ALL[(p + 2 * s + 3 * j) % IldClass::ALL.len()]
}

/// A region of `lung` (one side: columns left or right of the middle) for a contour: a blob
/// mostly inside the lung that overlaps no earlier region.
fn place_region(
    lung: &[bool],
    taken: &[bool],
    n: usize,
    left: bool,
    rng: &mut Pcg64,
) -> Option<(Vec<PixelPoint>, Vec<bool>)> {
    let side: Vec<usize> = (0..n * n).filter(|&i| lung[i] && ((i % n) < n / 2) == left && !taken[i]).collect();
    if side.is_empty() {
        return None;
    }
    for attempt in 0..300 {
        let radius = n as f64 * rng.random_range(0.11..0.14) * (1.0 - attempt as f64 / 400.0);
        let i = side[rng.random_range(0..side.len())];
        let polygon = texture::blob(((i / n) as f64, (i % n) as f64), radius, 28, rng);
        let mask = rasterize(&polygon, n, n);
        let area = mask.iter().filter(|&&b| b).count();
        let in_lung = (0..n * n).filter(|&k| mask[k] && lung[k]).count();
        let overlap = (0..n * n).filter(|&k| mask[k] && taken[k]).count();
        if area > 0 && in_lung * 100 >= area * 92 && overlap == 0 {
            return Some((polygon, mask));
        }
    }
    None
}

/// One ROI block of a file.
fn roi_block(out: &mut String, label: &str, slice_number: i32, polygon: &[PixelPoint], spacing_mm: f64) {
    let _ = writeln!(out, "label: {label}\nlocalisation: non-relevant\nslice_number: {slice_number}");
    let _ = writeln!(out, "nb_points_on_contour: {}", polygon.len());
    for p in polygon {
        let _ = writeln!(out, "{:.3} {:.3}", p.col * spacing_mm, p.row * spacing_mm);
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> IldError + '_ {
    move |source| IldError::Io { path: path.into(), source }
}

/// Writes the study into `out` (which must not hold an ILD database yet); returns the number of
/// slices written. `progress(p)` is called after each patient.
pub fn write_ild_study(
    out: &Path,
    config: &IldSynthConfig,
    anatomy: &Anatomy<'_>,
    progress: &dyn Fn(usize),
) -> Result<usize, IldError> {
    let txt = out.join(TXT_ROIS);
    if txt.exists() {
        let detail = "already holds an ILD database; choose another --out, cadet never overwrites one".into();
        return Err(IldError::Invalid { path: out.into(), detail });
    }
    if config.patients == 0 || config.slices == 0 || !(64..=1024).contains(&config.size) {
        let detail = "need at least one patient and slice, and a size of 64 to 1024 pixels".into();
        return Err(IldError::Invalid { path: out.into(), detail });
    }
    let ks = match anatomy {
        Anatomy::Real { volume, .. } => lung_slices(volume),
        Anatomy::Phantom => Vec::new(),
    };
    let n = config.size;
    let mut written = 0;
    for p in 0..config.patients {
        let id = (p + 1).to_string();
        // every third patient keeps its series in a sub-folder, as some HUG patients do
        let series_folder = if p % 3 == 2 { Path::new("HRCT") } else { Path::new("") };
        let dir = txt.join(&id).join(series_folder);
        fs::create_dir_all(&dir).map_err(io(&dir))?;
        let mask_dir = out.join(LUNG_MASKS).join(&id).join(series_folder).join("lung_mask");
        let label_dir = out.join(VOLUME_ROIS).join(&id).join(series_folder).join("roi_mask");
        if config.masks {
            fs::create_dir_all(&mask_dir).map_err(io(&mask_dir))?;
            fs::create_dir_all(&label_dir).map_err(io(&label_dir))?;
        }
        let (study_uid, series_uid) = (uid(config.seed, &[p as u64, 0]), uid(config.seed, &[p as u64, 1]));
        let mut roi_text = format!(
            "Study: {study_uid}\nSeries: {series_uid}\nSpacingX: {sp}\nSpacingY: {sp}\nSpacingZ: 10.0\n",
            sp = config.spacing_mm
        );
        for s in 0..config.slices {
            let mut rng = rng_for(config.seed, &[SYNTH_STREAM, p as u64, s as u64]);
            let BaseSlice { mut hu, lung } = match anatomy {
                Anatomy::Real { volume, .. } if !ks.is_empty() => {
                    let k = ks[(p * config.slices + s) * 7 % ks.len()];
                    real_slice(volume, k, n, config.spacing_mm)
                }
                _ => phantom_slice(n, &mut rng),
            };
            let slice_number = (3 + 5 * s) as i32;
            let mut taken = vec![false; n * n];
            let mut labels = vec![0i16; n * n];
            for j in 0..2 {
                let class = contour_class(p, s, j);
                let Some((polygon, mask)) = place_region(&lung, &taken, n, j % 2 == 0, &mut rng) else { continue };
                let region: Vec<bool> = (0..n * n).map(|k| mask[k] && lung[k]).collect();
                texture::draw(class, &mut hu, &region, n, config.spacing_mm, &mut rng);
                taken.iter_mut().zip(&mask).for_each(|(t, &m)| *t |= m);
                labels.iter_mut().zip(&mask).filter(|(_, m)| **m).for_each(|(l, _)| *l = label_code(class.name()));
                roi_block(&mut roi_text, class.name(), slice_number, &polygon, config.spacing_mm);
            }
            if s == 0 && p % 2 == 1 {
                // a label outside the six classes, as the HUG files have (listed and ignored)
                if let Some((polygon, mask)) = place_region(&lung, &taken, n, true, &mut rng) {
                    labels
                        .iter_mut()
                        .zip(&mask)
                        .filter(|(_, m)| **m)
                        .for_each(|(l, _)| *l = label_code("reticulation"));
                    roi_block(&mut roi_text, "reticulation", slice_number, &polygon, config.spacing_mm);
                }
            }
            let stored = finish_pixels(&hu, n, &mut rng);
            let sop = uid(config.seed, &[p as u64, 2, s as u64]);
            let path = dir.join(format!("CT-1-{slice_number:04}.dcm"));
            let slice = CtSlice {
                patient_id: &id,
                study_uid: &study_uid,
                series_uid: &series_uid,
                sop_instance_uid: &sop,
                instance_number: slice_number,
                rows: n as u16,
                columns: n as u16,
                pixel_spacing_mm: [config.spacing_mm; 2],
                slice_thickness_mm: 1.0,
                position_lps: [
                    -(n as f64 - 1.0) / 2.0 * config.spacing_mm,
                    -(n as f64 - 1.0) / 2.0 * config.spacing_mm,
                    -10.0 * f64::from(slice_number),
                ],
                slope: 1.0,
                intercept: INTERCEPT,
                stored: &stored,
                padding: Some((f64::from(PADDING_HU) - INTERCEPT) as i16),
            };
            write_ct_slice(&path, &slice)?;
            if config.masks {
                let lung_mask: Vec<i16> = fill_holes(&lung, n, n).iter().map(|&l| if l { 255 } else { 0 }).collect();
                for (dir, name, stored, k) in
                    [(&mask_dir, "lung_mask", &lung_mask, 3), (&label_dir, "roi_mask", &labels, 4)]
                {
                    let sop = uid(config.seed, &[p as u64, k, s as u64]);
                    let mask =
                        CtSlice { sop_instance_uid: &sop, intercept: 0.0, stored, padding: None, ..slice.clone() };
                    write_ct_slice(&dir.join(format!("{name}_1_{slice_number:02}.dcm")), &mask)?;
                }
            }
            written += 1;
        }
        let roi_path = dir.join("CT-1.txt");
        write_bytes_atomically(&roi_path, roi_text.as_bytes()).map_err(io(&roi_path))?;
        progress(p + 1);
    }
    let source = match anatomy {
        Anatomy::Phantom => "phantom".to_string(),
        Anatomy::Real { path, .. } => path.display().to_string(),
    };
    let record = serde_json::json!({ "config": config, "anatomy": source });
    let json = out.join("synth.json");
    write_bytes_atomically(&json, record.to_string().as_bytes()).map_err(io(&json))?;
    Ok(written)
}

/// Adds scanner noise, writes the padding outside the circular field of view, and stores HU as
/// HU − intercept.
fn finish_pixels(hu: &[f32], n: usize, rng: &mut Pcg64) -> Vec<i16> {
    let mid = (n as f64 - 1.0) / 2.0;
    let radius = n as f64 / 2.0;
    (0..n * n)
        .map(|i| {
            let (dr, dc) = ((i / n) as f64 - mid, (i % n) as f64 - mid);
            let noise: f32 = (0..4).map(|_| rng.random_range(-1.0f32..1.0)).sum::<f32>() * 12.0;
            let v = if dr * dr + dc * dc > radius * radius { PADDING_HU } else { hu[i] + noise };
            (f64::from(v).round() - INTERCEPT).clamp(f64::from(i16::MIN), f64::from(i16::MAX)) as i16
        })
        .collect()
}

/// The chest CT the study draws real lungs from, when present: `../shared/data/ct/chest_cta_1.5mm.nii.gz`.
pub fn default_lung_ct() -> Option<PathBuf> {
    Some(PathBuf::from("../shared/data/ct/chest_cta_1.5mm.nii.gz")).filter(|p| p.is_file())
}
