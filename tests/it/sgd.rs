//! The optimiser against hand-computed PyTorch semantics (`torch.optim.SGD` with momentum,
//! weight decay and dampening 0): two steps on a one-weight, one-bias model, the second after
//! a learning-rate drop.

use burn::nn::{Linear, LinearConfig};
use burn::optim::GradientsParams;
use burn::prelude::*;
use cadet::core::train::{Sgd, SgdConfig};

/// `(w·x + b − y)²` for x = 2, y = 1, and its gradients put into `sgd` at rate `lr`.
fn step(sgd: &mut Sgd, model: Linear, lr: f64, device: &Device) -> Linear {
    let x = Tensor::<2>::from_data(TensorData::new(vec![2.0f32], [1, 1]), device);
    let residual = model.forward(x) - 1.0;
    let loss = (residual.clone() * residual).sum();
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    sgd.step(model, &|_| lr, grads)
}

fn values(model: &Linear) -> (f32, f32) {
    let w: Vec<f32> = model.weight.val().try_into_vec_as().unwrap();
    let b: Vec<f32> = model.bias.as_ref().unwrap().val().try_into_vec_as().unwrap();
    (w[0], b[0])
}

#[test]
fn two_momentum_steps_with_weight_decay_and_a_rate_drop_match_pytorch_by_hand() {
    let device = Device::flex().autodiff();
    let mut model = LinearConfig::new(1, 1).init(&device);
    model.weight =
        model.weight.map(|_| Tensor::from_data(TensorData::new(vec![0.5f32], [1, 1]), &device).require_grad());
    model.bias =
        model.bias.map(|b| b.map(|_| Tensor::from_data(TensorData::new(vec![0.25f32], [1]), &device).require_grad()));
    let mut sgd = Sgd::new(SgdConfig { momentum: 0.9, weight_decay: 0.1 });

    // step 1, lr 0.1: residual 2·0.5 + 0.25 − 1 = 0.25; ∂w = 2·0.25·2 = 1, ∂b = 0.5.
    // g = ∂ + 0.1·θ: g_w = 1.05, g_b = 0.525; the first velocity is g (no dampening).
    // w = 0.5 − 0.1·1.05 = 0.395, b = 0.25 − 0.1·0.525 = 0.1975
    model = step(&mut sgd, model, 0.1, &device);
    let (w, b) = values(&model);
    assert!((w - 0.395).abs() < 1e-6 && (b - 0.1975).abs() < 1e-6, "after step 1: w {w}, b {b}");

    // step 2, lr 0.01: residual 0.79 + 0.1975 − 1 = −0.0125; ∂w = −0.05, ∂b = −0.025.
    // g_w = −0.05 + 0.0395 = −0.0105, g_b = −0.025 + 0.01975 = −0.00525.
    // v_w = 0.9·1.05 − 0.0105 = 0.9345, v_b = 0.9·0.525 − 0.00525 = 0.46725.
    // w = 0.395 − 0.01·0.9345 = 0.385655, b = 0.1975 − 0.01·0.46725 = 0.1928275
    model = step(&mut sgd, model, 0.01, &device);
    let (w, b) = values(&model);
    assert!((w - 0.385_655).abs() < 1e-6 && (b - 0.192_827_5).abs() < 1e-6, "after step 2: w {w}, b {b}");
}
