// One input row (batch-1 decode): a matrix–vector product, one workgroup of 64
// threads per output feature, each summing a strided slice of k.
// The uniform `p: Params` (binding 0) is generated from `Params` in ops/linear.rs.

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;

var<workgroup> partial: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let col = flat_group(wid, nwg);
    if (col >= p.n) { return; }
    var acc = 0.0;
    for (var kk = lid; kk < p.k; kk = kk + 64u) {
        acc = acc + x[kk] * weight_at(col, kk, p.k);
    }
    partial[lid] = acc;
    workgroupBarrier();
    for (var stride = 32u; stride > 0u; stride = stride / 2u) {
        if (lid < stride) { partial[lid] = partial[lid] + partial[lid + stride]; }
        workgroupBarrier();
    }
    if (lid == 0u) {
        var y = partial[0];
        if (p.has_bias != 0u) { y = y + bias[p.col_offset + col]; }
        out[p.col_offset + col] = y;
    }
}
