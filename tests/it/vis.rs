//! What the network learned: the deconvnet is not the gradient, overlapping max-pool windows
//! unpool to their switches, Grad-CAM by hand and for a global-pooling network, and training
//! changes the first-layer filters.

use burn::prelude::*;
use cadet::core::models::{ModelKind, Net};
use cadet::core::train::{CheckpointKind, RunDir};
use cadet::core::vis::{
    FilterNormalization, Layer, ViewInput, cam_from_gradient, chain, class_gradient, filter_mosaic,
    first_layer_filters, forward, grad_cam,
};

fn t4(values: Vec<f32>, shape: [usize; 4], device: &Device) -> Tensor<4> {
    Tensor::from_data(TensorData::new(values, shape), device)
}

#[test]
fn the_deconvnet_rectifies_where_the_gradient_masks() {
    // input [3, 1, 5] → conv 1×1 (weight 1) → ReLU → conv 1×2 ([1, −1]) → ReLU → max pool 1×2.
    // Forward: ReLU(input) = [3, 1, 5]; conv2 = [3 − 1, 1 − 5] = [2, −4]; ReLU [2, 0]; max 2 at 0.
    // Deconvnet: unpool [2, 0]; ReLU; conv2ᵀ spreads 2·[1, −1] → [2, −2, 0]; ReLU → [2, 0, 0];
    // conv1ᵀ → [2, 0, 0].
    // Gradient of the unit times its value: 2 · [1, −1, 0] (the ReLU mask lets −2 through).
    let device = Device::flex();
    let w1 = t4(vec![1.0], [1, 1, 1, 1], &device);
    let w2 = t4(vec![1.0, -1.0], [1, 1, 1, 2], &device);
    let layers = vec![
        Layer::Conv { weight: w1.clone(), bias: None, stride: 1, padding: 0 },
        Layer::Relu,
        Layer::Conv { weight: w2.clone(), bias: None, stride: 1, padding: 0 },
        Layer::Relu,
        Layer::MaxPool { kernel: 1, stride: 1, padding: 0, ceil: false },
    ];
    let x = t4(vec![3.0, 1.0, 5.0], [1, 1, 1, 3], &device);
    let trace = forward(layers, x.clone());
    let deconv: Vec<f32> = trace.output.clone().try_into_vec_as().unwrap();
    assert_eq!(deconv, vec![2.0, 0.0], "the chain's output before the unit is chosen");
    let recon: Vec<f32> = trace.reconstruct(0).try_into_vec_as().unwrap();
    assert_eq!(recon, vec![2.0, 0.0, 0.0]);

    let ad = device.clone().autodiff();
    let xa = Tensor::<4>::from_data(TensorData::new(vec![3.0f32, 1.0, 5.0], [1, 1, 1, 3]), &ad).require_grad();
    let opts = || burn::tensor::ops::ConvOptions::new([1, 1], [0, 0], [1, 1], 1);
    let h = burn::tensor::activation::relu(burn::tensor::module::conv2d(xa.clone(), w1.to_device(&ad), None, opts()));
    let h = burn::tensor::activation::relu(burn::tensor::module::conv2d(h, w2.to_device(&ad), None, opts()));
    let unit = h.slice([0..1, 0..1, 0..1, 0..1]).sum();
    let value: f32 = unit.clone().into_scalar();
    let grads = unit.backward();
    let g: Vec<f32> = xa.grad(&grads).unwrap().try_into_vec_as().unwrap();
    let scaled: Vec<f32> = g.iter().map(|v| v * value).collect();
    assert_eq!(scaled, vec![2.0, -2.0, 0.0]);
    assert_ne!(scaled, recon, "switch-based deconvnet and gradient differ");
}

#[test]
fn training_changes_the_first_layer_filters() {
    let dir = crate::common::tiny_run();
    let c = RunDir::open(dir).unwrap().read_config().unwrap();
    let device = Device::flex();
    let trained =
        cadet::core::eval::load_run_model(&RunDir::open(dir).unwrap(), &c, CheckpointKind::Last, &device).unwrap();
    let initial = cadet::core::train::build_model(&c, &device, &mut |_| {}).unwrap();
    let before: Vec<f32> = initial.first_conv_weight().try_into_vec_as().unwrap();
    let after: Vec<f32> = trained.first_conv_weight().try_into_vec_as().unwrap();
    assert_eq!(before.len(), 32 * 3 * 5 * 5);
    let changed = before.iter().zip(&after).filter(|(a, b)| (*a - *b).abs() > 1e-6).count();
    assert!(changed > before.len() / 2, "{changed} of {} weights changed", before.len());
    let a = first_layer_filters(&initial, FilterNormalization::Global, 2).unwrap();
    let b = first_layer_filters(&trained, FilterNormalization::Global, 2).unwrap();
    assert_eq!((a.width, a.height), (b.width, b.height));
    assert_ne!(a.pixels, b.pixels, "the picture shows learning");
    assert_eq!(filter_mosaic(&before, [32, 3, 5, 5], FilterNormalization::PerFilter, 2).width, 6 * 11 + 1);
    assert!(chain(&trained).is_some() && chain(&ModelKind::GooglenetL.build(2, &device)).is_none());
    assert!(matches!(trained, Net::CifarNet(_)));
}

