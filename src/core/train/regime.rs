//! The three training regimes: random initialisation, transfer learning (pretrained backbone
//! fine-tuned at a tenth of the learning rate, new classifier at the full rate) and frozen
//! off-the-shelf features (only the new classifier trains).

use burn::module::{ModuleVisitor, Param, ParamGroup, ParamId};
use burn::prelude::*;

use super::config::{Regime, TrainConfig};
use crate::core::models::pretrained::{LoadOptions, PretrainedError, is_classifier, load_weights};
use crate::core::models::{ModelKind, Net, ParamPath};
use crate::core::seed::{mix_seed, stream};

/// The learning-rate multiplier of a parameter under a regime.
pub fn lr_multiplier(regime: Regime, kind: ModelKind, path: &str) -> f64 {
    match (regime, is_classifier(kind, path)) {
        (_, true) | (Regime::Ri, false) => 1.0,
        (Regime::Tl, false) => 0.1,
        (Regime::Imnet, false) => 0.0,
    }
}

/// Collects ids of the classifier's parameters, and initialises lazy parameters on the way
/// (so that initial weights depend on the seed only, not on when they are first used).
struct Visit {
    kind: ModelKind,
    path: ParamPath,
    classifier: Vec<ParamId>,
}

impl ModuleVisitor for Visit {
    fn enter_module(&mut self, name: &str, container_type: &str) {
        self.path.enter(name, container_type);
    }

    fn exit_module(&mut self, _name: &str, container_type: &str) {
        self.path.exit(container_type);
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let _ = param.val();
        if is_classifier(self.kind, &self.path.dotted()) {
            self.classifier.push(param.id);
        }
    }
}

/// Why a run's network could not be built.
#[derive(Debug, thiserror::Error)]
pub enum RegimeError {
    #[error("the {0} regime needs --weights")]
    MissingWeights(Regime),
    #[error(transparent)]
    Weights(#[from] PretrainedError),
}

/// Builds the network of a run with seeded initial weights, loads pretrained weights for `tl`
/// and `imnet`, and freezes the backbone for `imnet`.
pub fn build_model(config: &TrainConfig, device: &Device, log: &mut dyn FnMut(&str)) -> Result<Net, RegimeError> {
    let mut net = config.model.build_seeded(config.classes, device, mix_seed(config.seed, stream::INIT));
    let mut visit = Visit { kind: config.model, path: ParamPath::default(), classifier: Vec::new() };
    net.visit(&mut visit);
    if config.regime != Regime::Ri {
        let path = config.weights.as_deref().ok_or(RegimeError::MissingWeights(config.regime))?;
        let options = LoadOptions { keep_classifier: false, allow_partial: config.partial_weights };
        let report = load_weights(&mut net, config.model, path, options)?;
        log(&format!("pretrained weights from {}: {}", path.display(), report.describe()));
    }
    if config.regime == Regime::Imnet {
        net = net.freeze().unfreeze_group(ParamGroup::from_ids(visit.classifier));
    }
    Ok(net)
}
