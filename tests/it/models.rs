//! One definition per network: the shape and multiply-add trace read from each network's own
//! layers agrees with the layer tables written out by hand (recomputed independently in
//! Python); the deconvnet's forward chain, derived from the same layers, reproduces the
//! network's features.

use burn::prelude::*;
use cadet::core::models::ModelKind;
use cadet::core::vis::{chain, forward};

#[test]
fn multiply_adds_equal_the_hand_written_layer_tables() {
    // per model at its input size, two classes: the layer tables as the models were first
    // written (conv/pool/linear lists), recomputed independently in Python
    let expected: [(ModelKind, u64); 8] = [
        (ModelKind::Cifarnet, 12_353_664),
        (ModelKind::AlexnetH, 712_679_424),
        (ModelKind::AlexnetL, 272_834_560),
        (ModelKind::GooglenetH, 1_497_354_240),
        (ModelKind::GooglenetL, 1_661_497_600),
        (ModelKind::Vgg16, 15_466_176_512),
        (ModelKind::Overfeat, 2_797_316_096),
        (ModelKind::EfficientnetLite0, 383_910_112),
    ];
    for (kind, macs) in expected {
        let t = kind.trace(2);
        assert_eq!(t.macs, macs, "{kind}");
        assert_eq!((t.channels, t.size), (2, 1), "{kind}: the logits");
    }
}

#[test]
fn the_deconvnet_chain_reproduces_every_plain_networks_features() {
    let device = Device::flex();
    // the smallest inputs each network takes (pool-5 of 1×1 or 2×2)
    for (kind, size) in [
        (ModelKind::Cifarnet, 32),
        (ModelKind::AlexnetH, 67),
        (ModelKind::AlexnetL, 64),
        (ModelKind::Vgg16, 32),
        (ModelKind::Overfeat, 79),
    ] {
        let net = kind.build(2, &device);
        let x = Tensor::<4>::random([1, 3, size, size], burn::tensor::Distribution::Normal(0.0, 1.0), &device);
        let own: Vec<f32> = net.features(x.clone()).try_into_vec_as().unwrap();
        let layers = chain(&net).unwrap_or_else(|| panic!("{kind} is a plain chain"));
        let pass = forward(layers, x);
        let derived: Vec<f32> = pass.output.try_into_vec_as().unwrap();
        assert_eq!(own.len(), derived.len(), "{kind}");
        let peak = own.iter().fold(0f32, |m, v| m.max(v.abs()));
        assert!(peak > 0.0, "{kind}: some unit fires");
        let worst = own.iter().zip(&derived).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
        assert!(worst <= 1e-5 * peak, "{kind}: differs by {worst} (peak {peak})");
    }
    assert!(chain(&ModelKind::GooglenetL.build(2, &device)).is_none(), "branches merge");
}
