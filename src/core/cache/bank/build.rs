//! Writing a bank: every candidate's K views sampled once (all cores), patient by patient from
//! the volume cache, in chunks of candidates; after each chunk the bytes are synced and the
//! progress file says so, so an interrupted run resumes where it stopped. View `k` of a
//! candidate depends only on the seed, the candidate and `k`: the same seed, the same bytes.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::manifest::{BANK_FORMAT, BankManifest, BankPatient, BankProgress, STORAGE};
use super::{BankError, PARAMS_FILE, PARAMS_PER_VIEW, VIEWS_FILE, view_spec_values};
use crate::core::cache::VolumeCache;
use crate::core::dataset::candidate_stream;
use crate::core::sampling::{Interpolation, ViewProtocol};
use crate::core::study::Study;
use crate::core::window::Window;

/// What to bank.
#[derive(Clone, Debug)]
pub struct BankRequest {
    pub study: PathBuf,
    pub out: PathBuf,
    pub seed: u64,
    pub views_per_candidate: usize,
    pub size: usize,
    pub interpolation: Interpolation,
    pub protocol: ViewProtocol,
    pub window: Window,
}

/// How a bank run ended.
#[derive(Clone, Debug, PartialEq)]
pub struct BankSummary {
    pub rows: usize,
    pub views: usize,
    /// Rows written by this run (the others were done before).
    pub written_rows: usize,
    pub complete: bool,
}

/// Bytes of views buffered per chunk before they are written and recorded.
const CHUNK_BYTES: usize = 32 << 20;

fn manifest_for(request: &BankRequest, study: &Study) -> BankManifest {
    let mut first_row = 0;
    let patients = study
        .patients
        .iter()
        .map(|p| {
            let bp = BankPatient {
                id: p.id.clone(),
                region: p.region.clone(),
                lesions: p.lesions.clone(),
                candidates: p.candidates.clone(),
                first_row,
            };
            first_row += p.candidates.len();
            bp
        })
        .collect();
    let study = std::fs::canonicalize(&request.study).unwrap_or_else(|_| request.study.clone());
    BankManifest {
        format: BANK_FORMAT,
        storage: STORAGE.into(),
        study,
        seed: request.seed,
        views_per_candidate: request.views_per_candidate,
        size: request.size,
        interpolation: request.interpolation,
        protocol: request.protocol.clone(),
        window: request.window,
        patients,
    }
}

fn open_sized(path: &Path, len: u64) -> Result<File, BankError> {
    let file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path);
    let file = file.map_err(|e| BankError::io(path, e))?;
    if file.metadata().map_err(|e| BankError::io(path, e))?.len() != len {
        file.set_len(len).map_err(|e| BankError::io(path, e))?;
    }
    Ok(file)
}

fn write_at(file: &mut File, path: &Path, offset: u64, bytes: &[u8]) -> Result<(), BankError> {
    file.seek(SeekFrom::Start(offset)).and_then(|_| file.write_all(bytes)).map_err(|e| BankError::io(path, e))
}

/// Writes (or continues) a bank. `progress(views_done, views_total)` is called after each chunk
/// and returns whether to go on: `false` stops there, as an interruption would.
pub fn build_bank(
    request: &BankRequest,
    cache: &VolumeCache,
    progress: &mut dyn FnMut(usize, usize) -> bool,
) -> Result<BankSummary, BankError> {
    let k = request.views_per_candidate;
    if k == 0 || request.size < 8 {
        return Err(BankError::Request("give at least 1 view per candidate and a size of at least 8 px".into()));
    }
    let study = Study::load(&request.study).map_err(|e| BankError::Request(e.to_string()))?;
    let manifest = manifest_for(request, &study);
    let dir = &request.out;
    std::fs::create_dir_all(dir).map_err(|e| BankError::io(dir, e))?;
    let manifest_path = dir.join(super::MANIFEST_FILE);
    if manifest_path.exists() {
        if BankManifest::read(&manifest_path)? != manifest {
            return Err(BankError::Request(format!(
                "{} holds a bank made from other settings or another study; choose another --out",
                dir.display()
            )));
        }
    } else {
        manifest.write(&manifest_path)?;
    }
    let rows = manifest.rows();
    let progress_path = dir.join(super::PROGRESS_FILE);
    let mut done = BankProgress::read(&progress_path, rows)?;
    let view_bytes = manifest.view_bytes();
    let (views_path, params_path) = (dir.join(VIEWS_FILE), dir.join(PARAMS_FILE));
    let mut views_file = open_sized(&views_path, (rows * k * view_bytes) as u64)?;
    let mut params_file = open_sized(&params_path, (rows * k * PARAMS_PER_VIEW * 8) as u64)?;
    let chunk_rows = (CHUNK_BYTES / (k * view_bytes)).max(1);
    let total = rows * k;
    let mut finished = done.done.iter().filter(|&&d| d).count() * k;
    let mut written_rows = 0;
    for (p, patient) in study.patients.iter().enumerate() {
        let first = manifest.patients[p].first_row;
        let todo: Vec<usize> = (0..patient.candidates.len()).filter(|&c| !done.done[first + c]).collect();
        if todo.is_empty() {
            continue;
        }
        let (sampler, _) = cache
            .sampler(&patient.volume_path, patient.series.as_deref(), request.interpolation, || {
                patient.load_volume().map(|f| f.volume).map_err(|e| e.to_string())
            })
            .map_err(BankError::Cache)?;
        for chunk in todo.chunks(chunk_rows) {
            let mut pixels = vec![0u8; chunk.len() * k * view_bytes];
            let mut params = vec![0f64; chunk.len() * k * PARAMS_PER_VIEW];
            pixels.par_chunks_mut(view_bytes).zip(params.par_chunks_mut(PARAMS_PER_VIEW)).enumerate().for_each(
                |(i, (out, values))| {
                    let candidate = &patient.candidates[chunk[i / k]];
                    let stream = candidate_stream(&patient.id, candidate.id);
                    let spec = request.protocol.draw(request.seed, stream, (i % k) as u64, candidate.center());
                    let hu = sampler.sample(&spec, request.size);
                    out.iter_mut().zip(&hu).for_each(|(o, &v)| *o = request.window.apply_u8(v));
                    values.copy_from_slice(&view_spec_values(&spec));
                },
            );
            // candidates of a chunk may not be contiguous rows (some were done before)
            for (i, &c) in chunk.iter().enumerate() {
                let row = first + c;
                let block = &pixels[i * k * view_bytes..(i + 1) * k * view_bytes];
                write_at(&mut views_file, &views_path, (row * k * view_bytes) as u64, block)?;
                let values = &params[i * k * PARAMS_PER_VIEW..(i + 1) * k * PARAMS_PER_VIEW];
                let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
                write_at(&mut params_file, &params_path, (row * k * PARAMS_PER_VIEW * 8) as u64, &bytes)?;
            }
            views_file.sync_data().map_err(|e| BankError::io(&views_path, e))?;
            params_file.sync_data().map_err(|e| BankError::io(&params_path, e))?;
            for &c in chunk {
                done.done[first + c] = true;
            }
            done.write(&progress_path)?;
            written_rows += chunk.len();
            finished += chunk.len() * k;
            if !progress(finished, total) {
                return Ok(BankSummary { rows, views: total, written_rows, complete: false });
            }
        }
    }
    Ok(BankSummary { rows, views: total, written_rows, complete: done.complete() })
}
