//! VGG-16 as torchvision defines it (configuration "D", no batch norm).

use burn::nn::conv::Conv2d;
use burn::nn::pool::MaxPool2d;
use burn::nn::{Dropout, DropoutConfig, Linear};
use burn::prelude::*;
use burn::tensor::activation::relu;
use burn::tensor::module::adaptive_avg_pool2d;

use super::blocks::{ShapeTrace, conv, linear, max_pool};

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

    /// Pool-5 activations, `[batch, 512, 7, 7]` at 224 px.
    pub fn features(&self, mut x: Tensor<4>) -> Tensor<4> {
        let mut convs = self.convs.iter();
        for &entry in &LAYOUT {
            x = if entry == 0 {
                self.pool.forward(x)
            } else {
                match convs.next() {
                    Some(c) => relu(c.forward(x)),
                    None => x,
                }
            };
        }
        x
    }

    pub fn classify(&self, features: Tensor<4>) -> Tensor<2> {
        let x: Tensor<2> = adaptive_avg_pool2d(features, [7, 7]).flatten(1, 3); // [batch, 25088]
        let x = self.dropout.forward(relu(self.fc6.forward(x)));
        let x = self.dropout.forward(relu(self.fc7.forward(x)));
        self.fc8.forward(x)
    }

    pub fn trace(classes: usize, size: usize) -> ShapeTrace {
        let mut t = ShapeTrace::input(3, size);
        for &entry in &LAYOUT {
            t = if entry == 0 { t.pool(2, 2, 0, false) } else { t.conv(entry, 3, 1, 1, 1) };
        }
        ShapeTrace { size: 7, ..t }.linear(4096).linear(4096).linear(classes)
    }
}
