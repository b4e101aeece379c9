//! The model zoo of the paper: CifarNet, AlexNet (H and L), GoogLeNet (H and L), VGG-16 and
//! OverFeat, and EfficientNet-Lite0 (whose real ImageNet weights are at hand), for any number of
//! classes, as burn modules.

mod alexnet;
mod blocks;
mod chain;
mod cifarnet;
pub mod conv;
mod efficientnet;
mod googlenet;
pub mod imagenet;
mod overfeat;
mod params;
pub mod pretrained;
mod vgg;

use crate::core::choice::named_choice;
use crate::core::seed::with_backend_rng;
use burn::prelude::*;
use serde::{Deserialize, Serialize};

pub use alexnet::{AlexNet, AlexVariant};
pub use blocks::ShapeTrace;
pub use chain::Stage;
pub use cifarnet::CifarNet;
pub use efficientnet::{EfficientNetLite0, MbConv};
pub use googlenet::{GoogLeNet, GoogVariant, Inception};
pub use overfeat::OverFeat;
pub use params::{ParamInfo, ParamPath, count_trainable, list_params};
pub use vgg::Vgg16;

/// Which network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    Cifarnet,
    AlexnetH,
    AlexnetL,
    GooglenetH,
    GooglenetL,
    Vgg16,
    Overfeat,
    EfficientnetLite0,
}

named_choice!(ModelKind, "model", {
    Cifarnet => "cifarnet",
    AlexnetH => "alexnet-h",
    AlexnetL => "alexnet-l",
    GooglenetH => "googlenet-h",
    GooglenetL => "googlenet-l",
    Vgg16 => "vgg16",
    Overfeat => "overfeat",
    EfficientnetLite0 => "efficientnet-lite0",
});

impl ModelKind {
    /// The square input the network consumes (pixels).
    pub fn input_size(self) -> usize {
        match self {
            ModelKind::Cifarnet => CifarNet::INPUT,
            ModelKind::AlexnetH => 227,
            ModelKind::AlexnetL | ModelKind::GooglenetL => 64,
            ModelKind::GooglenetH | ModelKind::Vgg16 | ModelKind::EfficientnetLite0 => 224,
            ModelKind::Overfeat => OverFeat::INPUT,
        }
    }

    /// The size views are brought to before cropping to [`Self::input_size`]: the "H" models
    /// take 256 px images and crop, the others use the view as it is.
    pub fn view_size(self) -> usize {
        match self {
            ModelKind::AlexnetH
            | ModelKind::GooglenetH
            | ModelKind::Vgg16
            | ModelKind::Overfeat
            | ModelKind::EfficientnetLite0 => 256,
            other => other.input_size(),
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            ModelKind::Cifarnet => "three 5×5 convolutions (32, 32, 64), fc 64 (Caffe cifar10_quick)",
            ModelKind::AlexnetH => "AlexNet as torchvision (227 crop of 256)",
            ModelKind::AlexnetL => "AlexNet with first stride 2 for 64 px views",
            ModelKind::GooglenetH => "GoogLeNet/Inception v1 as torchvision (224 crop of 256)",
            ModelKind::GooglenetL => "GoogLeNet with a 32-filter 5×5 stride-1 stem for 64 px views",
            ModelKind::Vgg16 => "VGG-16 as torchvision (224 crop of 256)",
            ModelKind::Overfeat => "OverFeat fast (231 crop of 256)",
            ModelKind::EfficientnetLite0 => "EfficientNet-Lite0 (224 crop of 256; real ImageNet weights load)",
        }
    }

    /// A network to load weights into: burn initialises parameters lazily, at first use, so
    /// the tensors a checkpoint or weight file replaces are never drawn. A network used with
    /// (some of) its initial weights is built with [`Self::build_seeded`].
    pub fn build(self, classes: usize, device: &Device) -> Net {
        self.build_lazy(classes, device)
    }

    /// A network whose initial weights are drawn now, from `seed` only, with the backend's
    /// generator to itself (see [`with_backend_rng`]).
    pub fn build_seeded(self, classes: usize, device: &Device, seed: u64) -> Net {
        with_backend_rng(device, seed, || {
            let net = self.build_lazy(classes, device);
            net.visit(&mut params::Materialize);
            net
        })
    }

