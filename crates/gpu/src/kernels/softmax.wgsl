// Softmax over the last dimension: one workgroup per row (max, sum of exp, write).
// The uniform `p: Params` (binding 0) is generated from `Params` in ops/softmax.rs.

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let row = flat_group(wid, nwg);
    if (row >= p.rows) { return; }
    let base = row * p.dim;

    var m = -3.402823e38;
    for (var i = lid; i < p.dim; i = i + 256u) { m = max(m, x[base + i]); }
    partial[lid] = m;
    workgroupBarrier();
    for (var stride = 128u; stride > 0u; stride = stride / 2u) {
        if (lid < stride) { partial[lid] = max(partial[lid], partial[lid + stride]); }
        workgroupBarrier();
    }
    let row_max = partial[0];
    workgroupBarrier();

    var s = 0.0;
    for (var i = lid; i < p.dim; i = i + 256u) { s = s + exp(x[base + i] - row_max); }
    partial[lid] = s;
    workgroupBarrier();
    for (var stride = 128u; stride > 0u; stride = stride / 2u) {
        if (lid < stride) { partial[lid] = partial[lid] + partial[lid + stride]; }
        workgroupBarrier();
    }
    let inv = 1.0 / partial[0];
    for (var i = lid; i < p.dim; i = i + 256u) { out[base + i] = exp(x[base + i] - row_max) * inv; }
}
