//! cadet's CPU convolution and max pooling against hand-computed values and against burn's own
//! operations (an independent implementation), forward and backward, over the shapes whose
//! code paths differ: unstrided same-width rows, strides with one-sided padding (the col2im
//! gradient), 1×1 filters, layers without bias, batches split over tasks and image groups, and
//! ceil-mode pooling with padding.

use burn::module::Param;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Initializer, PaddingConfig2d};
use burn::prelude::*;

use super::kernel::{self, ConvGeometry, Wanted};
use super::{conv2d, max_pool2d, pool};

fn values(t: Tensor<4>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().expect("f32 tensor")
}

/// Deterministic values in [-1, 1) (a fixed LCG: no dependence on burn's random stream).
fn numbers(len: usize, seed: u64) -> Vec<f32> {
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

fn tensor(dims: [usize; 4], seed: u64, device: &Device) -> Tensor<4> {
    Tensor::from_data(TensorData::new(numbers(dims.iter().product(), seed), dims), device)
}

fn assert_close(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    let scale = want.iter().fold(1.0f32, |m, v| m.max(v.abs()));
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= 1e-5 * scale, "{what}[{i}]: {g} against {w}");
    }
}

struct ConvCase {
    batch: usize,
    channels: [usize; 2],
    size: [usize; 2],
    kernel: [usize; 2],
    stride: [usize; 2],
    /// top, left, bottom, right
    padding: [usize; 4],
    bias: bool,
}

fn layer(case: &ConvCase, device: &Device) -> Conv2d {
    let [top, left, bottom, right] = case.padding;
    let mut conv = Conv2dConfig::new(case.channels, case.kernel)
        .with_stride(case.stride)
        .with_padding(PaddingConfig2d::Explicit(top, left, bottom, right))
        .with_bias(case.bias)
        .with_initializer(Initializer::Zeros)
        .init(device);
    let [c, o] = case.channels;
    conv.weight = Param::from_tensor(tensor([o, c, case.kernel[0], case.kernel[1]], 7, device));
    if case.bias {
        conv.bias = Some(Param::from_tensor(Tensor::from_data(TensorData::new(numbers(o, 8), [o]), device)));
    }
    conv
}

/// Output, input gradient, filter gradient and bias gradient of `sum(conv(x) * r)`.
fn conv_run(case: &ConvCase, ours: bool) -> [Vec<f32>; 4] {
    let device = Device::flex().autodiff();
    let conv = layer(case, &device);
    let x = tensor([case.batch, case.channels[0], case.size[0], case.size[1]], 3, &device).require_grad();
    let y = if ours { conv2d(&conv, x.clone()) } else { conv.forward(x.clone()) };
    let r = tensor(y.dims(), 5, &device);
    let grads = (y.clone() * r).sum().backward();
    let bias =
        conv.bias.as_ref().map(|b| b.grad(&grads).expect("bias gradient").into_data().try_to_vec::<f32>().unwrap());
    [
        values(y),
        values(x.grad(&grads).expect("input gradient")),
        values(conv.weight.grad(&grads).expect("filter gradient")),
        bias.unwrap_or_default(),
    ]
}

#[test]
fn convolution_and_its_gradients_match_burn_on_every_path() {
    let cases = [
        // unstrided, as wide as the input: the row-block unfolding and the "full" gradient
        ConvCase {
            batch: 3,
            channels: [2, 4],
            size: [7, 6],
            kernel: [3, 3],
            stride: [1, 1],
            padding: [1; 4],
            bias: true,
        },
        // CifarNet's 5×5 with padding 2, a batch of five split over tasks and groups
        ConvCase {
            batch: 5,
            channels: [3, 6],
            size: [8, 8],
            kernel: [5, 5],
            stride: [1, 1],
            padding: [2; 4],
            bias: true,
        },
        // strided, one-sided padding, rectangular kernel: the folded (col2im) input gradient
        ConvCase {
            batch: 2,
            channels: [3, 5],
            size: [9, 8],
            kernel: [3, 2],
            stride: [2, 3],
            padding: [0, 1, 2, 0],
            bias: false,
        },
        // 1×1 filters, then 1×1 with padding (wider than its "full" gradient allows)
        ConvCase {
            batch: 4,
            channels: [4, 3],
            size: [4, 5],
            kernel: [1, 1],
            stride: [1, 1],
            padding: [0; 4],
            bias: true,
        },
        ConvCase {
            batch: 2,
            channels: [2, 2],
            size: [3, 3],
            kernel: [1, 1],
            stride: [1, 1],
            padding: [1; 4],
            bias: true,
        },
        // AlexNet's first layer in small: 11×11 at stride 4
        ConvCase {
            batch: 2,
            channels: [3, 4],
            size: [19, 19],
            kernel: [11, 11],
            stride: [4, 4],
            padding: [2; 4],
            bias: true,
        },
        // a kernel as large as the padded input: one output position
        ConvCase {
            batch: 2,
            channels: [1, 2],
            size: [3, 3],
            kernel: [3, 3],
            stride: [1, 1],
            padding: [0; 4],
            bias: false,
        },
    ];
    for (i, case) in cases.iter().enumerate() {
        let ours = conv_run(case, true);
        let burns = conv_run(case, false);
        for (name, (o, b)) in
            ["output", "input gradient", "filter gradient", "bias gradient"].iter().zip(ours.iter().zip(&burns))
        {
            assert_close(&format!("case {i} {name}"), o, b);
        }
    }
}

