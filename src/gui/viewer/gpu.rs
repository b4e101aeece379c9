//! The GPU slice path: the volume goes to the GPU once as a 3-D R16Float texture, and each of
//! the three views is an egui-wgpu paint callback whose uniforms (slice position, orientation,
//! window) change per frame. The shader is `shaders/slice.wgsl`.

use eframe::egui_wgpu::{self, CallbackResources, CallbackTrait, RenderState, ScreenDescriptor};
use eframe::{egui, wgpu};
use glam::DVec3;
use wgpu::util::DeviceExt as _;

use crate::core::sampling::SliceGeometry;
use crate::core::volume::Volume;
use crate::core::window::Window;

/// Uniforms of one view, matching `SliceUniforms` in the shader.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct SliceUniforms {
    pub origin: [f32; 4],
    pub along_u: [f32; 4],
    pub along_v: [f32; 4],
    pub window: [f32; 4],
}

impl SliceUniforms {
    /// Texture coordinates of the quad's corners for slice `slice` of a view.
    pub fn new(geom: &SliceGeometry, dims: [usize; 3], slice: f64, window: Window) -> Self {
        let dims = DVec3::new(dims[0] as f64, dims[1] as f64, dims[2] as f64);
        let (w, h) = (geom.width as f64, geom.height as f64);
        // voxel = v(col, row) is affine; texture coordinate = (voxel + 0.5) / dims; col = uv.x·w − 0.5
        let v00 = geom.voxel_of(-0.5, -0.5, slice);
        let v10 = geom.voxel_of(w - 0.5, -0.5, slice);
        let v01 = geom.voxel_of(-0.5, h - 0.5, slice);
        let t = |v: DVec3| (v + DVec3::splat(0.5)) / dims;
        let (t00, t10, t01) = (t(v00), t(v10), t(v01));
        let four = |v: DVec3| [v.x as f32, v.y as f32, v.z as f32, 0.0];
        Self {
            origin: four(t00),
            along_u: four(t10 - t00),
            along_v: four(t01 - t00),
            window: [window.lower_hu, window.upper_hu, 0.0, 0.0],
        }
    }
}

/// GPU objects shared by the three views.
struct SliceResources {
    pipeline: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
    sampler: wgpu::Sampler,
    uniforms: [wgpu::Buffer; 3],
    bind_groups: Option<[wgpu::BindGroup; 3]>,
    generation: Option<u64>,
}

/// Creates the pipeline once at start-up.
pub fn install(rs: &RenderState) {
    let device = &rs.device;
    let shader = device.create_shader_module(wgpu::include_wgsl!("../../../shaders/slice.wgsl"));
    let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some("cadet slice"),
        entries: &[
            wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: wgpu::ShaderStages::FRAGMENT,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
                count: None,
            },
            wgpu::BindGroupLayoutEntry {
                binding: 1,
                visibility: wgpu::ShaderStages::FRAGMENT,
                ty: wgpu::BindingType::Texture {
                    sample_type: wgpu::TextureSampleType::Float { filterable: true },
                    view_dimension: wgpu::TextureViewDimension::D3,
                    multisampled: false,
                },
                count: None,
            },
            wgpu::BindGroupLayoutEntry {
                binding: 2,
                visibility: wgpu::ShaderStages::FRAGMENT,
                ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                count: None,
            },
        ],
    });
    let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some("cadet slice"),
        bind_group_layouts: &[Some(&layout)],
        immediate_size: 0,
    });
    let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some("cadet slice"),
        layout: Some(&pipeline_layout),
        vertex: wgpu::VertexState {
            module: &shader,
            entry_point: Some("vs_main"),
            compilation_options: Default::default(),
            buffers: &[],
        },
        primitive: wgpu::PrimitiveState { topology: wgpu::PrimitiveTopology::TriangleStrip, ..Default::default() },
        depth_stencil: None,
        multisample: wgpu::MultisampleState::default(),
        fragment: Some(wgpu::FragmentState {
            module: &shader,
            entry_point: Some("fs_main"),
            compilation_options: Default::default(),
            targets: &[Some(wgpu::ColorTargetState {
                format: rs.target_format,
                blend: None,
                write_mask: wgpu::ColorWrites::ALL,
            })],
        }),
        multiview_mask: None,
        cache: None,
    });
    let sampler = device.create_sampler(&wgpu::SamplerDescriptor {
        label: Some("cadet volume"),
        mag_filter: wgpu::FilterMode::Linear,
        min_filter: wgpu::FilterMode::Linear,
        ..Default::default()
    });
    let uniforms = [0, 1, 2].map(|i| {
        device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(["axial", "coronal", "sagittal"][i]),
            contents: bytemuck::bytes_of(&SliceUniforms::default()),
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        })
    });
    rs.renderer.write().callback_resources.insert(SliceResources {
        pipeline,
        layout,
        sampler,
        uniforms,
        bind_groups: None,
        generation: None,
    });
}

