//! The network input of an ILD run for one annotated slice (slice-level runs) or one patch
//! (patch-level runs) of its study, rendered by the run's own dataset exactly as evaluation
//! renders it: the three-window RGB composite, resized to the model's input and normalised.

use serde::{Deserialize, Serialize};

use super::{ViewInput, VisError};
use crate::core::dataset::{Purpose, Sample};
use crate::core::ild::IldClass;
use crate::core::ild::dataset::{IldItem, IldSet};
use crate::core::train::{TrainConfig, ild_fold_split, open_ild};

/// An item of an ILD run's study a figure can be drawn for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IldTarget {
    pub patient: String,
    pub slice_number: i32,
    /// Slice level: every class the slice has a contour of. Patch level: the patch's class.
    pub classes: Vec<IldClass>,
    /// Patch level: the contour and the patch centre (row, column).
    pub patch: Option<(usize, usize, usize)>,
}

impl IldTarget {
    /// "patient 3, slice 6 (ground_glass, fibrosis)" or "... patch at (120, 88), roi 2 (fibrosis)".
    pub fn describe(&self) -> String {
        let classes: Vec<&str> = self.classes.iter().map(|c| c.name()).collect();
        let head = format!("patient {}, slice {}", self.patient, self.slice_number);
        match self.patch {
            Some((roi, row, col)) => format!("{head}, patch at ({row}, {col}) of roi {roi} ({})", classes.join(", ")),
            None => format!("{head} ({})", classes.join(", ")),
        }
    }
}

/// The target an item stands for (a slice appears once, whatever number of classes it has).
fn target_of(set: &IldSet, item: &IldItem) -> IldTarget {
    let patient = &set.db.patients[item.patient()];
    let slice = &patient.slices[item.slice()];
    let (classes, patch) = match item {
        IldItem::Patch(p) => (vec![p.class], Some((p.roi, p.center_row, p.center_col))),
        IldItem::Slice { .. } => (slice.classes(), None),
    };
    IldTarget { patient: patient.id.clone(), slice_number: slice.slice_number, classes, patch }
}

/// Every slice (slice level) or patch (patch level) of the run's study, in the dataset's order;
/// only the ROI files and DICOM headers are read.
pub fn ild_targets(config: &TrainConfig) -> Result<Vec<IldTarget>, VisError> {
    let set = open_ild(config).map_err(VisError::Data)?;
    let mut seen = std::collections::HashSet::new();
    Ok(set.items.iter().map(|item| target_of(&set, item)).filter(|t| seen.insert(t.clone())).collect())
}

/// The network input for `target`: view 0 of its item, as the evaluation shows it (the slice
/// unrotated and unshifted, or the patch), through the run's dataset.
pub fn ild_view_input(config: &TrainConfig, target: &IldTarget) -> Result<ViewInput, VisError> {
    let mut set = open_ild(config).map_err(VisError::Data)?;
    let index = set
        .items
        .iter()
        .position(|item| &target_of(&set, item) == target)
        .ok_or_else(|| VisError::Data(format!("{} is not in {}", target.describe(), config.study.display())))?;
    let item = set.items[index];
    let split = ild_fold_split(config, &set).map_err(VisError::Data)?;
    set.set_training_patients(&split.train);
    set.load_images(&[item.patient()]).map_err(|e| VisError::Data(e.to_string()))?;
    let sample = Sample { patient: item.patient(), candidate: index, label: item.class().index(), view: 0 };
    let n = set.input.input_size;
    let mut values = vec![0f32; 3 * n * n];
    set.render_into(&sample, Purpose::Evaluate, &mut values);
    Ok(ViewInput::new(values, n))
}
