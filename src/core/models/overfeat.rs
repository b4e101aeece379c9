//! OverFeat "fast" (Sermanet et al., 2014) for 231×231 inputs: five convolutions (96, 256, 512,
//! 1024, 1024) with max pooling after the first, second and fifth, and three fully connected
//! layers (3072, 4096, classes).

use burn::nn::conv::Conv2d;
use burn::nn::pool::MaxPool2d;
use burn::nn::{Dropout, DropoutConfig, Linear};
use burn::prelude::*;
use burn::tensor::activation::relu;
use burn::tensor::module::adaptive_avg_pool2d;

use super::blocks::{ShapeTrace, conv, linear, max_pool};
use super::chain::{Stage, forward_stages, trace_stages};

#[derive(Module, Debug)]
pub struct OverFeat {
    pub conv1: Conv2d,
    pub conv2: Conv2d,
    pub conv3: Conv2d,
    pub conv4: Conv2d,
    pub conv5: Conv2d,
    pub pool: MaxPool2d,
    pub dropout: Dropout,
    pub fc6: Linear,
    pub fc7: Linear,
    pub fc8: Linear,
}

impl OverFeat {
    pub const INPUT: usize = 231;

    pub fn new(classes: usize, device: &Device) -> Self {
        Self {
            conv1: conv([3, 96], 11, 4, 0, true, device),
            conv2: conv([96, 256], 5, 1, 0, true, device),
            conv3: conv([256, 512], 3, 1, 1, true, device),
            conv4: conv([512, 1024], 3, 1, 1, true, device),
            conv5: conv([1024, 1024], 3, 1, 1, true, device),
            pool: max_pool(2, 2, 0, false),
            dropout: DropoutConfig::new(0.5).init(),
            fc6: linear(1024 * 6 * 6, 3072, None, device),
            fc7: linear(3072, 4096, None, device),
            fc8: linear(4096, classes, Some(0.01), device),
        }
    }

    /// The feature layers up to pool-5, in order (one 2×2 max pooling used three times).
    pub fn stages(&self) -> Vec<Stage<'_>> {
        vec![
            Stage::Conv(&self.conv1),
            Stage::Relu,
            Stage::MaxPool(&self.pool),
            Stage::Conv(&self.conv2),
            Stage::Relu,
            Stage::MaxPool(&self.pool),
            Stage::Conv(&self.conv3),
            Stage::Relu,
            Stage::Conv(&self.conv4),
            Stage::Relu,
            Stage::Conv(&self.conv5),
            Stage::Relu,
            Stage::MaxPool(&self.pool),
        ]
    }

    /// Pool-5 activations, `[batch, 1024, 6, 6]` at 231 px.
    pub fn features(&self, x: Tensor<4>) -> Tensor<4> {
        forward_stages(&self.stages(), x)
    }

    pub fn classify(&self, features: Tensor<4>) -> Tensor<2> {
        let x: Tensor<2> = adaptive_avg_pool2d(features, [6, 6]).flatten(1, 3); // [batch, 36864]
        let x = self.dropout.forward(relu(self.fc6.forward(x)));
        let x = self.dropout.forward(relu(self.fc7.forward(x)));
        self.fc8.forward(x)
    }

    pub fn trace(&self, size: usize) -> ShapeTrace {
        trace_stages(&self.stages(), ShapeTrace::input(3, size))
            .adaptive_pool(6)
            .linear_layer(&self.fc6)
            .linear_layer(&self.fc7)
            .linear_layer(&self.fc8)
    }
}
