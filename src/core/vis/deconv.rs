//! The Zeiler & Fergus deconvnet: keep one unit's activation in a pooling layer, zero the rest,
//! and project it back to input space through the network in reverse: unpool with the switches
//! recorded by max pooling in the forward pass (average pooling by its adjoint), rectify, and
//! apply the transposed convolution with the layer's own filters.
//!
//! This is the switch-based method, not the gradient: at a ReLU the deconvnet rectifies the
//! projected signal itself, whereas a gradient is masked by where the forward activation was
//! positive; guided backpropagation does both (see [`Rule`]). The chain is the network's own
//! list of stages ([`Net::stages`]): CifarNet, AlexNet-H/-L, VGG-16 and OverFeat. GoogLeNet's
//! merging branches and EfficientNet's skips have no single reverse path.

use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::nn::pool::{AvgPool2d, MaxPool2d};
use burn::prelude::*;
use burn::tensor::activation::relu;
use burn::tensor::module::{
    avg_pool2d, avg_pool2d_backward, conv_transpose2d, max_pool2d_with_indices, max_pool2d_with_indices_backward,
};
use burn::tensor::ops::{AvgPoolOptions, ConvTransposeOptions, MaxPoolOptions};

use crate::core::models::{Net, Stage};

/// One step of a plain convolutional chain (a handful per network: boxing would only add noise).
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Layer {
    /// Weights `[out, in, k, k]`, stride, symmetric padding, optional bias.
    Conv {
        weight: Tensor<4>,
        bias: Option<Tensor<1>>,
        stride: usize,
        padding: usize,
    },
    Relu,
    /// Square window, stride, symmetric padding.
    MaxPool {
        kernel: usize,
        stride: usize,
        padding: usize,
        ceil: bool,
    },
    /// Average pooling (padding not counted).
    AvgPool {
        kernel: usize,
        stride: usize,
        padding: usize,
        ceil: bool,
    },
}

/// The top (and, in the zoo, every side's) padding.
fn symmetric_padding(padding: &PaddingConfig2d) -> usize {
    match padding {
        PaddingConfig2d::Explicit(top, ..) => *top,
        _ => 0,
    }
}

fn conv_layer(c: &Conv2d) -> Layer {
    Layer::Conv {
        weight: c.weight.val(),
        bias: c.bias.as_ref().map(|b| b.val()),
        stride: c.stride[0],
        padding: symmetric_padding(&c.padding),
    }
}

fn max_pool_layer(p: &MaxPool2d) -> Layer {
    Layer::MaxPool {
        kernel: p.kernel_size[0],
        stride: p.stride[0],
        padding: symmetric_padding(&p.padding),
        ceil: p.ceil_mode,
    }
}

fn avg_pool_layer(p: &AvgPool2d) -> Layer {
    Layer::AvgPool {
        kernel: p.kernel_size[0],
        stride: p.stride[0],
        padding: symmetric_padding(&p.padding),
        ceil: p.ceil_mode,
    }
}

/// The network's chain up to its last pooling layer, from its own stages (`None` for the
/// networks whose branches merge).
pub fn chain(net: &Net) -> Option<Vec<Layer>> {
    let stages = net.stages()?;
    Some(
        stages
            .iter()
            .map(|stage| match stage {
                Stage::Conv(c) => conv_layer(c),
                Stage::Relu => Layer::Relu,
                Stage::MaxPool(p) => max_pool_layer(p),
                Stage::AvgPool(p) => avg_pool_layer(p),
            })
            .collect(),
    )
}

/// How a signal passes a ReLU on the way back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Zeiler–Fergus: rectify the signal itself.
    Deconvnet,
    /// Springenberg et al.: rectify the signal and keep it only where the forward input was
    /// positive (the gradient's mask as well).
    Guided,
}

/// What the forward pass keeps for the way back.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
enum Record {
    Conv {
        input_hw: [usize; 2],
    },
    /// Where the forward input was positive (1) or not (0).
    Relu {
        positive: Tensor<4>,
    },
    MaxPool {
        input: Tensor<4>,
        switches: Tensor<4, Int>,
    },
    AvgPool {
        input: Tensor<4>,
    },
}

/// A forward pass through a chain that remembers the pooling switches.
#[derive(Clone, Debug)]
pub struct DeconvPass {
    layers: Vec<Layer>,
    records: Vec<Record>,
    /// The chain's output (the last pooling layer's activations), `[1, c, h, w]`.
    pub output: Tensor<4>,
}

pub fn forward(layers: Vec<Layer>, input: Tensor<4>) -> DeconvPass {
    let mut x = input;
    let mut records = Vec::with_capacity(layers.len());
    for layer in &layers {
        let [_, _, h, w] = x.dims();
        match layer {
            Layer::Conv { weight, bias, stride, padding } => {
                records.push(Record::Conv { input_hw: [h, w] });
                let options = burn::tensor::ops::ConvOptions::new([*stride; 2], [*padding; 2], [1, 1], 1);
                x = burn::tensor::module::conv2d(x, weight.clone(), bias.clone(), options);
            }
            Layer::Relu => {
                records.push(Record::Relu { positive: x.clone().greater_elem(0.0).float() });
                x = relu(x);
            }
            Layer::MaxPool { kernel, stride, padding, ceil } => {
                let options = MaxPoolOptions::new([*kernel; 2])
                    .with_stride([*stride; 2])
                    .with_padding([*padding; 2])
                    .with_ceil_mode(*ceil);
                let (pooled, switches) = max_pool2d_with_indices(x.clone(), options);
                records.push(Record::MaxPool { input: x, switches });
                x = pooled;
            }
            Layer::AvgPool { kernel, stride, padding, ceil } => {
                let mut options = AvgPoolOptions::new([*kernel; 2])
                    .with_stride([*stride; 2])
                    .with_padding([*padding; 2])
                    .with_ceil_mode(*ceil);
                options.count_include_pad = false;
                records.push(Record::AvgPool { input: x.clone() });
                x = avg_pool2d(x, options);
            }
        }
    }
    DeconvPass { layers, records, output: x }
}