/// Why a volume does not fit a 3-D texture of a device whose largest side is `limit` texels.
pub fn texture_limit_problem(dims: [usize; 3], limit: u32) -> Option<String> {
    let largest = dims.iter().copied().max().unwrap_or(0);
    (largest > limit as usize).then(|| {
        format!(
            "the volume ({}×{}×{}) is larger than this GPU's 3-D textures ({limit} per side): slices are drawn on \
             the CPU",
            dims[0], dims[1], dims[2]
        )
    })
}

/// Uploads a volume (as f16 HU) unless this generation is already on the GPU; an error (the
/// volume exceeds the device's 3-D texture size) means the caller must draw on the CPU.
pub fn upload(rs: &RenderState, volume: &Volume, generation: u64) -> Result<(), String> {
    if let Some(problem) = texture_limit_problem(volume.dims(), rs.device.limits().max_texture_dimension_3d) {
        return Err(problem);
    }
    let mut renderer = rs.renderer.write();
    let Some(res) = renderer.callback_resources.get_mut::<SliceResources>() else { return Ok(()) };
    if res.generation == Some(generation) {
        return Ok(());
    }
    let [nx, ny, nz] = volume.dims().map(|d| d as u32);
    let texture = rs.device.create_texture(&wgpu::TextureDescriptor {
        label: Some("cadet volume"),
        size: wgpu::Extent3d { width: nx, height: ny, depth_or_array_layers: nz },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D3,
        format: wgpu::TextureFormat::R16Float,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    });
    let plane = (nx * ny) as usize;
    let slab = (16 << 20) / (2 * plane).max(1);
    let slab = slab.clamp(1, nz as usize);
    let voxels = volume.voxels();
    for z0 in (0..nz as usize).step_by(slab) {
        let depth = slab.min(nz as usize - z0);
        let values: Vec<half::f16> =
            (z0 * plane..(z0 + depth) * plane).map(|i| half::f16::from_f32(voxels.get(i))).collect();
        rs.queue.write_texture(
            wgpu::TexelCopyTextureInfo {
                texture: &texture,
                mip_level: 0,
                origin: wgpu::Origin3d { x: 0, y: 0, z: z0 as u32 },
                aspect: wgpu::TextureAspect::All,
            },
            bytemuck::cast_slice(&values),
            wgpu::TexelCopyBufferLayout { offset: 0, bytes_per_row: Some(2 * nx), rows_per_image: Some(ny) },
            wgpu::Extent3d { width: nx, height: ny, depth_or_array_layers: depth as u32 },
        );
    }
    let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
    let groups = [0, 1, 2].map(|i| {
        rs.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("cadet slice"),
            layout: &res.layout,
            entries: &[
                wgpu::BindGroupEntry { binding: 0, resource: res.uniforms[i].as_entire_binding() },
                wgpu::BindGroupEntry { binding: 1, resource: wgpu::BindingResource::TextureView(&view) },
                wgpu::BindGroupEntry { binding: 2, resource: wgpu::BindingResource::Sampler(&res.sampler) },
            ],
        })
    });
    res.bind_groups = Some(groups);
    res.generation = Some(generation);
    Ok(())
}

/// Draws view `index` (0 axial, 1 coronal, 2 sagittal) with these uniforms.
pub struct SliceCallback {
    pub index: usize,
    pub uniforms: SliceUniforms,
}

impl SliceCallback {
    pub fn paint(self, painter: &egui::Painter, rect: egui::Rect) {
        painter.add(egui_wgpu::Callback::new_paint_callback(rect, self));
    }
}

impl CallbackTrait for SliceCallback {
    fn prepare(
        &self,
        _device: &wgpu::Device,
        queue: &wgpu::Queue,
        _screen: &ScreenDescriptor,
        _encoder: &mut wgpu::CommandEncoder,
        resources: &mut CallbackResources,
    ) -> Vec<wgpu::CommandBuffer> {
        if let Some(res) = resources.get::<SliceResources>() {
            queue.write_buffer(&res.uniforms[self.index], 0, bytemuck::bytes_of(&self.uniforms));
        }
        Vec::new()
    }

    fn paint(
        &self,
        _info: egui::PaintCallbackInfo,
        pass: &mut wgpu::RenderPass<'static>,
        resources: &CallbackResources,
    ) {
        let Some(res) = resources.get::<SliceResources>() else { return };
        let Some(groups) = &res.bind_groups else { return };
        pass.set_pipeline(&res.pipeline);
        pass.set_bind_group(0, &groups[self.index], &[]);
        pass.draw(0..4, 0..1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumes_beyond_the_3d_texture_limit_go_to_the_cpu() {
        assert_eq!(texture_limit_problem([512, 512, 2048], 2048), None);
        let why = texture_limit_problem([512, 512, 2049], 2048).expect("one slice too many");
        assert!(why.contains("512×512×2049") && why.contains("2048") && why.contains("CPU"), "{why}");
        assert!(texture_limit_problem([4096, 16, 16], 2048).is_some(), "any side counts");
    }
}
