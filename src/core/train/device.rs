//! Choosing where to train: burn-wgpu on a GPU, or burn's flex backend on the CPU. `Auto` takes
//! only a hardware adapter (on a software Vulkan adapter, llvmpipe/lavapipe, flex is ten times
//! faster); `Gpu` takes whatever adapter wgpu offers and says when it is a software one. When the
//! workbench draws with wgpu, [`share_wgpu`] hands its device to burn, so training and the
//! Visualisation tab run on the device that draws the UI.

use std::sync::{Mutex, OnceLock, PoisonError};

use burn::prelude::*;
use burn::tensor::FloatDType;
use burn::tensor::wgpu::{WgpuSetup, wgpu};

use super::config::DeviceChoice;
use super::kernels::{KernelCache, configure_kernels, use_adapter_cache};

/// The process's wgpu device: burn's wgpu runtime is initialised once per process.
#[derive(Clone, Debug)]
pub struct GpuInfo {
    pub device: Device,
    pub name: String,
    pub backend: String,
    /// A CPU rasteriser posing as a GPU (Mesa's llvmpipe/lavapipe).
    pub software: bool,
    /// Registered from the workbench's own wgpu device.
    pub shared_with_ui: bool,
    pub kernels: KernelCache,
}

static GPU: OnceLock<Result<GpuInfo, String>> = OnceLock::new();

fn describe(adapter: &wgpu::Adapter, device: Device, shared_with_ui: bool) -> GpuInfo {
    let info = adapter.get_info();
    GpuInfo {
        device,
        kernels: use_adapter_cache(&format!("{}-{:?}", info.name, info.backend)),
        name: info.name,
        backend: format!("{:?}", info.backend),
        software: info.device_type == wgpu::DeviceType::Cpu,
        shared_with_ui,
    }
}

/// The workbench's wgpu handles, waiting for the first use of the GPU.
static SHARED: Mutex<Option<WgpuSetup>> = Mutex::new(None);

/// The wgpu device, initialised on first use: the workbench's when it shared one (see
/// [`share_wgpu`]), else burn's own.
pub fn gpu() -> Result<GpuInfo, String> {
    GPU.get_or_init(|| {
        configure_kernels();
        let shared = SHARED.lock().unwrap_or_else(PoisonError::into_inner).take();
        match shared {
            Some(setup) => {
                let adapter = setup.adapter.clone();
                Device::wgpu_options()
                    .setup(setup)
                    .init()
                    .map(|device| describe(&adapter, device, true))
                    .map_err(|e| format!("the workbench's GPU device could not be shared: {e}"))
            }
            None => match Device::wgpu_options().init_with_setup() {
                Ok((device, setup)) => Ok(describe(&setup.adapter, device, false)),
                Err(e) => Err(format!("no GPU adapter: {e}")),
            },
        }
    })
    .clone()
}

/// Offers the workbench's wgpu device and queue to burn: the first use of the GPU (a training
/// run, the Visualisation tab) registers them instead of opening a second device. The device
/// must have been created with the adapter's features and limits (`gui::device_descriptor`).
/// Nothing happens when burn's GPU is in use already.
pub fn share_wgpu(setup: WgpuSetup) {
    if GPU.get().is_none() {
        *SHARED.lock().unwrap_or_else(PoisonError::into_inner) = Some(setup);
    }
}

/// Floating-point precision of training. `F16` needs a GPU whose wgpu device supports it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Precision {
    #[default]
    F32,
    F16,
}

impl std::str::FromStr for Precision {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "f32" => Ok(Precision::F32),
            "f16" => Ok(Precision::F16),
            other => Err(format!("unknown precision {other:?} (f32 or f16)")),
        }
    }
}

impl std::fmt::Display for Precision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Precision::F32 => "f32",
            Precision::F16 => "f16",
        })
    }
}

/// A training device (with autodiff) and a description for the user.
pub struct TrainDevice {
    pub device: Device,
    pub description: String,
    /// The wgpu device behind it, when training runs on wgpu.
    pub gpu: Option<GpuInfo>,
}

impl TrainDevice {
    fn cpu(note: Option<&str>) -> Self {
        let description = match note {
            Some(why) => format!("CPU (burn flex; {why})"),
            None => "CPU (burn flex)".into(),
        };
        TrainDevice { device: Device::flex().autodiff(), description, gpu: None }
    }

    fn wgpu(gpu: GpuInfo) -> Self {
        let mut description = format!("GPU: {} ({})", gpu.name, gpu.backend);
        if gpu.software {
            description += ", a software adapter";
        }
        if gpu.shared_with_ui {
            description += ", shared with the workbench";
        }
        TrainDevice { device: gpu.device.clone().autodiff(), description, gpu: Some(gpu) }
    }

    /// Whether this run must tune its GPU kernels first (no tuning results kept for the adapter).
    pub fn tuning_kernels(&self) -> bool {
        self.gpu.as_ref().is_some_and(|g| g.kernels.cold)
    }
}

/// A device choice that cannot be honoured.
#[derive(Clone, Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("--device gpu: {0}")]
    NoGpu(String),
    #[error("f16 training needs the GPU (burn's CPU backend trains in f32)")]
    F16OnCpu,
    #[error("{0} does not support f16 arithmetic")]
    NoF16(String),
    #[error("cannot switch the GPU to f16: {0}")]
    F16Switch(String),
}

/// Resolves the choice; `Auto` falls back to the CPU with a note saying why.
pub fn select_device(choice: DeviceChoice) -> Result<TrainDevice, DeviceError> {
    match choice {
        DeviceChoice::Cpu => Ok(TrainDevice::cpu(None)),
        DeviceChoice::Gpu => gpu().map(TrainDevice::wgpu).map_err(DeviceError::NoGpu),
        DeviceChoice::Auto => Ok(match gpu() {
            Ok(g) if !g.software => TrainDevice::wgpu(g),
            Ok(g) => TrainDevice::cpu(Some(&format!("only a software adapter was found ({})", g.name))),
            Err(why) => TrainDevice::cpu(Some(&why)),
        }),
    }
}

/// [`select_device`] at a precision: `F16` switches the wgpu device's default float type, so it
/// must come before any tensor is made there (a process that trains in f16 does only that).
pub fn select_device_at(choice: DeviceChoice, precision: Precision) -> Result<TrainDevice, DeviceError> {
    let mut device = select_device(choice)?;
    if precision == Precision::F16 {
        if device.gpu.is_none() {
            return Err(DeviceError::F16OnCpu);
        }
        if !device.device.supports_dtype(FloatDType::F16) {
            return Err(DeviceError::NoF16(device.description));
        }
        let mut plain = device.device.clone().without_autodiff();
        plain.configure(FloatDType::F16).map_err(|e| DeviceError::F16Switch(format!("{e:?}")))?;
        device.description += ", f16";
    }
    Ok(device)
}

/// The device for inference (no autodiff): the hardware GPU when one is in use or shared by the
/// workbench, else the CPU. Never opens a GPU of its own: that is training's choice.
pub fn inference_device() -> Device {
    let shared = SHARED.lock().unwrap_or_else(PoisonError::into_inner).is_some();
    let gpu = match GPU.get() {
        Some(known) => Some(known.clone()),
        None if shared => Some(gpu()),
        None => None,
    };
    match gpu {
        Some(Ok(g)) if !g.software => g.device,
        _ => Device::flex(),
    }
}
