//! burn-wgpu's compiled and autotuned kernels: where cubecl keeps them (the user's cache folder,
//! one database per adapter) and whether this adapter's are there yet, so the workbench can say
//! "tuning kernels" while a first run on a GPU spends minutes benchmarking kernel variants.
//!
//! cubecl writes that database only when burn is built with its `persistence` feature, which
//! pulls an embedded database engine (turso, about 390,000 lines) into the build. cadet's
//! `kernel-cache` feature turns it on; without it the tuning results live in memory and every
//! run on a GPU starts cold, which [`KernelCache::persisted`] says.

use std::path::PathBuf;
use std::sync::Once;

use cubecl_environment::config::RuntimeConfig;
use cubecl_environment::persistence::CacheConfig;
use cubecl_runtime::config::CubeClRuntimeConfig;

/// The folder holding the kernel databases: `<user cache>/cadet/kernels`.
pub fn kernel_cache_root() -> PathBuf {
    dirs::cache_dir().unwrap_or_else(std::env::temp_dir).join("cadet").join("kernels")
}

/// Installs cubecl's configuration before the first wgpu device exists, with its environments
/// under [`kernel_cache_root`]. A `cubecl.toml` found from the working directory and the
/// `CUBECL_*` variables (`CUBECL_AUTOTUNE_LEVEL=minimal`, say) still apply. Later calls, and
/// calls after cubecl loaded its configuration itself, change nothing.
pub fn configure_kernels() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let mut config = CubeClRuntimeConfig::from_current_dir().override_from_env();
        config.environment.path = CacheConfig::Directory(kernel_cache_root());
        if !CubeClRuntimeConfig::try_set(config) {
            log::debug!("cubecl's configuration was loaded before cadet's; its kernel cache stays where it is");
        }
    });
}

/// The kernel database of one adapter.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KernelCache {
    pub path: PathBuf,
    /// Whether tuning results are written to `path` at all (this build's `kernel-cache` feature).
    pub persisted: bool,
    /// Whether this adapter's kernels must be tuned in this run: no database yet, or none kept.
    pub cold: bool,
}

/// Makes `adapter`'s own database the active one (cubecl then reads and writes tuning results
/// there) and says whether it was cold.
pub fn use_adapter_cache(adapter: &str) -> KernelCache {
    configure_kernels();
    let name: String = adapter.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    cubecl_environment::environment::activate(&name);
    let path = cubecl_environment::environment::path();
    let persisted = cfg!(feature = "kernel-cache");
    let cold = !(persisted && path.is_file());
    KernelCache { path, persisted, cold }
}
