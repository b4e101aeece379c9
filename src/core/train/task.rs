//! What a run learns: the lymph-node task (2.5D views of candidates, 2 classes) or the paper's
//! interstitial-lung-disease task on patches or whole slices (6 classes).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Task {
    /// Lymph-node candidates: true node or not, from random 2.5D views.
    #[default]
    Ln,
    /// ILD tissue class of a 64 × 64 patch inside a contour.
    IldPatch,
    /// ILD: a class of a whole axial slice (a hit when it is one of the slice's classes).
    IldSlice,
}

impl Task {
    pub const ALL: [Task; 3] = [Task::Ln, Task::IldPatch, Task::IldSlice];

    pub fn name(self) -> &'static str {
        match self {
            Task::Ln => "ln",
            Task::IldPatch => "ild-patch",
            Task::IldSlice => "ild-slice",
        }
    }

    pub fn is_ild(self) -> bool {
        matches!(self, Task::IldPatch | Task::IldSlice)
    }

    /// The number of classes the task's networks output.
    pub fn classes(self) -> usize {
        if self.is_ild() { crate::core::ild::CLASSES } else { 2 }
    }
}

impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Task {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Task::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| format!("{s:?} is not a task (ln, ild-patch or ild-slice)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in Task::ALL {
            assert_eq!(t.name().parse::<Task>(), Ok(t));
        }
        assert_eq!(Task::IldSlice.classes(), 6);
        assert!("ild".parse::<Task>().is_err());
    }
}
