//! Stochastic gradient descent with momentum and weight decay as Caffe and PyTorch define it
//! (`v ← m·v + g + λ·θ`, `θ ← θ − lr·v`, no dampening), with a learning-rate multiplier per
//! parameter path (0 freezes, 0.1 fine-tunes pretrained layers).
//!
//! We keep our own optimizer rather than burn's `ModuleOptimizer` because resuming a run must
//! restore the momentum exactly on the training device: burn's optimizer records are keyed by
//! parameter id and rebuilt on the default (GPU) device, which does not exist on CPU machines.
//! Here the velocities are keyed by parameter path and saved as safetensors.

use std::collections::HashMap;
use std::path::Path;

use burn::module::{ModuleMapper, Param};
use burn::optim::GradientsParams;
use burn::prelude::*;
use safetensors::tensor::TensorView;

use crate::core::atomic::write_bytes_atomically;
use crate::core::models::ParamPath;

#[derive(Debug, thiserror::Error)]
pub enum SgdStateError {
    #[error("{path}: {detail}")]
    File { path: std::path::PathBuf, detail: String },
}

/// Optimizer hyper-parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdConfig {
    pub momentum: f64,
    pub weight_decay: f64,
}

/// Per-parameter velocity, keyed by path (flattened).
pub struct Sgd {
    config: SgdConfig,
    velocity: HashMap<String, Tensor<1>>,
}

impl Sgd {
    pub fn new(config: SgdConfig) -> Self {
        Self { config, velocity: HashMap::new() }
    }

    /// One update of every parameter that has a gradient; `lr_for(path)` gives its rate.
    pub fn step<M: Module>(&mut self, module: M, lr_for: &dyn Fn(&str) -> f64, grads: GradientsParams) -> M {
        let config = self.config;
        let mut mapper = Mapper { path: ParamPath::default(), grads, lr_for, config, velocity: &mut self.velocity };
        module.map(&mut mapper)
    }

    /// Saves the velocities (safetensors, atomically).
    pub fn save(&self, path: &Path) -> Result<(), SgdStateError> {
        let err = |detail: String| SgdStateError::File { path: path.to_path_buf(), detail };
        let mut data: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
        for (name, v) in &self.velocity {
            let values = v.clone().try_into_vec_as::<f32>().map_err(|e| err(format!("{e:?}")))?;
            let bytes: Vec<u8> = values.iter().flat_map(|x| x.to_le_bytes()).collect();
            data.push((name.clone(), vec![values.len()], bytes));
        }
        let views: Vec<(String, TensorView<'_>)> = data
            .iter()
            .map(|(n, s, b)| TensorView::new(safetensors::Dtype::F32, s.clone(), b).map(|v| (n.clone(), v)))
            .collect::<Result<_, _>>()
            .map_err(|e| err(e.to_string()))?;
        let bytes = safetensors::serialize(views, None).map_err(|e| err(e.to_string()))?;
        write_bytes_atomically(path, &bytes).map_err(|e| err(e.to_string()))
    }

    /// Loads velocities saved by [`Sgd::save`] onto `device`.
    pub fn load(&mut self, path: &Path, device: &Device) -> Result<(), SgdStateError> {
        let err = |detail: String| SgdStateError::File { path: path.to_path_buf(), detail };
        let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        let st = safetensors::SafeTensors::deserialize(&bytes).map_err(|e| err(e.to_string()))?;
        self.velocity.clear();
        for (name, view) in st.tensors() {
            if view.dtype() != safetensors::Dtype::F32 {
                return Err(err(format!("tensor {name} is {:?}, expected F32", view.dtype())));
            }
            let values: Vec<f32> =
                view.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
            let n = values.len();
            self.velocity.insert(name, Tensor::from_data(TensorData::new(values, [n]), device));
        }
        Ok(())
    }
}

struct Mapper<'a> {
    path: ParamPath,
    grads: GradientsParams,
    lr_for: &'a dyn Fn(&str) -> f64,
    config: SgdConfig,
    velocity: &'a mut HashMap<String, Tensor<1>>,
}

impl ModuleMapper for Mapper<'_> {
    fn enter_module(&mut self, name: &str, container_type: &str) {
        self.path.enter(name, container_type);
    }

    fn exit_module(&mut self, _name: &str, container_type: &str) {
        self.path.exit(container_type);
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, tensor, mapper) = param.consume();
        let path = self.path.dotted();
        let lr = (self.lr_for)(&path);
        let Some(grad) = self.grads.remove::<D>(id) else {
            return Param::from_mapped_value(id, tensor, mapper);
        };
        if lr == 0.0 {
            return Param::from_mapped_value(id, tensor, mapper);
        }
        let require_grad = tensor.is_require_grad();
        let shape = tensor.shape();
        let n = shape.num_elements();
        let theta = tensor.inner();
        let device = theta.device();
        let grad = grad.inner().to_device(&device);
        let g = if self.config.weight_decay > 0.0 {
            grad + theta.clone().mul_scalar(self.config.weight_decay)
        } else {
            grad
        };
        let v = match self.velocity.remove(&path) {
            Some(v) if self.config.momentum > 0.0 => {
                v.to_device(&device).reshape(shape).mul_scalar(self.config.momentum) + g
            }
            _ => g,
        };
        let updated = theta - v.clone().mul_scalar(lr);
        if self.config.momentum > 0.0 {
            self.velocity.insert(path, v.reshape([n]));
        }
        let mut t = Tensor::from_inner(updated);
        if require_grad {
            t = t.require_grad();
        }
        Param::from_mapped_value(id, t, mapper)
    }
}
