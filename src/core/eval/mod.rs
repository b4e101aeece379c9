//! Evaluation: scoring a run's test candidates by random view aggregation, and the maths on the
//! scores (plain functions): FROC analysis with LUNA16's CPM, ROC, multi-class classification
//! reports, patient-bootstrap confidence intervals, ensemble/fold aggregation, the
//! `scores.csv` / `lesions.csv` files, and FROC plots.

pub mod aggregate;
pub mod bootstrap;
mod cases;
pub mod classification;
pub mod froc;
pub mod gallery;
pub mod ild_eval;
pub mod ild_export;
pub mod ild_metrics;
pub mod ild_table;
pub mod io;
pub mod plot;
pub mod report;
pub mod roc;
pub mod score;
pub mod session;
mod threshold_serde;

pub use aggregate::{AggregateError, ensemble_mean, mean_over_views, pool_folds};
pub use bootstrap::{BOOTSTRAP_STREAM, BootstrapError, CONFIDENCE_LEVEL, FrocIntervals, Interval, bootstrap_froc};
pub use classification::{
    ClassMetrics, ClassificationError, ClassificationReport, argmax, classification_report,
    classification_report_from_probabilities,
};
pub use froc::{
    CPM_RATES, FP_RATES, FrocError, FrocPoint, FrocResult, LesionRef, ScoredCandidate, froc, sensitivity_at_rate,
};
pub use gallery::{GalleryCase, gallery_cases};
pub use io::{EvalIoError, read_lesions, read_scores, write_lesions, write_scores};
pub use plot::{FrocSeries, ci_band, curves_png, froc_png};
pub use roc::{RocError, RocPoint, roc_auc, roc_curve};
pub use score::{RunScores, ScoreOptions, load_run_model, score_run};
