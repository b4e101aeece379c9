//! VGG-16 as torchvision defines it (configuration "D", no batch norm).

use burn::nn::conv::Conv2d;
use burn::nn::pool::MaxPool2d;
use burn::nn::{Dropout, DropoutConfig, Linear};
use burn::prelude::*;
use burn::tensor::activation::relu;
use burn::tensor::module::adaptive_avg_pool2d;

use super::blocks::{ShapeTrace, conv, linear, max_pool};
use super::chain::{Stage, forward_stages, trace_stages};

/// Output channels of the 13 convolutions; a 0 marks a 2×2 max pooling.
const LAYOUT: [usize; 18] = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0];

#[derive(Module, Debug)]
pub struct Vgg16 {
    pub convs: Vec<Conv2d>,
    pub pool: MaxPool2d,
    pub dropout: Dropout,
    pub fc6: Linear,
    pub fc7: Linear,
    pub fc8: Linear,
}

impl Vgg16 {
    pub const INPUT: usize = 224;

    pub fn new(classes: usize, device: &Device) -> Self {
        let mut convs = Vec::new();
        let mut channels = 3;
        for &out in LAYOUT.iter().filter(|c| **c > 0) {
            convs.push(conv([channels, out], 3, 1, 1, true, device));
            channels = out;
        }
        Self {
            convs,
            pool: max_pool(2, 2, 0, false),
            dropout: DropoutConfig::new(0.5).init(),
            fc6: linear(512 * 7 * 7, 4096, None, device),
            fc7: linear(4096, 4096, None, device),
            fc8: linear(4096, classes, Some(0.01), device),
        }
    }

    /// The feature layers up to pool-5, in order: each convolution followed by a ReLU, a 2×2
    /// max pooling where [`LAYOUT`] has a 0.
    pub fn stages(&self) -> Vec<Stage<'_>> {
        let mut convs = self.convs.iter();
        let mut stages = Vec::new();
        for &entry in &LAYOUT {
            if entry == 0 {
                stages.push(Stage::MaxPool(&self.pool));
            } else if let Some(c) = convs.next() {
                stages.extend([Stage::Conv(c), Stage::Relu]);
            }
        }
        stages
    }

    /// Pool-5 activations, `[batch, 512, 7, 7]` at 224 px.
    pub fn features(&self, x: Tensor<4>) -> Tensor<4> {
        forward_stages(&self.stages(), x)
    }

    pub fn classify(&self, features: Tensor<4>) -> Tensor<2> {
        let x: Tensor<2> = adaptive_avg_pool2d(features, [7, 7]).flatten(1, 3); // [batch, 25088]
        let x = self.dropout.forward(relu(self.fc6.forward(x)));
        let x = self.dropout.forward(relu(self.fc7.forward(x)));
        self.fc8.forward(x)
    }

    pub fn trace(&self, size: usize) -> ShapeTrace {
        trace_stages(&self.stages(), ShapeTrace::input(3, size))
            .adaptive_pool(7)
            .linear_layer(&self.fc6)
            .linear_layer(&self.fc7)
            .linear_layer(&self.fc8)
    }
}
