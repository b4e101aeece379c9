//! EfficientNet-Lite0 (Tan & Le; the "lite" variant for mobile accelerators): ReLU6, no
//! squeeze-and-excitation, batch norm eps 1e-3, and TensorFlow "same" padding on strided
//! convolutions (the extra row and column at the bottom and right, as TF pads). 224 px input.
//!
//! The padding is fixed for even input sizes (224, 64, ...), which is what TF's "same" gives
//! there: for a stride-2 convolution of kernel k, k − 2 pixels in total.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Initializer, Linear, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::module::adaptive_avg_pool2d;

use super::blocks::{ShapeTrace, linear};

/// (expansion, kernel, stride, output channels, repeats) of the seven stages.
const STAGES: [(usize, usize, usize, usize, usize); 7] = [
    (1, 3, 1, 16, 1),
    (6, 3, 2, 24, 2),
    (6, 5, 2, 40, 2),
    (6, 3, 2, 80, 3),
    (6, 5, 1, 112, 3),
    (6, 5, 2, 192, 4),
    (6, 3, 1, 320, 1),
];

/// A convolution with TF "same" padding for even inputs, Gaussian (He) weights, no bias.
fn conv_same(channels: [usize; 2], kernel: usize, stride: usize, groups: usize, device: &Device) -> Conv2d {
    let total = if stride == 1 { kernel - 1 } else { kernel - stride };
    let (before, after) = (total / 2, total - total / 2);
    let fan_in = channels[0] / groups * kernel * kernel;
    Conv2dConfig::new(channels, [kernel, kernel])
        .with_stride([stride, stride])
        .with_groups(groups)
        .with_padding(PaddingConfig2d::Explicit(before, before, after, after))
        .with_bias(false)
        .with_initializer(Initializer::Normal { mean: 0.0, std: (2.0 / fan_in as f64).sqrt() })
        .init(device)
}

fn bn(channels: usize, device: &Device) -> BatchNorm {
    BatchNormConfig::new(channels).with_epsilon(1e-3).init(device)
}

fn relu6(x: Tensor<4>) -> Tensor<4> {
    x.clamp(0.0, 6.0)
}

/// Mobile inverted bottleneck: 1×1 expansion, depthwise k×k, 1×1 projection; identity skip when
/// the shape is kept.
#[derive(Module, Debug)]
pub struct MbConv {
    pub expand: Option<Conv2d>,
    pub expand_bn: Option<BatchNorm>,
    pub depthwise: Conv2d,
    pub depthwise_bn: BatchNorm,
    pub project: Conv2d,
    pub project_bn: BatchNorm,
    pub skip: bool,
}

impl MbConv {
    fn new(input: usize, expansion: usize, kernel: usize, stride: usize, output: usize, device: &Device) -> Self {
        let hidden = input * expansion;
        Self {
            expand: (expansion != 1).then(|| conv_same([input, hidden], 1, 1, 1, device)),
            expand_bn: (expansion != 1).then(|| bn(hidden, device)),
            depthwise: conv_same([hidden, hidden], kernel, stride, hidden, device),
            depthwise_bn: bn(hidden, device),
            project: conv_same([hidden, output], 1, 1, 1, device),
            project_bn: bn(output, device),
            skip: stride == 1 && input == output,
        }
    }

    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let mut h = x.clone();
        if let (Some(e), Some(b)) = (&self.expand, &self.expand_bn) {
            h = relu6(b.forward(e.forward(h)));
        }
        h = relu6(self.depthwise_bn.forward(self.depthwise.forward(h)));
        h = self.project_bn.forward(self.project.forward(h));
        if self.skip { h + x } else { h }
    }
}

#[derive(Module, Debug)]
pub struct EfficientNetLite0 {
    pub stem: Conv2d,
    pub stem_bn: BatchNorm,
    pub blocks: Vec<MbConv>,
    pub head: Conv2d,
    pub head_bn: BatchNorm,
    pub dropout: Dropout,
    pub fc: Linear,
}

impl EfficientNetLite0 {
    pub const INPUT: usize = 224;

    pub fn new(classes: usize, device: &Device) -> Self {
        let mut blocks = Vec::new();
        let mut channels = 32;
        for (expansion, kernel, stride, output, repeats) in STAGES {
            for r in 0..repeats {
                blocks.push(MbConv::new(channels, expansion, kernel, if r == 0 { stride } else { 1 }, output, device));
                channels = output;
            }
        }
        Self {
            stem: conv_same([3, 32], 3, 2, 1, device),
            stem_bn: bn(32, device),
            blocks,
            head: conv_same([320, 1280], 1, 1, 1, device),
            head_bn: bn(1280, device),
            dropout: DropoutConfig::new(0.2).init(),
            fc: linear(1280, classes, Some(0.01), device),
        }
    }

    /// The head's activations, `[batch, 1280, 7, 7]` at 224 px.
    pub fn features(&self, x: Tensor<4>) -> Tensor<4> {
        let x = relu6(self.stem_bn.forward(self.stem.forward(x)));
        let x = self.blocks.iter().fold(x, |x, b| b.forward(x));
        relu6(self.head_bn.forward(self.head.forward(x)))
    }

    pub fn classify(&self, features: Tensor<4>) -> Tensor<2> {
        let x: Tensor<2> = adaptive_avg_pool2d(features, [1, 1]).flatten(1, 3); // [batch, 1280]
        self.fc.forward(self.dropout.forward(x))
    }

    pub fn trace(&self, size: usize) -> ShapeTrace {
        let t = self.blocks.iter().fold(ShapeTrace::input(3, size).conv_layer(&self.stem), |t, b| {
            let t = b.expand.as_ref().map_or(t, |e| t.conv_layer(e));
            t.conv_layer(&b.depthwise).conv_layer(&b.project)
        });
        t.conv_layer(&self.head).global_pool().linear_layer(&self.fc)
    }
}
