//! The six tissue classes of the HUG ILD database, in the paper's order, and the label names
//! its ROI files use for them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A tissue class of the paper's ILD task; the discriminant is the class index of the networks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IldClass {
    Healthy,
    Emphysema,
    GroundGlass,
    Fibrosis,
    Micronodules,
    Consolidation,
}

/// The number of classes.
pub const CLASSES: usize = 6;

impl IldClass {
    pub const ALL: [IldClass; CLASSES] = [
        IldClass::Healthy,
        IldClass::Emphysema,
        IldClass::GroundGlass,
        IldClass::Fibrosis,
        IldClass::Micronodules,
        IldClass::Consolidation,
    ];

    /// The label as the ROI files (and cadet's CSV and JSON) write it.
    pub fn name(self) -> &'static str {
        match self {
            IldClass::Healthy => "healthy",
            IldClass::Emphysema => "emphysema",
            IldClass::GroundGlass => "ground_glass",
            IldClass::Fibrosis => "fibrosis",
            IldClass::Micronodules => "micronodules",
            IldClass::Consolidation => "consolidation",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn from_index(index: usize) -> Option<IldClass> {
        IldClass::ALL.get(index).copied()
    }

    /// The class a ROI label names, if it is one of the six (case and spaces are ignored:
    /// "Ground glass" and "ground_glass" are the same class).
    pub fn from_label(label: &str) -> Option<IldClass> {
        let key = label.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        IldClass::ALL.into_iter().find(|c| c.name() == key)
    }
}

impl fmt::Display for IldClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for IldClass {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IldClass::from_label(s).ok_or_else(|| {
            let names: Vec<&str> = IldClass::ALL.iter().map(|c| c.name()).collect();
            format!("{s:?} is not an ILD class (one of {})", names.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_name_the_six_classes_in_the_papers_order() {
        assert_eq!(IldClass::from_label("ground_glass"), Some(IldClass::GroundGlass));
        assert_eq!(IldClass::from_label(" Ground glass "), Some(IldClass::GroundGlass));
        assert_eq!(IldClass::from_label("reticulation"), None);
        assert_eq!(IldClass::Consolidation.index(), 5);
        assert_eq!(IldClass::from_index(1), Some(IldClass::Emphysema));
        assert_eq!("micronodules".parse::<IldClass>(), Ok(IldClass::Micronodules));
        assert!("cysts".parse::<IldClass>().unwrap_err().contains("healthy"));
    }
}
