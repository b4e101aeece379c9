//! `study.csv`: one row per patient with its region, volume path and (optionally) the folder
//! of its annotation files and its instance-label node mask, all relative to the study folder.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::StudyError;
use crate::core::atomic::write_atomically;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManifestRow {
    pub patient: String,
    pub region: String,
    pub volume: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<String>,
    /// A NIfTI instance-label mask (one id per node, the node's line in the nodes file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mask: Option<String>,
}

pub fn read_manifest(path: &Path) -> Result<Vec<ManifestRow>, StudyError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_path(path).map_err(|e| csv_error(path, e))?;
    let headers = reader.headers().map_err(|e| csv_error(path, e))?.clone();
    for column in ["patient", "region", "volume"] {
        if !headers.iter().any(|h| h == column) {
            let detail = format!("missing column '{column}' (expected patient,region,volume[,annotations][,mask])");
            return Err(StudyError::Invalid { path: path.into(), detail });
        }
    }
    let mut rows: Vec<ManifestRow> = Vec::new();
    for (i, record) in reader.deserialize::<ManifestRow>().enumerate() {
        let mut row = record.map_err(|e| csv_error(path, e))?;
        if row.annotations.as_deref() == Some("") {
            row.annotations = None;
        }
        if row.mask.as_deref() == Some("") {
            row.mask = None;
        }
        if row.patient.is_empty() {
            return Err(StudyError::Parse { path: path.into(), line: i + 2, detail: "empty patient id".into() });
        }
        if rows.iter().any(|r| r.patient == row.patient) {
            let detail = format!("patient '{}' is listed twice", row.patient);
            return Err(StudyError::Parse { path: path.into(), line: i + 2, detail });
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(StudyError::Invalid { path: path.into(), detail: "the manifest lists no patients".into() });
    }
    Ok(rows)
}

fn csv_error(path: &Path, e: csv::Error) -> StudyError {
    let line = e.position().map_or(0, |p| p.line() as usize);
    let detail = e.to_string();
    match e.into_kind() {
        csv::ErrorKind::Io(source) => StudyError::Io { path: path.into(), source },
        _ => StudyError::Parse { path: path.into(), line, detail },
    }
}

pub fn write_manifest(path: &Path, rows: &[ManifestRow]) -> Result<(), StudyError> {
    write_atomically(path, |w| {
        let mut writer = csv::Writer::from_writer(w);
        for row in rows {
            writer.serialize(row).map_err(std::io::Error::other)?;
        }
        writer.flush()
    })
    .map_err(|source| StudyError::Io { path: path.into(), source })
}
