//! AlexNet as torchvision defines it (so its ImageNet weights load), and the paper's reduced
//! "AlexNet-L" for 64×64 views: the first layer's stride 2 instead of 4 (and padding 5) with
//! ceil pooling, so that 64 px inputs keep a 4×4 map at pool-5.

use burn::nn::conv::Conv2d;
use burn::nn::pool::MaxPool2d;
use burn::nn::{Dropout, DropoutConfig, Linear};
use burn::prelude::*;
use burn::tensor::activation::relu;
use burn::tensor::module::adaptive_avg_pool2d;

use super::blocks::{ShapeTrace, conv, linear, max_pool};
use super::chain::{Stage, forward_stages, trace_stages};

/// Which AlexNet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlexVariant {
    /// torchvision's AlexNet for 224/227 px inputs (pool-5 averaged to 6×6).
    High,
    /// The paper's AlexNet-L for 64 px inputs (first stride 2, pool-5 of 4×4).
    Low,
}

impl AlexVariant {
    /// Stride and padding of the first convolution (64 px: 64 → 32 → 16 → 8 → 4 at pool-5).
    fn first_layer(self) -> (usize, usize) {
        match self {
            AlexVariant::High => (4, 2),
            AlexVariant::Low => (2, 5),
        }
    }

    /// torchvision rounds pooling down; the 64 px variant rounds up as Caffe does.
    fn ceil_pooling(self) -> bool {
        self == AlexVariant::Low
    }

    /// Spatial size of the map entering the classifier.
    pub fn pool5_size(self) -> usize {
        match self {
            AlexVariant::High => 6,
            AlexVariant::Low => 4,
        }
    }
}

#[derive(Module, Debug)]
pub struct AlexNet {
    pub conv1: Conv2d,
    pub pool1: MaxPool2d,
    pub conv2: Conv2d,
    pub pool2: MaxPool2d,
    pub conv3: Conv2d,
    pub conv4: Conv2d,
    pub conv5: Conv2d,
    pub pool5: MaxPool2d,
    pub dropout: Dropout,
    pub fc6: Linear,
    pub fc7: Linear,
    pub fc8: Linear,
    /// Size of the pool-5 map the classifier expects.
    pub pool5_size: usize,
}

impl AlexNet {
    pub fn new(variant: AlexVariant, classes: usize, device: &Device) -> Self {
        let s = variant.pool5_size();
        let (stride, padding) = variant.first_layer();
        let ceil = variant.ceil_pooling();
        Self {
            conv1: conv([3, 64], 11, stride, padding, true, device),
            pool1: max_pool(3, 2, 0, ceil),
            conv2: conv([64, 192], 5, 1, 2, true, device),
            pool2: max_pool(3, 2, 0, ceil),
            conv3: conv([192, 384], 3, 1, 1, true, device),
            conv4: conv([384, 256], 3, 1, 1, true, device),
            conv5: conv([256, 256], 3, 1, 1, true, device),
            pool5: max_pool(3, 2, 0, ceil),
            dropout: DropoutConfig::new(0.5).init(),
            fc6: linear(256 * s * s, 4096, None, device),
            fc7: linear(4096, 4096, None, device),
            fc8: linear(4096, classes, Some(0.01), device),
            pool5_size: s,
        }
    }

    /// The feature layers up to pool-5, in order.
    pub fn stages(&self) -> Vec<Stage<'_>> {
        vec![
            Stage::Conv(&self.conv1),
            Stage::Relu,
            Stage::MaxPool(&self.pool1),
            Stage::Conv(&self.conv2),
            Stage::Relu,
            Stage::MaxPool(&self.pool2),
            Stage::Conv(&self.conv3),
            Stage::Relu,
            Stage::Conv(&self.conv4),
            Stage::Relu,
            Stage::Conv(&self.conv5),
            Stage::Relu,
            Stage::MaxPool(&self.pool5),
        ]
    }

    /// Pool-5 activations, `[batch, 256, s, s]` (before the adaptive average pooling).
    pub fn features(&self, x: Tensor<4>) -> Tensor<4> {
        forward_stages(&self.stages(), x)
    }

    pub fn classify(&self, features: Tensor<4>) -> Tensor<2> {
        let s = self.pool5_size;
        let x = adaptive_avg_pool2d(features, [s, s]);
        let x: Tensor<2> = x.flatten(1, 3); // [batch, 256·s·s]
        let x = relu(self.fc6.forward(self.dropout.forward(x)));
        let x = relu(self.fc7.forward(self.dropout.forward(x)));
        self.fc8.forward(x)
    }

    pub fn trace(&self, size: usize) -> ShapeTrace {
        trace_stages(&self.stages(), ShapeTrace::input(3, size))
            .adaptive_pool(self.pool5_size)
            .linear_layer(&self.fc6)
            .linear_layer(&self.fc7)
            .linear_layer(&self.fc8)
    }
}