#[test]
fn convolution_of_a_hand_computed_case() {
    // 3×3 image 1..9, a 2×2 filter of ones plus bias 0.5: each output sums a 2×2 window.
    let g = ConvGeometry {
        batch: 1,
        channels: 1,
        height: 3,
        width: 3,
        filters: 1,
        kernel: [2, 2],
        stride: [1, 1],
        padding: [(0, 0); 2],
    };
    let x: Vec<f32> = (1..=9).map(|v| v as f32).collect();
    let out = kernel::forward(&g, &x, &[1.0; 4], Some(&[0.5]));
    assert_eq!(out, vec![12.5, 16.5, 24.5, 28.5]);
    // With an output gradient of ones, each filter tap sums the four pixels it saw, the bias
    // gradient counts the outputs, and each pixel's gradient counts the windows covering it.
    let grads = kernel::backward(&g, &x, &[1.0; 4], &[1.0; 4], Wanted { x: true, weight: true, bias: true });
    assert_eq!(grads.weight, vec![12.0, 16.0, 24.0, 28.0]);
    assert_eq!(grads.bias, vec![4.0]);
    assert_eq!(grads.x, vec![1.0, 2.0, 1.0, 2.0, 4.0, 2.0, 1.0, 2.0, 1.0]);
}

fn pool_layer(kernel: [usize; 2], stride: [usize; 2], padding: [usize; 2], ceil: bool) -> MaxPool2d {
    MaxPool2dConfig::new(kernel)
        .with_strides(stride)
        .with_padding(PaddingConfig2d::Explicit(padding[0], padding[1], padding[0], padding[1]))
        .with_ceil_mode(ceil)
        .init()
}

#[test]
fn max_pooling_and_its_gradient_match_burn() {
    let cases = [
        ([2, 3, 7, 7], [3, 3], [2, 2], [0, 0], true), // CifarNet's: the last window hangs over
        ([1, 2, 6, 5], [2, 3], [2, 1], [1, 1], false),
        ([2, 1, 4, 4], [3, 3], [2, 2], [1, 1], true),
        ([3, 2, 8, 8], [2, 2], [2, 2], [0, 0], false),
    ];
    let device = Device::flex().autodiff();
    for (i, (dims, kernel, stride, padding, ceil)) in cases.into_iter().enumerate() {
        let pool = pool_layer(kernel, stride, padding, ceil);
        let run = |ours: bool| {
            let x = tensor(dims, 11 + i as u64, &device).require_grad();
            let y = if ours { max_pool2d(&pool, x.clone()) } else { pool.forward(x.clone()) };
            let r = tensor(y.dims(), 13, &device);
            let grads = (y.clone() * r).sum().backward();
            (values(y), values(x.grad(&grads).expect("input gradient")))
        };
        let ((ours_y, ours_dx), (burn_y, burn_dx)) = (run(true), run(false));
        assert_close(&format!("pool case {i} output"), &ours_y, &burn_y);
        assert_close(&format!("pool case {i} gradient"), &ours_dx, &burn_dx);
    }
}

#[test]
fn max_pooling_of_a_hand_computed_case() {
    // 4×4 image, 2×2 windows at stride 2: the maxima and their positions are read off by eye.
    #[rustfmt::skip]
    let x = [
        1.0, 5.0, 2.0, 0.0,
        3.0, 4.0, 8.0, 7.0,
        9.0, 0.0, 1.0, 1.0,
        2.0, 6.0, 3.0, 4.0,
    ];
    let g = pool::PoolGeometry {
        planes: 1,
        height: 4,
        width: 4,
        kernel: [2, 2],
        stride: [2, 2],
        padding: [0, 0],
        output: [2, 2],
    };
    let (out, arg) = pool::forward(&g, &x);
    assert_eq!(out, vec![5.0, 8.0, 9.0, 4.0]);
    assert_eq!(arg, vec![1, 6, 8, 15]);
    let dx = pool::backward(&g, &[1.0, 2.0, 3.0, 4.0], &arg);
    let mut want = [0.0f32; 16];
    for (i, v) in [(1, 1.0), (6, 2.0), (8, 3.0), (15, 4.0)] {
        want[i] = v;
    }
    assert_eq!(dx, want.to_vec());
}

#[test]
fn layers_run_without_autodiff_too() {
    // Inference (evaluation, the Visualisation tab) takes the untracked path on the plain backend.
    let device = Device::flex();
    let case = ConvCase {
        batch: 2,
        channels: [3, 4],
        size: [6, 6],
        kernel: [3, 3],
        stride: [1, 1],
        padding: [1; 4],
        bias: true,
    };
    let conv = layer(&case, &device);
    let x = tensor([2, 3, 6, 6], 21, &device);
    assert_close("plain conv", &values(conv2d(&conv, x.clone())), &values(conv.forward(x.clone())));
    let pool = pool_layer([3, 3], [2, 2], [0, 0], true);
    assert_close("plain pool", &values(max_pool2d(&pool, x.clone())), &values(pool.forward(x)));
}
