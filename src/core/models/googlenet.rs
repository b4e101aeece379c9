//! GoogLeNet (Inception v1) as torchvision defines it (batch-normalised convolutions, the 3×3
//! "5×5" branch, no auxiliary heads), and the paper's reduced "GoogLeNet-L" for 64×64 views:
//! first convolution 32 filters, kernel 5, padding 2, stride 1, and the following pooling
//! with stride 1.

use burn::nn::pool::MaxPool2d;
use burn::nn::{Dropout, DropoutConfig, Linear};
use burn::prelude::*;
use burn::tensor::module::adaptive_avg_pool2d;

use super::blocks::{BasicConv2d, ShapeTrace, linear, max_pool};
use super::conv::max_pool2d;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GoogVariant {
    /// torchvision's GoogLeNet for 224 px inputs.
    High,
    /// The paper's GoogLeNet-L for 64 px inputs.
    Low,
}

impl GoogVariant {
    /// (filters, kernel, stride, padding) of the first convolution and the first pool's stride.
    fn stem(self) -> ((usize, usize, usize, usize), usize) {
        match self {
            GoogVariant::High => ((64, 7, 2, 3), 2),
            GoogVariant::Low => ((32, 5, 1, 2), 1),
        }
    }
}

/// One inception module: 1×1, 1×1→3×3, 1×1→3×3 (torchvision's "5×5" branch), pool→1×1.
#[derive(Module, Debug)]
pub struct Inception {
    pub branch1: BasicConv2d,
    pub branch2: Vec<BasicConv2d>,
    pub branch3: Vec<BasicConv2d>,
    pub branch4_pool: MaxPool2d,
    pub branch4: BasicConv2d,
}

/// (input, 1×1, 3×3 reduce, 3×3, "5×5" reduce, "5×5", pool projection) of the nine modules.
const MODULES: [[usize; 7]; 9] = [
    [192, 64, 96, 128, 16, 32, 32],
    [256, 128, 128, 192, 32, 96, 64],
    [480, 192, 96, 208, 16, 48, 64],
    [512, 160, 112, 224, 24, 64, 64],
    [512, 128, 128, 256, 24, 64, 64],
    [512, 112, 144, 288, 32, 64, 64],
    [528, 256, 160, 320, 32, 128, 128],
    [832, 256, 160, 320, 32, 128, 128],
    [832, 384, 192, 384, 48, 128, 128],
];

impl Inception {
    fn new(c: [usize; 7], device: &Device) -> Self {
        let [input, b1, b2r, b2, b3r, b3, b4] = c;
        Self {
            branch1: BasicConv2d::new([input, b1], 1, 1, 0, device),
            branch2: vec![
                BasicConv2d::new([input, b2r], 1, 1, 0, device),
                BasicConv2d::new([b2r, b2], 3, 1, 1, device),
            ],
            branch3: vec![
                BasicConv2d::new([input, b3r], 1, 1, 0, device),
                BasicConv2d::new([b3r, b3], 3, 1, 1, device),
            ],
            branch4_pool: max_pool(3, 1, 1, true),
            branch4: BasicConv2d::new([input, b4], 1, 1, 0, device),
        }
    }

    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let chain = |convs: &[BasicConv2d], x: Tensor<4>| convs.iter().fold(x, |x, c| c.forward(x));
        let a = self.branch1.forward(x.clone());
        let b = chain(&self.branch2, x.clone());
        let c = chain(&self.branch3, x.clone());
        let d = self.branch4.forward(max_pool2d(&self.branch4_pool, x));
        Tensor::cat(vec![a, b, c, d], 1)
    }

    /// The four branches read from the same input; their outputs are concatenated.
    fn trace(&self, t: ShapeTrace) -> ShapeTrace {
        let chain = |convs: &[BasicConv2d]| convs.iter().fold(t, |t, c| t.conv_layer(&c.conv));
        let a = t.conv_layer(&self.branch1.conv);
        let b = chain(&self.branch2);
        let c = chain(&self.branch3);
        let d = t.max_pool_layer(&self.branch4_pool).conv_layer(&self.branch4.conv);
        let macs = a.macs + b.macs + c.macs + d.macs - 3 * t.macs;
        ShapeTrace { channels: a.channels + b.channels + c.channels + d.channels, size: t.size, macs }
    }
}

#[derive(Module, Debug)]
pub struct GoogLeNet {
    pub conv1: BasicConv2d,
    pub maxpool1: MaxPool2d,
    pub conv2: BasicConv2d,
    pub conv3: BasicConv2d,
    pub maxpool2: MaxPool2d,
    pub inception3: Vec<Inception>,
    pub maxpool3: MaxPool2d,
    pub inception4: Vec<Inception>,
    pub maxpool4: MaxPool2d,
    pub inception5: Vec<Inception>,
    pub dropout: Dropout,
    pub fc: Linear,
}

impl GoogLeNet {
    pub fn new(variant: GoogVariant, classes: usize, device: &Device) -> Self {
        let ((filters, kernel, stride, padding), pool_stride) = variant.stem();
        let inception = |range: std::ops::Range<usize>| range.map(|i| Inception::new(MODULES[i], device)).collect();
        Self {
            conv1: BasicConv2d::new([3, filters], kernel, stride, padding, device),
            maxpool1: max_pool(3, pool_stride, 0, true),
            conv2: BasicConv2d::new([filters, 64], 1, 1, 0, device),
            conv3: BasicConv2d::new([64, 192], 3, 1, 1, device),
            maxpool2: max_pool(3, 2, 0, true),
            inception3: inception(0..2),
            maxpool3: max_pool(3, 2, 0, true),
            inception4: inception(2..7),
            maxpool4: max_pool(2, 2, 0, true),
            inception5: inception(7..9),
            dropout: DropoutConfig::new(0.2).init(),
            fc: linear(1024, classes, Some(0.01), device),
        }
    }

    /// The last inception module's output, `[batch, 1024, 7, 7]` at 224 px.
    pub fn features(&self, x: Tensor<4>) -> Tensor<4> {
        let stage = |mods: &[Inception], x: Tensor<4>| mods.iter().fold(x, |x, m| m.forward(x));
        let x = max_pool2d(&self.maxpool1, self.conv1.forward(x));
        let x = max_pool2d(&self.maxpool2, self.conv3.forward(self.conv2.forward(x)));
        let x = max_pool2d(&self.maxpool3, stage(&self.inception3, x));
        let x = max_pool2d(&self.maxpool4, stage(&self.inception4, x));
        stage(&self.inception5, x)
    }

    pub fn classify(&self, features: Tensor<4>) -> Tensor<2> {
        let x: Tensor<2> = adaptive_avg_pool2d(features, [1, 1]).flatten(1, 3); // [batch, 1024]
        self.fc.forward(self.dropout.forward(x))
    }

    pub fn trace(&self, size: usize) -> ShapeTrace {
        let stage = |mods: &[Inception], t: ShapeTrace| mods.iter().fold(t, |t, m| m.trace(t));
        let t = ShapeTrace::input(3, size)
            .conv_layer(&self.conv1.conv)
            .max_pool_layer(&self.maxpool1)
            .conv_layer(&self.conv2.conv)
            .conv_layer(&self.conv3.conv)
            .max_pool_layer(&self.maxpool2);
        let t = stage(&self.inception3, t).max_pool_layer(&self.maxpool3);
        let t = stage(&self.inception4, t).max_pool_layer(&self.maxpool4);
        stage(&self.inception5, t).global_pool().linear_layer(&self.fc)
    }
}
