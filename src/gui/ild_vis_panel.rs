//! The Visualisation tab's picker for ILD runs: the annotated slices (slice-level runs) or the
//! patches (patch-level runs) of the run's study, listed off the UI thread; the chosen one is
//! what the pool-5 maps, the deconvnet and Grad-CAM are drawn for (the paper's Fig. 13).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use eframe::egui;

use crate::core::ild::IldClass;
use crate::core::train::RunDir;
use crate::core::vis::{IldTarget, ild_targets};

/// The targets of one run's study and the chosen one.
#[derive(Default)]
pub struct IldVisState {
    /// The run the targets were listed for, and the listing.
    pub targets: Option<(PathBuf, Result<Vec<IldTarget>, String>)>,
    pub pending: bool,
    pub chosen: Option<IldTarget>,
    /// One entry per slice of the listing: its first target and its text (built once: the
    /// real database has thousands of patches).
    slices: Vec<(usize, String)>,
}

impl IldVisState {
    /// Whether the targets of `run` still have to be listed (and none is being listed).
    pub fn needs_listing(&self, run: &Path) -> bool {
        !self.pending && self.targets.as_ref().is_none_or(|(r, _)| r != run)
    }

    /// Takes a listing; the first target is chosen when the choice is not in it.
    pub fn listed(&mut self, run: PathBuf, targets: Result<Vec<IldTarget>, String>) {
        self.pending = false;
        if let Ok(list) = &targets
            && self.chosen.as_ref().is_none_or(|c| !list.contains(c))
        {
            self.chosen = list.first().cloned();
        }
        self.slices = targets.as_ref().map_or(Vec::new(), |t| slice_entries(t));
        self.targets = Some((run, targets));
    }
}

/// Lists the targets of a run (reads its configuration, the ROI files and DICOM headers).
pub fn list_targets(run: &Path) -> Result<Vec<IldTarget>, String> {
    let config = RunDir::open(run).and_then(|r| r.read_config()).map_err(|e| e.to_string())?;
    ild_targets(&config).map_err(|e| e.to_string())
}

fn same_slice(a: &IldTarget, b: &IldTarget) -> bool {
    a.patient == b.patient && a.slice_number == b.slice_number
}

/// Per slice, its first target and "patient 3, slice 6 (ground_glass, fibrosis)": the classes
/// of the slice (slice level) or of its patches (patch level).
fn slice_entries(targets: &[IldTarget]) -> Vec<(usize, String)> {
    let mut entries: Vec<(usize, Vec<IldClass>)> = Vec::new();
    let mut index: HashMap<(&str, i32), usize> = HashMap::new();
    for (i, t) in targets.iter().enumerate() {
        let at = *index.entry((t.patient.as_str(), t.slice_number)).or_insert_with(|| {
            entries.push((i, Vec::new()));
            entries.len() - 1
        });
        entries[at].1.extend(&t.classes);
    }
    entries
        .into_iter()
        .map(|(i, mut classes)| {
            classes.sort();
            classes.dedup();
            let names: Vec<&str> = classes.iter().map(|c| c.name()).collect();
            let t = &targets[i];
            (i, format!("patient {}, slice {} ({})", t.patient, t.slice_number, names.join(", ")))
        })
        .collect()
}

/// The slice (and, for patch-level runs, the patch) to draw the figures for.
pub fn picker_ui(ui: &mut egui::Ui, state: &mut IldVisState) {
    let Some((_, listing)) = &state.targets else {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("listing the run's annotated slices…");
        });
        return;
    };
    let targets = match listing {
        Ok(t) if !t.is_empty() => t,
        Ok(_) => {
            ui.label("the run's study has no annotated slice of the six classes");
            return;
        }
        Err(e) => {
            ui.colored_label(egui::Color32::from_rgb(255, 120, 100), e);
            return;
        }
    };
    let mut chosen = state.chosen.clone();
    ui.horizontal_wrapped(|ui| {
        let current = chosen.as_ref().and_then(|c| state.slices.iter().find(|(i, _)| same_slice(&targets[*i], c)));
        let current = current.map_or("(choose)".to_string(), |(_, text)| text.clone());
        egui::ComboBox::from_label("ILD slice").selected_text(current).show_ui(ui, |ui| {
            for (i, text) in &state.slices {
                let t = &targets[*i];
                let on = chosen.as_ref().is_some_and(|c| same_slice(c, t));
                if ui.selectable_label(on, text).clicked() && !on {
                    chosen = Some(t.clone());
                }
            }
        });
        let Some(c) = chosen.clone().filter(|c| c.patch.is_some()) else { return };
        let on_slice: Vec<&IldTarget> = targets.iter().filter(|t| same_slice(t, &c)).collect();
        let patch_text = |t: &IldTarget| match t.patch {
            Some((roi, row, col)) => format!("({row}, {col}) in roi {roi}, {}", t.classes[0]),
            None => String::new(),
        };
        let l = ui.label(format!("patch ({} on this slice)", on_slice.len()));
        egui::ComboBox::from_id_salt("ild-patch")
            .selected_text(patch_text(&c))
            .show_ui(ui, |ui| {
                for t in on_slice {
                    ui.selectable_value(&mut chosen, Some(t.clone()), patch_text(t));
                }
            })
            .response
            .labelled_by(l.id);
    });
    state.chosen = chosen;
    if let Some(c) = &state.chosen {
        ui.label(
            egui::RichText::new(format!(
                "the network sees {}: the three-window RGB composite, resized to its input, as in evaluation",
                c.describe()
            ))
            .small(),
        );
    }
}
