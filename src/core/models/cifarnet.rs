//! CifarNet: Caffe's "cifar10_quick" network as the paper uses it for 32×32 views: three 5×5
//! convolutions (32, 32, 64 filters) with pooling, a 64-unit fully connected layer and the
//! classifier (about 0.15 M parameters).

use burn::nn::Linear;
use burn::nn::conv::Conv2d;
use burn::nn::pool::{AvgPool2d, AvgPool2dConfig, MaxPool2d};
use burn::prelude::*;
use burn::tensor::activation::relu;

use super::blocks::{ShapeTrace, conv, linear, max_pool};
use super::chain::{Stage, forward_stages, trace_stages};

#[derive(Module, Debug)]
pub struct CifarNet {
    pub conv1: Conv2d,
    pub pool1: MaxPool2d,
    pub conv2: Conv2d,
    pub pool2: AvgPool2d,
    pub conv3: Conv2d,
    pub pool3: AvgPool2d,
    pub fc4: Linear,
    pub fc5: Linear,
}

fn avg_pool() -> AvgPool2d {
    AvgPool2dConfig::new([3, 3]).with_strides([2, 2]).with_ceil_mode(true).with_count_include_pad(false).init()
}

impl CifarNet {
    pub const INPUT: usize = 32;

    pub fn new(classes: usize, device: &Device) -> Self {
        Self {
            conv1: conv([3, 32], 5, 1, 2, true, device),
            pool1: max_pool(3, 2, 0, true),
            conv2: conv([32, 32], 5, 1, 2, true, device),
            pool2: avg_pool(),
            conv3: conv([32, 64], 5, 1, 2, true, device),
            pool3: avg_pool(),
            fc4: linear(64 * 4 * 4, 64, None, device),
            fc5: linear(64, classes, Some(0.01), device),
        }
    }

    /// The feature layers up to the last pooling, in order (Caffe pools before the first ReLU).
    pub fn stages(&self) -> Vec<Stage<'_>> {
        vec![
            Stage::Conv(&self.conv1),
            Stage::MaxPool(&self.pool1),
            Stage::Relu,
            Stage::Conv(&self.conv2),
            Stage::Relu,
            Stage::AvgPool(&self.pool2),
            Stage::Conv(&self.conv3),
            Stage::Relu,
            Stage::AvgPool(&self.pool3),
        ]
    }

    /// The last pooling layer's output, `[batch, 64, 4, 4]` for 32×32 input.
    pub fn features(&self, x: Tensor<4>) -> Tensor<4> {
        forward_stages(&self.stages(), x)
    }

    pub fn classify(&self, features: Tensor<4>) -> Tensor<2> {
        let x: Tensor<2> = features.flatten(1, 3); // [batch, 1024]
        self.fc5.forward(relu(self.fc4.forward(x)))
    }

    pub fn trace(&self, size: usize) -> ShapeTrace {
        trace_stages(&self.stages(), ShapeTrace::input(3, size)).linear_layer(&self.fc4).linear_layer(&self.fc5)
    }
}
