//! Plain convolutional chains (CifarNet, AlexNet, VGG-16, OverFeat): a network lists its
//! feature layers once, as stages borrowing its own modules, and its forward pass, its shape
//! and multiply-add trace and the deconvnet's reverse path all walk that one list.

use burn::nn::conv::Conv2d;
use burn::nn::pool::{AvgPool2d, MaxPool2d};
use burn::prelude::*;
use burn::tensor::activation::relu;

use super::blocks::ShapeTrace;
use super::conv::{conv2d, max_pool2d};

/// One step of a plain chain.
#[derive(Clone, Copy, Debug)]
pub enum Stage<'a> {
    Conv(&'a Conv2d),
    Relu,
    MaxPool(&'a MaxPool2d),
    /// Average pooling (the zoo's never counts padding).
    AvgPool(&'a AvgPool2d),
}

impl Stage<'_> {
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        match self {
            Stage::Conv(c) => conv2d(c, x),
            Stage::Relu => relu(x),
            Stage::MaxPool(p) => max_pool2d(p, x),
            Stage::AvgPool(p) => p.forward(x),
        }
    }

    pub fn trace(&self, t: ShapeTrace) -> ShapeTrace {
        match self {
            Stage::Conv(c) => t.conv_layer(c),
            Stage::Relu => t,
            Stage::MaxPool(p) => t.max_pool_layer(p),
            Stage::AvgPool(p) => t.avg_pool_layer(p),
        }
    }
}

/// Runs the stages in order.
pub fn forward_stages(stages: &[Stage<'_>], x: Tensor<4>) -> Tensor<4> {
    stages.iter().fold(x, |x, s| s.forward(x))
}

/// Traces the stages in order.
pub fn trace_stages(stages: &[Stage<'_>], t: ShapeTrace) -> ShapeTrace {
    stages.iter().fold(t, |t, s| s.trace(t))
}
