//! The model zoo and the training engine on tiny CPU runs.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::sync_channel;

use burn::prelude::*;
use cadet::core::dataset::Prior;
use cadet::core::models::{ModelKind, count_trainable, list_params};
use cadet::core::seed::with_backend_rng;
use cadet::core::train::{
    DeviceChoice, Regime, RunDir, Sgd, SgdConfig, Start, TrainConfig, TrainControl, TrainEvent, build_model,
    lr_multiplier, spawn, train_blocking,
};

fn sample_study() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/synthetic")
}

/// A small, fast cifarnet configuration on the bundled sample study.
fn tiny_config(runs: &Path, name: &str) -> TrainConfig {
    let mut c = TrainConfig::paper_defaults(&sample_study(), ModelKind::Cifarnet);
    c.name = name.into();
    c.runs_dir = runs.to_path_buf();
    c.epochs = 3;
    c.batch = 32;
    c.views_per_candidate = 3;
    c.val_views = 2;
    c.device = DeviceChoice::Cpu;
    c.patience = None;
    c
}

#[test]
fn parameter_counts_match_torchvision() {
    let device = Device::flex();
    let params = |k: ModelKind| count_trainable(&k.build(1000, &device));
    assert_eq!(params(ModelKind::AlexnetH), 61_100_840);
    assert_eq!(params(ModelKind::Vgg16), 138_357_544);
    assert_eq!(params(ModelKind::GooglenetH), 6_624_904);
    // cifar10_quick for two classes: 2432 + 25632 + 51264 + 65600 + 130
    assert_eq!(count_trainable(&ModelKind::Cifarnet.build(2, &device)), 145_058);
    // batch-norm running statistics are buffers, not parameters
    let goog = list_params(&ModelKind::GooglenetH.build(1000, &device));
    assert!(goog.iter().any(|p| p.is_buffer && p.path == "conv1.bn.running_mean"));
    assert!(goog.iter().any(|p| p.path == "inception3.0.branch2.1.conv.weight" && p.shape == vec![128, 96, 3, 3]));
}

#[test]
fn multiply_adds_match_published_figures() {
    // AlexNet ≈ 0.72 G at 227 px (0.71 G at 224), VGG-16 15.47 G, GoogLeNet 1.50 G
    let gmacs = |k: ModelKind| k.trace(1000).macs as f64 / 1e9;
    assert!((gmacs(ModelKind::Vgg16) - 15.47).abs() < 0.01);
    assert!((gmacs(ModelKind::GooglenetH) - 1.50).abs() < 0.01);
    assert!((gmacs(ModelKind::AlexnetH) - 0.717).abs() < 0.005);
}

#[test]
fn every_model_gives_logits_for_its_input_size() {
    let device = Device::flex();
    for &kind in ModelKind::ALL {
        let net = kind.build_seeded(3, &device, 1);
        let s = kind.input_size();
        let x = Tensor::<4>::zeros([1, 3, s, s], &device);
        assert_eq!(net.forward(x).dims(), [1, 3], "{kind}");
    }
}

#[test]
fn a_cifarnet_epoch_lowers_the_loss_and_reports_every_event() {
    let runs = tempfile::tempdir().unwrap();
    let mut c = tiny_config(runs.path(), "loss");
    c.epochs = 2;
    c.views_per_candidate = 12;
    c.prior = Prior::Equal;
    let mut events = Vec::new();
    let dir = train_blocking(Start::New(Box::new(c)), &mut |e| events.push(e.clone())).unwrap();
    assert!(matches!(events.first(), Some(TrainEvent::Started { .. })), "{:?}", events.first());
    assert!(matches!(events.last(), Some(TrainEvent::Finished(_))), "{:?}", events.last());
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| match e {
            TrainEvent::Started { .. } => "started",
            TrainEvent::Iteration(_) => "iteration",
            TrainEvent::Epoch(_) => "epoch",
            TrainEvent::Checkpoint { .. } => "checkpoint",
            TrainEvent::Finished(_) => "finished",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "epoch").count(), 2);
    assert!(kinds.iter().filter(|k| **k == "checkpoint").count() >= 2, "last (and best) each epoch");
    let losses: Vec<f64> =
        events.iter().filter_map(|e| if let TrainEvent::Iteration(m) = e { Some(m.loss) } else { None }).collect();
    let n = losses.len();
    assert!(n >= 20, "{n} iterations");
    let first: f64 = losses[..8].iter().sum::<f64>() / 8.0;
    let last: f64 = losses[n - 8..].iter().sum::<f64>() / 8.0;
    assert!(last < first, "the loss goes down: first {first:.3}, last {last:.3}");
    let run = RunDir::open(&dir).unwrap();
    assert_eq!(run.epoch_metrics().unwrap().len(), 2);
    for f in [
        "config.toml",
        "split.json",
        "summary.json",
        "train.log",
        "checkpoints/last/model.bpk",
        "checkpoints/best/sgd.safetensors",
    ] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    assert_eq!(run.read_config().unwrap().epochs, 2);
}

