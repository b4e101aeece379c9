//! One definition per network: the shape and multiply-add trace read from each network's own
//! layers agrees with the layer tables written out by hand (tests/fixtures recompute them in
//! Python); the deconvnet's forward chain, derived from the same layers, reproduces the
//! network's features; and forward passes (and CifarNet's Grad-CAM) agree with PyTorch on
//! closed-form weights (tests/fixtures/make_zoo_reference.py).

use std::path::Path;

use burn::module::{ModuleMapper, Param};
use burn::prelude::*;
use cadet::core::models::{ModelKind, Net, ParamPath};
use cadet::core::vis::{ViewInput, chain, forward, grad_cam};

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

const MODULUS: u64 = 10_007;

fn fnv1a(text: &str) -> u64 {
    let mut h: u32 = 0x811c_9dc5;
    for b in text.bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    u64::from(h)
}

/// The fixture script's pattern: `2u − 1` with `u = ((i·7919 + seed) mod 10007) / 10007`.
fn pattern(n: usize, seed: u64) -> Vec<f64> {
    (0..n as u64).map(|i| 2.0 * ((i * 7919 + seed) % MODULUS) as f64 / MODULUS as f64 - 1.0).collect()
}

/// A tensor's values by the fixture script's rule for its (PyTorch) name and shape.
fn fill(name: &str, shape: &[usize]) -> Vec<f32> {
    let n: usize = shape.iter().product();
    let v = pattern(n, fnv1a(name) % MODULUS);
    let amp = (6.0 / (n / shape[0]) as f64).sqrt();
    let rule = |v: f64| {
        if name.ends_with("running_var") {
            1.0 + 0.25 * (v + 1.0)
        } else if name.contains(".bn.") && name.ends_with(".weight") {
            1.0 + 0.1 * v
        } else if name.ends_with(".bias") || name.ends_with("running_mean") {
            0.1 * v
        } else {
            v * amp
        }
    };
    v.into_iter().map(|v| rule(v) as f32).collect()
}

/// Replaces every tensor by its pattern (burn's linear weights are PyTorch's transposed).
struct Fill {
    path: ParamPath,
}

impl ModuleMapper for Fill {
    fn enter_module(&mut self, name: &str, container_type: &str) {
        self.path.enter(name, container_type);
    }

    fn exit_module(&mut self, _name: &str, container_type: &str) {
        self.path.exit(container_type);
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let path = self.path.dotted();
        let name = path.strip_suffix(".gamma").map_or(path.clone(), |p| format!("{p}.weight"));
        let name = name.strip_suffix(".beta").map_or(name.clone(), |p| format!("{p}.bias"));
        let shape = param.lazy_shape().to_vec();
        let values = if D == 2 {
            let (inputs, outputs) = (shape[0], shape[1]);
            let torch = fill(&name, &[outputs, inputs]);
            (0..inputs * outputs).map(|k| torch[(k % outputs) * inputs + k / outputs]).collect()
        } else {
            fill(&name, &shape)
        };
        Param::initialized(param.id, Tensor::from_data(TensorData::new(values, shape), &Device::flex()))
    }
}

fn reference() -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/zoo_reference.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn floats(v: &serde_json::Value) -> Vec<f32> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect()
}

fn assert_close(what: &str, ours: &[f32], theirs: &[f32], tolerance: f32) {
    assert_eq!(ours.len(), theirs.len(), "{what}");
    let scale = theirs.iter().fold(1f32, |m, v| m.max(v.abs()));
    for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
        assert!((a - b).abs() <= tolerance * scale, "{what}[{i}]: {a} here, {b} in PyTorch");
    }
}

/// The fixture's network with pattern weights, in inference mode, and its input.
fn patterned(model: &serde_json::Value) -> (Net, ViewInput) {
    let kind: ModelKind = model["model"].as_str().unwrap().parse().unwrap();
    let size = model["input_size"].as_u64().unwrap() as usize;
    let net = kind.build(10, &Device::flex()).map(&mut Fill { path: ParamPath::default() }).valid();
    let input: Vec<f32> = pattern(3 * size * size, 12_345 % MODULUS).into_iter().map(|v| (0.5 * v) as f32).collect();
    (net, ViewInput::new(input, size))
}

#[test]
fn forward_passes_match_pytorch_on_closed_form_weights() {
    let reference = reference();
    for model in reference["models"].as_array().unwrap() {
        let name = model["model"].as_str().unwrap();
        let (net, input) = patterned(model);
        let features = net.features(input.tensor(&Device::flex()));
        let shape: Vec<usize> = features.dims()[1..].to_vec();
        let expected: Vec<usize> =
            model["features_shape"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
        assert_eq!(shape, expected, "{name}: features shape");
        let values: Vec<f32> = features.clone().try_into_vec_as().unwrap();
        let picks: Vec<f32> =
            model["features_at"].as_array().unwrap().iter().map(|i| values[i.as_u64().unwrap() as usize]).collect();
        assert_close(&format!("{name} features"), &picks, &floats(&model["features"]), 1e-4);
        let sum: f64 = values.iter().map(|v| f64::from(*v)).sum();
        let theirs = model["features_sum"].as_f64().unwrap();
        assert!((sum - theirs).abs() <= 1e-4 * theirs.abs().max(1.0), "{name}: features sum {sum} vs {theirs}");
        let logits: Vec<f32> = net.classify(features).try_into_vec_as().unwrap();
        assert_close(&format!("{name} logits"), &logits, &floats(&model["logits"]), 1e-4);
    }
}

#[test]
fn cifarnet_grad_cam_matches_pytorch_autograd() {
    let reference = reference();
    let model = &reference["models"][0];
    assert_eq!(model["model"], "cifarnet");
    let (net, input) = patterned(model);
    let cam = grad_cam(&net, &input, None).unwrap();
    let expected = &model["gradcam"];
    assert_eq!(cam.class as u64, expected["class"].as_u64().unwrap(), "the predicted class");
    assert_close("channel weights", &cam.weights, &floats(&expected["weights"]), 1e-4);
    assert_close("coarse map", &cam.coarse, &floats(&expected["coarse"]), 1e-4);
    assert_eq!(cam.map.len(), 32 * 32);
    assert!(cam.map.iter().all(|v| (0.0..=1.0).contains(v)) && cam.map.contains(&1.0), "scaled to [0, 1]");
    let guided = cam.guided.expect("cifarnet is a plain chain: guided Grad-CAM");
    assert_eq!(guided.len(), 3 * 32 * 32);
}
