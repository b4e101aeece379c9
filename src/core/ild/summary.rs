//! What `cadet ild summary` reports: per patient and in total, the annotated slices (distinct
//! slice numbers with a contour of the six classes), per class the slices and contour blocks,
//! and the contour blocks of the ignored labels.

use std::collections::BTreeMap;

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::database::{IldDatabase, IldPatient};
use super::{CLASSES, IldClass};

/// Slices with a contour of a class, and its contour blocks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ClassCount {
    pub slices: usize,
    pub contours: usize,
}

/// One value per class, serialised as a map from class name in the classes' order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PerClass<T>(pub [T; CLASSES]);

impl<T: Serialize> Serialize for PerClass<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(CLASSES))?;
        for (class, value) in IldClass::ALL.iter().zip(&self.0) {
            map.serialize_entry(class.name(), value)?;
        }
        map.end()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PatientSummary {
    pub patient: String,
    pub slices: usize,
    pub classes: PerClass<ClassCount>,
    pub ignored: BTreeMap<String, usize>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TotalSummary {
    pub slices: usize,
    pub classes: PerClass<ClassCount>,
    pub ignored: BTreeMap<String, usize>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DatabaseSummary {
    pub patients: Vec<PatientSummary>,
    pub total: TotalSummary,
}

fn patient_summary(p: &IldPatient) -> PatientSummary {
    let mut classes = PerClass::<ClassCount>::default();
    for (k, class) in IldClass::ALL.into_iter().enumerate() {
        classes.0[k].slices = p.slices.iter().filter(|s| s.has(class)).count();
        classes.0[k].contours = p.slices.iter().flat_map(|s| &s.contours).filter(|c| c.class == class).count();
    }
    PatientSummary { patient: p.id.clone(), slices: p.slices.len(), classes, ignored: p.ignored.clone() }
}

/// The summary of a database.
pub fn summarize(db: &IldDatabase) -> DatabaseSummary {
    let patients: Vec<PatientSummary> = db.patients.iter().map(patient_summary).collect();
    let mut total = TotalSummary { slices: 0, classes: PerClass::default(), ignored: BTreeMap::new() };
    for p in &patients {
        total.slices += p.slices;
        for k in 0..CLASSES {
            total.classes.0[k].slices += p.classes.0[k].slices;
            total.classes.0[k].contours += p.classes.0[k].contours;
        }
        for (label, n) in &p.ignored {
            *total.ignored.entry(label.clone()).or_default() += n;
        }
    }
    DatabaseSummary { patients, total }
}
