// Element-wise activation; `act` is spliced in per variant (gelu_erf, gelu_tanh, relu).
// The uniform `p: Params` (binding 0) is generated from `Params` in ops/activation.rs.

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = flat_group(wid, nwg) * 256u + lid;
    if (i >= p.count) { return; }
    out[i] = act(x[i]);
}
