//! Loading pretrained weights into a network's backbone (everything but the classifier, which
//! transfer learning re-initialises for the new classes), with a report of what was used,
//! skipped, missing or unused. This file handles cadet's own burnpack checkpoints (`.bpk`).

use std::path::{Path, PathBuf};

use burn::store::{BurnpackStore, ModuleSnapshot, ModuleStore, PathFilter};

use super::{ModelKind, Net};

#[derive(Debug, thiserror::Error)]
pub enum PretrainedError {
    #[error("{path}: {detail}")]
    Read { path: PathBuf, detail: String },
    #[error("{path}: unsupported weights format (expected .bpk)")]
    Format { path: PathBuf },
    #[error("{path}: the weights do not fit {model}:\n{report}")]
    Mismatch { path: PathBuf, model: String, report: String },
}

/// What a load did, by tensor path.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadReport {
    pub applied: Vec<String>,
    /// The classifier, left to its new initialisation.
    pub reinitialised: Vec<String>,
    /// Backbone tensors the file lacks.
    pub missing: Vec<String>,
    /// File tensors the model has no place for.
    pub unused: Vec<String>,
    /// Tensors whose shape or type differ.
    pub mismatched: Vec<String>,
}

impl LoadReport {
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty() && self.mismatched.is_empty()
    }

    /// A readable account, one line per problem.
    pub fn describe(&self) -> String {
        let mut lines = vec![format!(
            "{} tensors loaded, {} re-initialised (classifier)",
            self.applied.len(),
            self.reinitialised.len()
        )];
        for (what, list) in [("missing", &self.missing), ("unused", &self.unused), ("mismatched", &self.mismatched)] {
            if !list.is_empty() {
                lines.push(format!("{} {what}: {}", list.len(), list.join(", ")));
            }
        }
        lines.join("\n")
    }
}

/// Whether a tensor path belongs to the classifier of `kind`.
pub fn is_classifier(kind: ModelKind, path: &str) -> bool {
    let head = kind.classifier_prefix().trim_end_matches('.');
    path.split('.').any(|segment| segment == head)
}

/// Loads the backbone of `net` from `path`; the classifier keeps its fresh initialisation.
/// Missing or mis-shaped backbone tensors are an error unless `allow_partial`.
pub fn load_backbone(
    net: &mut Net,
    kind: ModelKind,
    path: &Path,
    allow_partial: bool,
) -> Result<LoadReport, PretrainedError> {
    let read_err = |detail: String| PretrainedError::Read { path: path.to_path_buf(), detail };
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if extension != "bpk" {
        return Err(PretrainedError::Format { path: path.to_path_buf() });
    }
    if !path.is_file() {
        return Err(read_err("no such file".into()));
    }
    let mut probe = BurnpackStore::from_file(path).auto_extension(false);
    let keys = probe.keys().map_err(|e| read_err(e.to_string()))?;
    let backbone: Vec<String> = keys.iter().filter(|k| !is_classifier(kind, k)).cloned().collect();
    let mut store = BurnpackStore::from_file(path)
        .auto_extension(false)
        .with_filter(PathFilter::new().with_full_paths(backbone))
        .allow_partial(true)
        .validate(false);
    let result = net.load_from(&mut store).map_err(|e| read_err(e.to_string()))?;
    let (reinitialised, missing): (Vec<String>, Vec<String>) =
        result.missing.iter().map(|(p, _)| p.clone()).partition(|p| is_classifier(kind, p));
    let report = LoadReport {
        applied: result.applied.clone(),
        reinitialised,
        missing,
        unused: result.unused.iter().filter(|p| !is_classifier(kind, p)).cloned().collect(),
        mismatched: result.errors.iter().map(|e| e.to_string()).collect(),
    };
    if !report.is_complete() && !allow_partial {
        return Err(PretrainedError::Mismatch {
            path: path.to_path_buf(),
            model: kind.name().into(),
            report: report.describe(),
        });
    }
    Ok(report)
}
