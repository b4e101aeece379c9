// One display slice of a CT volume: the volume is a 3-D R16Float texture of HU uploaded once;
// the slice position, its orientation on screen and the window are uniforms.
//
// Texture coordinates are affine in the quad's uv: t = origin + uv.x * along_u + uv.y * along_v.

struct SliceUniforms {
    origin: vec4<f32>,
    along_u: vec4<f32>,
    along_v: vec4<f32>,
    // x: lower HU, y: upper HU
    window: vec4<f32>,
};

@group(0) @binding(0) var<uniform> u: SliceUniforms;
@group(0) @binding(1) var volume: texture_3d<f32>;
@group(0) @binding(2) var volume_sampler: sampler;

struct VertexOut {
    @builtin(position) position: vec4<f32>,
    @location(0) uv: vec2<f32>,
};

// A full-rect quad as a 4-vertex triangle strip; egui sets the viewport to the callback rect.
@vertex
fn vs_main(@builtin(vertex_index) index: u32) -> VertexOut {
    let uv = vec2<f32>(f32(index & 1u), f32(index >> 1u));
    var out: VertexOut;
    out.position = vec4<f32>(uv.x * 2.0 - 1.0, 1.0 - uv.y * 2.0, 0.0, 1.0);
    out.uv = uv;
    return out;
}

@fragment
fn fs_main(in: VertexOut) -> @location(0) vec4<f32> {
    let t = u.origin.xyz + in.uv.x * u.along_u.xyz + in.uv.y * u.along_v.xyz;
    let hu = textureSampleLevel(volume, volume_sampler, t, 0.0).r;
    let width = max(u.window.y - u.window.x, 1e-3);
    let g = clamp((hu - u.window.x) / width, 0.0, 1.0);
    return vec4<f32>(g, g, g, 1.0);
}