#[test]
fn stop_and_resume_reproduce_an_uninterrupted_run() {
    let runs = tempfile::tempdir().unwrap();
    let whole = train_blocking(Start::New(Box::new(tiny_config(runs.path(), "whole"))), &mut |_| {}).unwrap();
    let (sender, receiver) = sync_channel(256);
    let handle = spawn(Start::New(Box::new(tiny_config(runs.path(), "parts"))), sender, Arc::new(|| {})).unwrap();
    let parts = handle.run_dir.clone();
    let mut stopped = false;
    for event in receiver.iter() {
        if let TrainEvent::Checkpoint { epoch: 0, .. } = event
            && !stopped
        {
            handle.send(TrainControl::Stop);
            stopped = true;
        }
        if let TrainEvent::Finished(s) = &event {
            assert!(s.stopped_by_user);
            assert_eq!(s.epochs_completed, 1);
        }
    }
    handle.join();
    assert_eq!(RunDir::open(&parts).unwrap().epoch_metrics().unwrap().len(), 1);
    train_blocking(Start::Resume(parts.clone()), &mut |_| {}).unwrap();
    let a = RunDir::open(&whole).unwrap().epoch_metrics().unwrap();
    let b = RunDir::open(&parts).unwrap().epoch_metrics().unwrap();
    assert_eq!(a.len(), 3);
    assert_eq!(b.len(), 3);
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.epoch, y.epoch);
        assert!((x.train_loss - y.train_loss).abs() < 1e-5, "epoch {}: {} vs {}", x.epoch, x.train_loss, y.train_loss);
        assert!((x.val_loss - y.val_loss).abs() < 1e-5, "epoch {}: {} vs {}", x.epoch, x.val_loss, y.val_loss);
        assert_eq!(x.val_accuracy, y.val_accuracy);
    }
}

#[test]
fn a_run_does_not_depend_on_random_draws_of_other_threads() {
    let runs = tempfile::tempdir().unwrap();
    let mut config = tiny_config(runs.path(), "alone");
    config.epochs = 1;
    let alone = train_blocking(Start::New(Box::new(config.clone())), &mut |_| {}).unwrap();
    // another thread keeps drawing from burn's process-wide generator while the run trains
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let noise = {
        let done = done.clone();
        std::thread::spawn(move || {
            let device = burn::tensor::Device::flex();
            let mut builds = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                drop(ModelKind::Cifarnet.build_seeded(2, &device, builds));
                builds += 1;
            }
            builds
        })
    };
    config.name = "busy".into();
    let busy = train_blocking(Start::New(Box::new(config)), &mut |_| {}).unwrap();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(noise.join().unwrap() > 0, "the other thread drew while the run trained");
    let a = RunDir::open(&alone).unwrap().epoch_metrics().unwrap();
    let b = RunDir::open(&busy).unwrap().epoch_metrics().unwrap();
    assert_eq!(a.len(), 1);
    assert_eq!(b.len(), 1);
    assert_eq!((a[0].train_loss, a[0].val_loss), (b[0].train_loss, b[0].val_loss));
}

