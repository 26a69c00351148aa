// Element-wise a ∘ b over a rank-4 output; broadcast inputs have stride 0.
// The uniform `p: Params` (binding 0) is generated from `Params` in ops/binary.rs.

@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = flat_group(wid, nwg) * 256u + lid;
    if (i >= p.count) { return; }
    let i3 = i % p.dims.w;
    let i2 = (i / p.dims.w) % p.dims.z;
    let i1 = (i / (p.dims.w * p.dims.z)) % p.dims.y;
    let i0 = i / (p.dims.w * p.dims.z * p.dims.y);
    let idx = vec4<u32>(i0, i1, i2, i3);
    let ai = dot(idx, p.a_strides);
    let bi = dot(idx, p.b_strides);
    out[i] = op(a[ai], b[bi]);
}
