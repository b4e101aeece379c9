//! Choosing where to train: burn-wgpu on a real GPU, or burn's flex backend on the CPU. A
//! software Vulkan adapter (llvmpipe/lavapipe) counts as no GPU: flex is ten times faster there.

use std::sync::OnceLock;

use burn::prelude::*;
use burn::tensor::wgpu::wgpu;

use super::config::DeviceChoice;

/// Why there is no GPU to train on.
#[derive(Clone, Debug, thiserror::Error)]
pub enum NoGpu {
    #[error("only a software adapter was found ({0})")]
    SoftwareAdapter(String),
    #[error("no GPU adapter: {0}")]
    NoAdapter(String),
}

/// A device choice that cannot be honoured.
#[derive(Clone, Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("--device gpu: {0}")]
    NoGpu(#[from] NoGpu),
}

/// The wgpu runtime can be initialised once per process: remember the outcome.
static GPU: OnceLock<Result<(Device, String), NoGpu>> = OnceLock::new();

fn probe_gpu() -> Result<(Device, String), NoGpu> {
    GPU.get_or_init(|| match Device::wgpu_options().init_with_setup() {
        Ok((device, setup)) => {
            let info = setup.adapter.get_info();
            if info.device_type == wgpu::DeviceType::Cpu {
                Err(NoGpu::SoftwareAdapter(info.name))
            } else {
                Ok((device, format!("GPU: {} ({:?})", info.name, info.backend)))
            }
        }
        Err(e) => Err(NoGpu::NoAdapter(e.to_string())),
    })
    .clone()
}

/// A training device (with autodiff) and a description for the user.
pub struct TrainDevice {
    pub device: Device,
    pub description: String,
}

/// Resolves the choice; `Auto` falls back to the CPU with a note saying why.
pub fn select_device(choice: DeviceChoice) -> Result<TrainDevice, DeviceError> {
    let cpu = || TrainDevice { device: Device::flex().autodiff(), description: "CPU (burn flex)".into() };
    match choice {
        DeviceChoice::Cpu => Ok(cpu()),
        DeviceChoice::Gpu => probe_gpu()
            .map(|(d, description)| TrainDevice { device: d.autodiff(), description })
            .map_err(DeviceError::from),
        DeviceChoice::Auto => Ok(match probe_gpu() {
            Ok((d, description)) => TrainDevice { device: d.autodiff(), description },
            Err(why) => {
                let mut t = cpu();
                t.description = format!("CPU (burn flex; {why})");
                t
            }
        }),
    }
}