    fn build_lazy(self, classes: usize, device: &Device) -> Net {
        match self {
            ModelKind::Cifarnet => Net::CifarNet(CifarNet::new(classes, device)),
            ModelKind::AlexnetH => Net::AlexNet(AlexNet::new(AlexVariant::High, classes, device)),
            ModelKind::AlexnetL => Net::AlexNet(AlexNet::new(AlexVariant::Low, classes, device)),
            ModelKind::GooglenetH => Net::GoogLeNet(GoogLeNet::new(GoogVariant::High, classes, device)),
            ModelKind::GooglenetL => Net::GoogLeNet(GoogLeNet::new(GoogVariant::Low, classes, device)),
            ModelKind::Vgg16 => Net::Vgg16(Vgg16::new(classes, device)),
            ModelKind::Overfeat => Net::OverFeat(OverFeat::new(classes, device)),
            ModelKind::EfficientnetLite0 => Net::EfficientNet(EfficientNetLite0::new(classes, device)),
        }
    }

    /// Shapes and multiply-adds at the model's input size, read from the network's own layers
    /// (built lazily: no weight is drawn).
    pub fn trace(self, classes: usize) -> ShapeTrace {
        self.build(classes, &Device::flex()).trace(self.input_size())
    }

    /// Path prefix of the classifier layer that transfer learning re-initialises.
    pub fn classifier_prefix(self) -> &'static str {
        match self {
            ModelKind::Cifarnet => "fc5.",
            ModelKind::AlexnetH | ModelKind::AlexnetL | ModelKind::Vgg16 | ModelKind::Overfeat => "fc8.",
            ModelKind::GooglenetH | ModelKind::GooglenetL | ModelKind::EfficientnetLite0 => "fc.",
        }
    }
}

/// Any network of the zoo. (One exists per run; boxing the variants would only add noise.)
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum Net {
    CifarNet(CifarNet),
    AlexNet(AlexNet),
    GoogLeNet(GoogLeNet),
    Vgg16(Vgg16),
    OverFeat(OverFeat),
    EfficientNet(EfficientNetLite0),
}

impl Net {
    /// Class logits for a batch `[batch, 3, size, size]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        self.classify(self.features(x))
    }

    /// The activations of the last pooling layer (pool-5 for AlexNet).
    pub fn features(&self, x: Tensor<4>) -> Tensor<4> {
        match self {
            Net::CifarNet(m) => m.features(x),
            Net::AlexNet(m) => m.features(x),
            Net::GoogLeNet(m) => m.features(x),
            Net::Vgg16(m) => m.features(x),
            Net::OverFeat(m) => m.features(x),
            Net::EfficientNet(m) => m.features(x),
        }
    }

    /// The feature layers of the plain chains (every network but GoogLeNet and EfficientNet,
    /// whose branches merge), in order: what the deconvnet reverses.
    pub fn stages(&self) -> Option<Vec<Stage<'_>>> {
        match self {
            Net::CifarNet(m) => Some(m.stages()),
            Net::AlexNet(m) => Some(m.stages()),
            Net::Vgg16(m) => Some(m.stages()),
            Net::OverFeat(m) => Some(m.stages()),
            Net::GoogLeNet(_) | Net::EfficientNet(_) => None,
        }
    }

    /// Shapes and multiply-adds for `size`×`size` inputs.
    pub fn trace(&self, size: usize) -> ShapeTrace {
        match self {
            Net::CifarNet(m) => m.trace(size),
            Net::AlexNet(m) => m.trace(size),
            Net::GoogLeNet(m) => m.trace(size),
            Net::Vgg16(m) => m.trace(size),
            Net::OverFeat(m) => m.trace(size),
            Net::EfficientNet(m) => m.trace(size),
        }
    }

    pub fn classify(&self, features: Tensor<4>) -> Tensor<2> {
        match self {
            Net::CifarNet(m) => m.classify(features),
            Net::AlexNet(m) => m.classify(features),
            Net::GoogLeNet(m) => m.classify(features),
            Net::Vgg16(m) => m.classify(features),
            Net::OverFeat(m) => m.classify(features),
            Net::EfficientNet(m) => m.classify(features),
        }
    }

    /// The first convolution's weights, `[filters, 3, k, k]`.
    pub fn first_conv_weight(&self) -> Tensor<4> {
        match self {
            Net::CifarNet(m) => m.conv1.weight.val(),
            Net::AlexNet(m) => m.conv1.weight.val(),
            Net::GoogLeNet(m) => m.conv1.conv.weight.val(),
            Net::Vgg16(m) => m.convs[0].weight.val(),
            Net::OverFeat(m) => m.conv1.weight.val(),
            Net::EfficientNet(m) => m.stem.weight.val(),
        }
    }
}
