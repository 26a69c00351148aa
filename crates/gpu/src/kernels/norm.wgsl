// Layer norm and T5's RMS norm over the last dimension: one workgroup per row,
// two passes (mean, then variance of the centred values) for accuracy.
// RMS_ONLY is spliced in per variant.
// The uniform `p: Params` (binding 0) is generated from `Params` in ops/norm.rs.

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

var<workgroup> partial: array<f32, 256>;

fn row_sum(lid: u32, v: f32) -> f32 {
    partial[lid] = v;
    workgroupBarrier();
    for (var stride = 128u; stride > 0u; stride = stride / 2u) {
        if (lid < stride) { partial[lid] = partial[lid] + partial[lid + stride]; }
        workgroupBarrier();
    }
    let total = partial[0];
    workgroupBarrier();
    return total;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let row = flat_group(wid, nwg);
    if (row >= p.rows) { return; }
    let base = row * p.dim;
    var mean = 0.0;
    if (!RMS_ONLY) {
        var s = 0.0;
        for (var i = lid; i < p.dim; i = i + 256u) { s = s + x[base + i]; }
        mean = row_sum(lid, s) / f32(p.dim);
    }
    var sq = 0.0;
    for (var i = lid; i < p.dim; i = i + 256u) {
        let c = x[base + i] - mean;
        sq = sq + c * c;
    }
    let inv = inverseSqrt(row_sum(lid, sq) / f32(p.dim) + p.eps);
    for (var i = lid; i < p.dim; i = i + 256u) {
        var y = (x[base + i] - mean) * inv * gamma[i];
        if (!RMS_ONLY) { y = y + beta[i]; }
        out[base + i] = y;
    }
}