impl DeconvPass {
    /// Projects a signal shaped like the output back to input space (the deconvnet).
    pub fn project(&self, signal: Tensor<4>) -> Tensor<4> {
        self.project_with(signal, Rule::Deconvnet)
    }

    /// Projects a signal shaped like the output back to input space under `rule`.
    pub fn project_with(&self, signal: Tensor<4>, rule: Rule) -> Tensor<4> {
        let mut s = signal;
        for (layer, record) in self.layers.iter().zip(&self.records).rev() {
            s = match (layer, record) {
                (Layer::Conv { weight, stride, padding, .. }, Record::Conv { input_hw }) => {
                    let [_, _, h, w] = s.dims();
                    let [_, _, kh, kw] = weight.dims();
                    // the rows/columns a strided convolution dropped come back as output padding
                    let out_pad = [(h, kh, input_hw[0]), (w, kw, input_hw[1])].map(|(n, k, target)| {
                        target.saturating_sub(((n - 1) * stride + k).saturating_sub(2 * padding))
                    });
                    let options = ConvTransposeOptions::new([*stride; 2], [*padding; 2], out_pad, [1, 1], 1);
                    conv_transpose2d(s, weight.clone(), None, options)
                }
                (Layer::Relu, Record::Relu { positive }) => match rule {
                    Rule::Deconvnet => relu(s),
                    Rule::Guided => relu(s) * positive.clone(),
                },
                (Layer::MaxPool { kernel, stride, padding, ceil }, Record::MaxPool { input, switches }) => {
                    max_pool2d_with_indices_backward(
                        input.zeros_like(),
                        [*kernel; 2],
                        [*stride; 2],
                        [*padding; 2],
                        [1, 1],
                        *ceil,
                        s,
                        switches.clone(),
                    )
                }
                (Layer::AvgPool { kernel, stride, padding, ceil }, Record::AvgPool { input }) => {
                    avg_pool2d_backward(input.zeros_like(), s, [*kernel; 2], [*stride; 2], [*padding; 2], false, *ceil)
                }
                _ => s,
            };
        }
        s
    }

    /// The deconvnet reconstruction of unit `unit`: its strongest activation kept, all others
    /// zeroed, projected to input space (`[1, 3, H, W]`).
    pub fn reconstruct(&self, unit: usize) -> Tensor<4> {
        let [n, c, h, w] = self.output.dims();
        let values: Vec<f32> = self.output.clone().try_into_vec_as().unwrap_or_default();
        let plane = &values[unit * h * w..(unit + 1) * h * w];
        let peak =
            plane.iter().enumerate().fold((0, f32::MIN), |best, (i, v)| if *v > best.1 { (i, *v) } else { best });
        let mut kept = vec![0f32; n * c * h * w];
        kept[unit * h * w + peak.0] = peak.1.max(0.0);
        self.project(Tensor::from_data(TensorData::new(kept, [n, c, h, w]), &self.output.device()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t4(values: Vec<f32>, shape: [usize; 4]) -> Tensor<4> {
        Tensor::from_data(TensorData::new(values, shape), &Device::flex())
    }

    fn vec4(t: Tensor<4>) -> Vec<f32> {
        t.try_into_vec_as().unwrap()
    }

    #[test]
    fn unpooling_puts_values_at_the_switches() {
        // 1×1×4×4 input, 2×2 max pooling with stride 2: maxima at (0,1), (1,2), (3,0), (2,3)
        let x = t4(vec![0., 9., 0., 0., 0., 0., 8., 0., 0., 0., 0., 7., 6., 0., 0., 0.], [1, 1, 4, 4]);
        let trace = forward(vec![Layer::MaxPool { kernel: 2, stride: 2, padding: 0, ceil: false }], x);
        assert_eq!(vec4(trace.output.clone()), vec![9., 8., 6., 7.]);
        let back = vec4(trace.project(t4(vec![1., 2., 3., 4.], [1, 1, 2, 2])));
        assert_eq!(back, vec![0., 1., 0., 0., 0., 0., 2., 0., 0., 0., 0., 4., 3., 0., 0., 0.]);
    }

    #[test]
    fn a_one_conv_one_pool_network_by_hand() {
        // conv 2×2 (weights [[1, 0], [0, -1]], no padding) on a 1×1×3×3 input, then ReLU and a
        // 2×2/1 max pool to one value.
        let x = t4(vec![1., 2., 3., 4., 5., 6., 7., 8., 0.], [1, 1, 3, 3]);
        let w = t4(vec![1., 0., 0., -1.], [1, 1, 2, 2]);
        let layers = vec![
            Layer::Conv { weight: w, bias: None, stride: 1, padding: 0 },
            Layer::Relu,
            Layer::MaxPool { kernel: 2, stride: 1, padding: 0, ceil: false },
        ];
        // conv: [[1−5, 2−6], [4−8, 5−0]] = [[−4, −4], [−4, 5]] → ReLU [[0, 0], [0, 5]] → max 5 at (1, 1)
        let trace = forward(layers, x);
        assert_eq!(vec4(trace.output.clone()), vec![5.0]);
        // back: unpool 5 to (1, 1); ReLU keeps it; transposed conv spreads 5·w at (1, 1):
        // input (1, 1) += 5·1, (2, 2) += 5·(−1)
        assert_eq!(vec4(trace.reconstruct(0)), vec![0., 0., 0., 0., 5., 0., 0., 0., -5.]);
    }
}