#[test]
fn a_second_run_with_the_same_name_gets_a_new_directory() {
    let runs = tempfile::tempdir().unwrap();
    let mut c = tiny_config(runs.path(), "same");
    c.epochs = 1;
    c.views_per_candidate = 1;
    let a = train_blocking(Start::New(Box::new(c.clone())), &mut |_| {}).unwrap();
    let b = train_blocking(Start::New(Box::new(c)), &mut |_| {}).unwrap();
    assert_eq!(a.file_name().unwrap(), "same");
    assert_eq!(b.file_name().unwrap(), "same-2");
}

/// Flattened values of every parameter, by path.
fn weights(net: &cadet::core::models::Net) -> Vec<(String, Vec<f32>)> {
    struct Collect(Vec<String>, Vec<(String, Vec<f32>)>);
    impl burn::module::ModuleVisitor for Collect {
        fn enter_module(&mut self, name: &str, container: &str) {
            if !container.starts_with("Enum:") {
                self.0.push(name.into());
            }
        }
        fn exit_module(&mut self, _: &str, container: &str) {
            if !container.starts_with("Enum:") {
                self.0.pop();
            }
        }
        fn visit_float<const D: usize>(&mut self, p: &burn::module::Param<Tensor<D>>) {
            self.1.push((self.0.join("."), p.val().try_into_vec_as::<f32>().unwrap()));
        }
    }
    let mut c = Collect(Vec::new(), Vec::new());
    burn::module::Module::visit(net, &mut c);
    c.1
}

#[test]
fn regimes_freeze_exactly_the_layers_they_should() {
    let dir = tempfile::tempdir().unwrap();
    let device = Device::flex().autodiff();
    // "pretrained" weights: a cifarnet with its own seed, saved as a checkpoint
    let mut source = tiny_config(dir.path(), "source");
    source.seed = 99;
    let pretrained = build_model(&source, &device, &mut |_| {}).unwrap();
    let file = dir.path().join("pretrained.bpk");
    burn::module::Module::save_file(pretrained.clone(), &file).unwrap();
    let pretrained_weights = weights(&pretrained);

    for regime in [Regime::Ri, Regime::Tl, Regime::Imnet] {
        let mut c = tiny_config(dir.path(), regime.name());
        c.regime = regime;
        c.weights = (regime != Regime::Ri).then(|| file.clone());
        let net = build_model(&c, &device, &mut |_| {}).unwrap();
        let before = weights(&net);
        // biases start at zero either way: compare the weights
        for ((path, w), (_, p)) in
            before.iter().zip(&pretrained_weights).filter(|((path, _), _)| path.ends_with("weight"))
        {
            let loaded = w == p;
            let expect_loaded = regime != Regime::Ri && !path.starts_with("fc5");
            assert_eq!(loaded, expect_loaded, "{regime:?} {path}");
        }
        // one SGD step on a batch of noise
        // the noise and the dropout masks are drawn with the backend generator to this test
        let logits = with_backend_rng(&device, 1, || {
            net.forward(Tensor::<4>::random([4, 3, 32, 32], burn::tensor::Distribution::Normal(0.0, 1.0), &device))
        });
        let y = Tensor::<1, Int>::from_data(TensorData::new(vec![0i64, 1, 0, 1], [4]), &device);
        let loss = burn::nn::loss::CrossEntropyLossConfig::new().init(&device).forward(logits, y);
        let grads = burn::optim::GradientsParams::from_grads(loss.backward(), &net);
        let mut sgd = Sgd::new(SgdConfig { momentum: 0.9, weight_decay: 0.0005 });
        let stepped = sgd.step(net, &|p| 0.1 * lr_multiplier(regime, ModelKind::Cifarnet, p), grads);
        for ((path, a), (_, b)) in before.iter().zip(weights(&stepped)) {
            let changed = *a != b;
            let expect_change = regime != Regime::Imnet || path.starts_with("fc5");
            assert_eq!(changed, expect_change, "{regime:?} {path}");
        }
    }
    assert_eq!(lr_multiplier(Regime::Tl, ModelKind::AlexnetL, "conv3.weight"), 0.1);
    assert_eq!(lr_multiplier(Regime::Tl, ModelKind::AlexnetL, "fc8.bias"), 1.0);
    assert_eq!(lr_multiplier(Regime::Imnet, ModelKind::GooglenetL, "inception4.2.branch1.conv.weight"), 0.0);
}
