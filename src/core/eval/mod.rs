//! Evaluation maths: FROC analysis with LUNA16's CPM, ROC, multi-class classification
//! reports, patient-bootstrap confidence intervals, view/ensemble/fold aggregation and the
//! `scores.csv` / `lesions.csv` files they read and write. Plain functions, no model code.

pub mod aggregate;
pub mod bootstrap;
mod cases;
pub mod classification;
pub mod froc;
pub mod io;
pub mod roc;
mod threshold_serde;

pub use aggregate::{AggregateError, ensemble_mean, mean_over_views, pool_folds};
pub use bootstrap::{BOOTSTRAP_STREAM, BootstrapError, FrocIntervals, Interval, bootstrap_froc};
pub use classification::{
    ClassMetrics, ClassificationError, ClassificationReport, argmax, classification_report,
    classification_report_from_probabilities,
};
pub use froc::{
    CPM_RATES, FP_RATES, FrocError, FrocPoint, FrocResult, LesionRef, ScoredCandidate, froc, sensitivity_at_rate,
};
pub use io::{EvalIoError, read_lesions, read_scores, write_lesions, write_scores};
pub use roc::{RocError, RocPoint, roc_auc, roc_curve};
