//! Building blocks shared by the model zoo: initialised convolutions and linear layers, the
//! conv + batch-norm + ReLU block of torchvision's GoogLeNet, and the shape arithmetic that
//! counts multiply-adds by reading a network's own (lazy, never initialised) layers.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{AvgPool2d, MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Initializer, Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::relu;

use super::conv::conv2d;

/// A convolution with Gaussian (He) initial weights and zero bias.
pub fn conv(channels: [usize; 2], kernel: usize, stride: usize, padding: usize, bias: bool, device: &Device) -> Conv2d {
    let fan_in = channels[0] * kernel * kernel;
    let mut c = Conv2dConfig::new(channels, [kernel, kernel])
        .with_stride([stride, stride])
        .with_padding(PaddingConfig2d::Explicit(padding, padding, padding, padding))
        .with_bias(bias)
        .with_initializer(Initializer::Normal { mean: 0.0, std: (2.0 / fan_in as f64).sqrt() })
        .init(device);
    if bias {
        c.bias = Some(Initializer::Zeros.init([channels[1]], device));
    }
    c
}

/// A fully connected layer with Gaussian initial weights (He, or `std` when given) and zero bias.
pub fn linear(d_input: usize, d_output: usize, std: Option<f64>, device: &Device) -> Linear {
    let std = std.unwrap_or((2.0 / d_input as f64).sqrt());
    let mut l =
        LinearConfig::new(d_input, d_output).with_initializer(Initializer::Normal { mean: 0.0, std }).init(device);
    l.bias = Some(Initializer::Zeros.init([d_output], device));
    l
}

/// Max pooling; `ceil` rounds the output size up as Caffe (and torchvision's GoogLeNet) do,
/// otherwise down as torchvision's AlexNet and VGG do.
pub fn max_pool(kernel: usize, stride: usize, padding: usize, ceil: bool) -> MaxPool2d {
    MaxPool2dConfig::new([kernel, kernel])
        .with_strides([stride, stride])
        .with_padding(PaddingConfig2d::Explicit(padding, padding, padding, padding))
        .with_ceil_mode(ceil)
        .init()
}

/// torchvision's `BasicConv2d`: convolution without bias, batch norm (eps 0.001), ReLU.
#[derive(Module, Debug)]
pub struct BasicConv2d {
    pub conv: Conv2d,
    pub bn: BatchNorm,
}

impl BasicConv2d {
    pub fn new(channels: [usize; 2], kernel: usize, stride: usize, padding: usize, device: &Device) -> Self {
        Self {
            conv: conv(channels, kernel, stride, padding, false, device),
            bn: BatchNormConfig::new(channels[1]).with_epsilon(1e-3).init(device),
        }
    }

    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        relu(self.bn.forward(conv2d(&self.conv, x)))
    }
}

/// Output size of a convolution or pooling window along one axis (`ceil` only for pooling).
fn window_output(size: usize, padding: &PaddingConfig2d, kernel: usize, stride: usize) -> usize {
    match padding {
        PaddingConfig2d::Same => size.div_ceil(stride),
        PaddingConfig2d::Valid => (size - kernel) / stride + 1,
        PaddingConfig2d::Explicit(top, _, bottom, _) => (size + top + bottom - kernel) / stride + 1,
    }
}

/// The symmetric padding of a pooling layer (the zoo pads pools symmetrically or not at all).
fn pool_padding(padding: &PaddingConfig2d) -> usize {
    match padding {
        PaddingConfig2d::Explicit(top, ..) => *top,
        _ => 0,
    }
}

/// Shape arithmetic for counting multiply-adds without running a model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ShapeTrace {
    pub channels: usize,
    pub size: usize,
    pub macs: u64,
}

impl ShapeTrace {
    pub fn input(channels: usize, size: usize) -> Self {
        Self { channels, size, macs: 0 }
    }

