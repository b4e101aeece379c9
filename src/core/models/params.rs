//! Listing a module's tensors by path (as `conv1.weight`, `inception3.0.branch2.1.bn.gamma`)
//! and counting trainable parameters the way PyTorch does (batch-norm running statistics are
//! buffers, not parameters).

use burn::module::{ModuleVisitor, Param};
use burn::prelude::*;

/// One tensor of a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamInfo {
    pub path: String,
    pub shape: Vec<usize>,
    /// Batch-norm running statistics: state, not learned by gradient descent.
    pub is_buffer: bool,
}

impl ParamInfo {
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }
}

/// Where a module visitor or mapper stands: the module names from the model down, as weight
/// files and checkpoints name tensors. The zoo's `Net` enum adds its variant name on the way in;
/// paths start below it.
#[derive(Clone, Debug, Default)]
pub struct ParamPath(Vec<String>);

impl ParamPath {
    pub fn enter(&mut self, name: &str, container_type: &str) {
        if !container_type.starts_with("Enum:") {
            self.0.push(name.to_string());
        }
    }

    pub fn exit(&mut self, container_type: &str) {
        if !container_type.starts_with("Enum:") {
            self.0.pop();
        }
    }

    /// As `inception3.0.branch2.1.bn.gamma`.
    pub fn dotted(&self) -> String {
        self.0.join(".")
    }
}

/// Initialises every lazy parameter of the module it visits.
pub(super) struct Materialize;

impl ModuleVisitor for Materialize {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        drop(param.val());
    }
}

#[derive(Default)]
struct Lister {
    path: ParamPath,
    out: Vec<ParamInfo>,
}

impl ModuleVisitor for Lister {
    fn enter_module(&mut self, name: &str, container_type: &str) {
        self.path.enter(name, container_type);
    }

    fn exit_module(&mut self, _name: &str, container_type: &str) {
        self.path.exit(container_type);
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let path = self.path.dotted();
        let is_buffer = path.ends_with("running_mean") || path.ends_with("running_var");
        self.out.push(ParamInfo { path, shape: param.lazy_shape().to_vec(), is_buffer });
    }
}

/// Every float tensor of a module, in visiting order, without initialising lazy parameters.
pub fn list_params<M: Module>(module: &M) -> Vec<ParamInfo> {
    let mut lister = Lister::default();
    module.visit(&mut lister);
    lister.out
}

/// Number of parameters excluding buffers (what `sum(p.numel() for p in m.parameters())` gives).
pub fn count_trainable<M: Module>(module: &M) -> usize {
    list_params(module).iter().filter(|p| !p.is_buffer).map(ParamInfo::numel).sum()
}