#[test]
fn overlapping_max_pool_windows_send_both_outputs_to_their_shared_switch() {
    // a 3×5 input pooled 3×3 with stride 2: windows over columns 0–2 and 2–4 share column 2,
    // where the 9 is the maximum of both
    let device = Device::flex();
    let x = t4(vec![1., 0., 2., 0., 1., 0., 3., 9., 4., 0., 5., 0., 1., 0., 8.], [1, 1, 3, 5], &device);
    let pass = forward(vec![Layer::MaxPool { kernel: 3, stride: 2, padding: 0, ceil: false }], x);
    assert_eq!(pass.output.clone().try_into_vec_as::<f32>().unwrap(), vec![9.0, 9.0]);
    let back: Vec<f32> = pass.project(t4(vec![1.0, 2.0], [1, 1, 1, 2], &device)).try_into_vec_as().unwrap();
    let mut expected = vec![0.0; 15];
    expected[7] = 3.0; // 1 + 2 at row 1, column 2
    assert_eq!(back, expected);
}

#[test]
fn grad_cam_of_global_pooling_and_a_linear_layer_by_hand() {
    // A: two 2×2 maps, A0 = [1, 2, 3, 4], A1 = [4, 0, 0, 0]; logits = W · mean(A) with
    // W = [[1, −1], [0.5, 2]]: mean(A) = (2.5, 1), logits (1.5, 3.25), so class 1 is predicted.
    // ∂y_c/∂A_k,ij = W[c][k] / 4, hence α = W[c] / 4 and cam = ReLU(Σ_k α_k A_k).
    let device = Device::flex();
    let a = t4(vec![1., 2., 3., 4., 4., 0., 0., 0.], [1, 2, 2, 2], &device);
    let classify = |a: Tensor<4>| {
        let w = Tensor::<2>::from_data(TensorData::new(vec![1.0f32, 0.5, -1.0, 2.0], [2, 2]), &a.device()); // Wᵀ
        let means: Tensor<2> = a.mean_dim(3).mean_dim(2).reshape([1, 2]);
        means.matmul(w)
    };
    let g = class_gradient(a.clone(), classify, None).unwrap();
    assert_eq!((g.class, g.logit), (1, 3.25));
    assert_eq!(g.gradient, vec![0.125, 0.125, 0.125, 0.125, 0.5, 0.5, 0.5, 0.5]);
    let (weights, coarse) = cam_from_gradient(&g);
    assert_eq!(weights, vec![0.125, 0.5]);
    // 0.125·[1, 2, 3, 4] + 0.5·[4, 0, 0, 0]
    assert_eq!(coarse, vec![2.125, 0.25, 0.375, 0.5]);
    // class 0: α = (0.25, −0.25); 0.25·A0 − 0.25·A1 = [−0.75, 0.5, 0.75, 1] → ReLU
    let g0 = class_gradient(a, classify, Some(0)).unwrap();
    assert_eq!(cam_from_gradient(&g0), (vec![0.25, -0.25], vec![0.0, 0.5, 0.75, 1.0]));
}

#[test]
fn googlenet_grad_cam_weights_are_its_classifier_weights() {
    // GoogLeNet ends in global average pooling and one linear layer, so Grad-CAM's channel
    // weights are the classifier's weights of the class divided by the map size (Zhou et
    // al.'s CAM); at 32 px the last block is 1×1.
    let device = Device::flex();
    let net = ModelKind::GooglenetH.build_seeded(3, &device, 5);
    let values: Vec<f32> = (0..3 * 32 * 32).map(|i| ((i * 37 % 101) as f32 / 50.0) - 1.0).collect();
    let cam = grad_cam(&net, &ViewInput::new(values, 32), Some(2)).unwrap();
    let Net::GoogLeNet(g) = &net else { unreachable!() };
    let w: Vec<f32> = g.fc.weight.val().try_into_vec_as().unwrap(); // [1024, 3]
    let column: Vec<f32> = (0..1024).map(|k| w[k * 3 + 2]).collect();
    assert_eq!(cam.coarse_size, [1, 1]);
    let worst = cam.weights.iter().zip(&column).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
    assert!(worst < 1e-6, "weights differ by {worst}");
    assert!(cam.guided.is_none(), "no single reverse path through the inception branches");
}