    /// A convolution (square kernel, stride, symmetric padding, groups).
    pub fn conv(self, out: usize, kernel: usize, stride: usize, padding: usize, groups: usize) -> Self {
        let size = (self.size + 2 * padding - kernel) / stride + 1;
        let macs = (size * size * out * (self.channels / groups) * kernel * kernel) as u64;
        Self { channels: out, size, macs: self.macs + macs }
    }

    /// A network's convolution, read from its (lazy) weight shape `[out, in / groups, k, k]`,
    /// stride and padding.
    pub fn conv_layer(self, c: &Conv2d) -> Self {
        let shape = c.weight.lazy_shape();
        let (out, per_group, kh, kw) = (shape[0], shape[1], shape[2], shape[3]);
        let size = window_output(self.size, &c.padding, kh, c.stride[0]);
        let macs = (size * size * out * per_group * kh * kw) as u64;
        Self { channels: out, size, macs: self.macs + macs }
    }

    pub fn max_pool_layer(self, p: &MaxPool2d) -> Self {
        self.pool(p.kernel_size[0], p.stride[0], pool_padding(&p.padding), p.ceil_mode)
    }

    pub fn avg_pool_layer(self, p: &AvgPool2d) -> Self {
        self.pool(p.kernel_size[0], p.stride[0], pool_padding(&p.padding), p.ceil_mode)
    }

    /// A network's fully connected layer (burn's weight is `[in, out]`) on the flattened input.
    pub fn linear_layer(self, l: &Linear) -> Self {
        self.linear(l.weight.lazy_shape()[1])
    }

    /// Adaptive average pooling to `size`×`size` (no multiply-adds counted).
    pub fn adaptive_pool(self, size: usize) -> Self {
        Self { size, ..self }
    }

    /// Max or average pooling, rounding up (`ceil`) or down (no multiply-adds counted).
    pub fn pool(self, kernel: usize, stride: usize, padding: usize, ceil: bool) -> Self {
        let span = self.size + 2 * padding - kernel;
        if !ceil {
            return Self { size: span / stride + 1, ..self };
        }
        let mut size = span.div_ceil(stride) + 1;
        // PyTorch/Caffe rule: the last window must start inside the (left-padded) input
        if (size - 1) * stride >= self.size + padding {
            size -= 1;
        }
        Self { size, ..self }
    }

    /// A fully connected layer on the flattened input.
    pub fn linear(self, out: usize) -> Self {
        let inputs = self.channels * self.size * self.size;
        Self { channels: out, size: 1, macs: self.macs + (inputs * out) as u64 }
    }

    /// Global average pooling to 1×1.
    pub fn global_pool(self) -> Self {
        Self { size: 1, ..self }
    }

    /// Adds the multiply-adds of a parallel branch computed from the same input.
    pub fn with(self, other: ShapeTrace) -> Self {
        Self { macs: self.macs + other.macs, ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_matches_hand_computed_shapes() {
        // AlexNet's first layer at 224: (224 + 4 − 11) / 4 + 1 = 55; 55²·64·3·11² multiply-adds
        let t = ShapeTrace::input(3, 224).conv(64, 11, 4, 2, 1);
        assert_eq!(t.size, 55);
        assert_eq!(t.macs, 55 * 55 * 64 * 3 * 121);
        // Caffe/ceil pooling: 32 → ceil((32 − 3) / 2) + 1 = 16; 55 → 27
        assert_eq!(ShapeTrace::input(32, 32).pool(3, 2, 0, true).size, 16);
        assert_eq!(ShapeTrace::input(32, 32).pool(3, 2, 0, false).size, 15);
        assert_eq!(t.pool(3, 2, 0, false).size, 27);
        // the last window may not start in the padding: 4 with kernel 2, stride 2, pad 1 → 3
        assert_eq!(ShapeTrace::input(1, 4).pool(2, 2, 1, true).size, 3);
        assert_eq!(ShapeTrace::input(256, 6).linear(4096).macs, 9216 * 4096);
    }
}
