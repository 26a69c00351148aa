// x [m, k] · Wᵀ (+ bias) with W [n, k] in any stored format (`weight_at` is
// spliced in per format, dequantizing inside the kernel): 16×16 output tiles,
// both operands staged through workgroup memory.
// The uniform `p: Params` (binding 0) is generated from `Params` in ops/linear.rs.

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;

var<workgroup> x_tile: array<array<f32, 16>, 16>;
var<workgroup> w_tile: array<array<f32, 16>, 16>;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>) {
    let col = wid.x * 16u + local.x;   // output feature
    let row = wid.y * 16u + local.y;   // input row
    let w_row = wid.x * 16u + local.y; // the weight row this thread stages

    var acc = 0.0;
    for (var k0 = 0u; k0 < p.k; k0 = k0 + 16u) {
        let kk = k0 + local.x;
        x_tile[local.y][local.x] = select(0.0, x[row * p.k + kk], row < p.m && kk < p.k);
        var w = 0.0;
        if (w_row < p.n && kk < p.k) { w = weight_at(w_row, kk, p.k); }
        w_tile[local.y][local.x] = w;
        workgroupBarrier();
        for (var j = 0u; j < 16u; j = j + 1u) {
            acc = acc + x_tile[local.y][j] * w_tile[local.x][j];
        }
        workgroupBarrier();
    }
    if (row < p.m && col < p.n) {
        if (p.has_bias != 0u) { acc = acc + bias[p.col_offset + col]; }
        out[row * p.out_stride + p.col_offset + col] = acc;
    }
}
