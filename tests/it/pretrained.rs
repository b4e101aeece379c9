//! Importing pretrained weights: the real EfficientNet-Lite0 ImageNet weights (skipped when
//! ../shared is absent) classify a cat photo as a cat; a torchvision-format AlexNet state dict
//! (tests/fixtures/make_torchvision_alexnet.py) loads with every key used and every value where
//! it belongs; a wrong file is reported tensor by tensor.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use cadet::core::models::imagenet::predict;
use cadet::core::models::pretrained::{LoadOptions, PretrainedError, load_weights};
use cadet::core::models::{ModelKind, Net};

use crate::require_shared_data;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

const FULL: LoadOptions = LoadOptions { keep_classifier: true, allow_partial: false };

#[test]
fn real_efficientnet_weights_load_completely_and_see_a_cat() {
    let data = require_shared_data!();
    let device = Device::flex();
    let photo = image::open(fixture("chelsea.png")).unwrap();
    for file in ["efficientnet-lite0-57934424.pth", "efficientnet-lite0.safetensors"] {
        let path = data.join("../weights").join(file);
        let mut net = ModelKind::EfficientnetLite0.build(1000, &device);
        let report = load_weights(&mut net, ModelKind::EfficientnetLite0, &path, FULL).unwrap();
        assert_eq!(report.applied.len(), 247, "{file}: every parameter and running statistic");
        assert!(
            report.missing.is_empty() && report.unused.is_empty() && report.mismatched.is_empty(),
            "{file}: {}",
            report.describe()
        );
        let top = predict(&net, &device, &photo, 3).unwrap();
        // ImageNet-1k 281 tabby, 282 tiger cat, 283 Persian, 284 Siamese, 285 Egyptian cat
        assert!((281..=285).contains(&top[0].index), "{file}: top-1 is {:?}", top[0]);
        assert!(top.iter().all(|p| (281..=287).contains(&p.index)), "{file}: {top:?}");
        assert!(top[0].probability > 0.3);
    }
}

/// The value of a parameter at a flat index.
fn value(t: Tensor<4>, index: [usize; 4]) -> f32 {
    let [_, b, c, d] = t.dims();
    let v: Vec<f32> = t.try_into_vec_as().unwrap();
    v[((index[0] * b + index[1]) * c + index[2]) * d + index[3]]
}

#[test]
fn a_torchvision_alexnet_state_dict_loads_with_every_key_used() {
    let device = Device::flex();
    let path = fixture("alexnet-torchvision-random.pth");
    let mut net = ModelKind::AlexnetH.build(1000, &device);
    let report = load_weights(&mut net, ModelKind::AlexnetH, &path, FULL).unwrap();
    assert_eq!(report.applied.len(), 16, "{}", report.describe());
    assert!(report.missing.is_empty() && report.unused.is_empty() && report.mismatched.is_empty());
    let Net::AlexNet(a) = &net else { panic!("an AlexNet") };
    // values printed by the fixture script's PyTorch: features.3.weight[5,1,2,3],
    // classifier.1.weight[17,100] (burn keeps linear weights as [in, out]), classifier.6.bias[999]
    assert_eq!(value(a.conv2.weight.val(), [5, 1, 2, 3]), 1.227_079_4);
    let fc6: Vec<f32> = a.fc6.weight.val().try_into_vec_as().unwrap();
    assert_eq!(fc6[100 * 4096 + 17], 0.603_633_2);
    let fc8b: Vec<f32> = a.fc8.bias.as_ref().unwrap().val().try_into_vec_as().unwrap();
    assert_eq!(fc8b[999], 1.886_278_4);
    // transfer learning to two classes: the backbone loads, the 1000-class head is replaced
    let mut tl = ModelKind::AlexnetH.build(2, &device);
    let report = load_weights(&mut tl, ModelKind::AlexnetH, &path, LoadOptions::default()).unwrap();
    assert_eq!(report.applied.len(), 14);
    assert_eq!(report.reinitialised.len(), 2, "{}", report.describe());
    assert!(report.is_complete());
}

#[test]
fn a_wrong_file_is_reported_tensor_by_tensor() {
    let device = Device::flex();
    let path = fixture("alexnet-torchvision-random.pth");
    let mut vgg = ModelKind::Vgg16.build(2, &device);
    let err = load_weights(&mut vgg, ModelKind::Vgg16, &path, LoadOptions::default()).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, PretrainedError::Mismatch { .. }), "{text}");
    assert!(text.contains("alexnet-torchvision-random.pth") && text.contains("vgg16"), "{text}");
    assert!(text.contains("missing") && text.contains("convs.12.weight"), "{text}");
    let partial =
        load_weights(&mut vgg, ModelKind::Vgg16, &path, LoadOptions { allow_partial: true, ..LoadOptions::default() })
            .unwrap();
    assert!(!partial.missing.is_empty() && !partial.is_complete());
    let bad = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    assert!(matches!(
        load_weights(&mut vgg, ModelKind::Vgg16, &bad, LoadOptions::default()),
        Err(PretrainedError::Format { .. })
    ));
}

#[test]
fn a_refused_load_leaves_the_network_as_it_was_and_partial_loads_what_fits() {
    // torchvision AlexNet weights for the paper's reduced alexnet-l: the convolutions have the
    // same shapes, fc6 does not (256·4·4 inputs instead of 256·6·6)
    let device = Device::flex();
    let path = fixture("alexnet-torchvision-random.pth");
    let mut net = ModelKind::AlexnetL.build(2, &device);
    let Net::AlexNet(initial) = &net else { panic!("an AlexNet") };
    let conv1: Vec<f32> = initial.conv1.weight.val().try_into_vec_as().unwrap();
    let fc6: Vec<f32> = initial.fc6.weight.val().try_into_vec_as().unwrap();
    let err = load_weights(&mut net, ModelKind::AlexnetL, &path, LoadOptions::default()).unwrap_err();
    assert!(matches!(err, PretrainedError::Mismatch { .. }), "{err}");
    assert!(err.to_string().contains("fc6.weight"), "the tensor that does not fit is named: {err}");
    assert!(err.to_string().contains("--partial-weights"), "the way forward is named: {err}");
    let Net::AlexNet(after) = &net else { panic!("an AlexNet") };
    let unchanged: Vec<f32> = after.conv1.weight.val().try_into_vec_as().unwrap();
    assert_eq!(unchanged, conv1, "refused means untouched: conv1 keeps its initial weights");

    let partial = LoadOptions { allow_partial: true, ..LoadOptions::default() };
    let report = load_weights(&mut net, ModelKind::AlexnetL, &path, partial).unwrap();
    assert!(report.applied.iter().any(|p| p == "conv2.weight"), "{}", report.describe());
    assert!(report.mismatched.iter().any(|m| m.contains("fc6")), "{}", report.describe());
    let Net::AlexNet(loaded) = &net else { panic!("an AlexNet") };
    // the fixture's features.3.weight[5,1,2,3], as in the full AlexNet test
    assert_eq!(value(loaded.conv2.weight.val(), [5, 1, 2, 3]), 1.227_079_4);
    let kept: Vec<f32> = loaded.fc6.weight.val().try_into_vec_as().unwrap();
    assert_eq!(kept, fc6, "a mis-shaped tensor keeps its initialisation");
}
