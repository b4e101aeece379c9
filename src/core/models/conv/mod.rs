//! The convolution and max pooling of every cadet network: burn's `Conv2d` and `MaxPool2d`
//! parameters, computed on the CPU by cadet's own kernels ([`kernel`], [`pool`]) and elsewhere
//! by burn.

mod extension;
pub mod kernel;
pub mod pool;
mod unfold;

use burn::backend::Dispatch;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::nn::pool::MaxPool2d;
use burn::prelude::*;
use burn::tensor::ops::ConvOptions;

use extension::{CadetOps, PoolOptions};

/// `conv.forward(x)`, the same numbers through cadet's kernel where it applies. `Same` padding
/// (EfficientNet's, whose split burn keeps private) stays with burn.
pub fn conv2d(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    let (rows, cols) = match conv.padding {
        PaddingConfig2d::Valid => ((0, 0), (0, 0)),
        PaddingConfig2d::Explicit(top, left, bottom, right) => ((top, bottom), (left, right)),
        PaddingConfig2d::Same => return conv.forward(x),
    };
    let options = ConvOptions::new_with_padding(conv.stride, [rows, cols], conv.dilation, conv.groups);
    let bias = match &conv.bias {
        Some(bias) => bias.val(),
        None => Tensor::zeros([conv.weight.dims()[0]], &x.device()),
    };
    Tensor::from_dispatch(<Dispatch as CadetOps>::cadet_conv2d(
        x.into_dispatch(),
        conv.weight.val().into_dispatch(),
        bias.into_dispatch(),
        options,
    ))
}

/// `pool.forward(x)`, the same numbers through cadet's kernel where it applies. Dilated, `Same`
/// or one-sided padding stays with burn.
pub fn max_pool2d(pool: &MaxPool2d, x: Tensor<4>) -> Tensor<4> {
    let padding = match pool.padding {
        PaddingConfig2d::Valid => [0, 0],
        PaddingConfig2d::Explicit(top, left, bottom, right) if top == bottom && left == right => [top, left],
        _ => return pool.forward(x),
    };
    if pool.dilation != [1, 1] {
        return pool.forward(x);
    }
    let options = PoolOptions { kernel: pool.kernel_size, stride: pool.stride, padding, ceil_mode: pool.ceil_mode };
    Tensor::from_dispatch(<Dispatch as CadetOps>::cadet_max_pool2d(x.into_dispatch(), options))
}

#[cfg(test)]
mod tests;
