// Mean over the tokens of x [b, t, d] whose mask [b, t] is 1, floored like
// sentence-transformers so an all-padding row gives zeros, not NaN.
// The uniform `p: Params` (binding 0) is generated from `Params` in ops/masked_mean.rs.

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> mask: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = flat_group(wid, nwg) * 256u + lid;
    if (i >= p.batch * p.dim) { return; }
    let b = i / p.dim;
    let d = i % p.dim;
    var sum = 0.0;
    var count = 0.0;
    for (var t = 0u; t < p.tokens; t = t + 1u) {
        let m = mask[b * p.tokens + t];
        sum = sum + x[(b * p.tokens + t) * p.dim + d] * m;
        count = count + m;
    }
    out[i] = sum / max(count, 1e-9);
}
