// Batched f32 product a [o0, o1, m, k] · b [o0, o1, k, n]: 16×16 output tiles,
// inputs staged through workgroup memory 16 columns of k at a time. Batch
// dimensions broadcast through zero strides.
// The uniform `p: Params` (binding 0) is generated from `Params` in ops/matmul.rs.

@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

var<workgroup> a_tile: array<array<f32, 16>, 16>;
var<workgroup> b_tile: array<array<f32, 16>, 16>;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) local: vec3<u32>) {
    let col = wid.x * 16u + local.x;
    let row = wid.y * 16u + local.y;
    let o0 = wid.z / p.batch_dims.y;
    let o1 = wid.z % p.batch_dims.y;
    let a_base = o0 * p.a_strides.x + o1 * p.a_strides.y;
    let b_base = o0 * p.b_strides.x + o1 * p.b_strides.y;

    var acc = 0.0;
    for (var k0 = 0u; k0 < p.k; k0 = k0 + 16u) {
        let ak = k0 + local.x;
        a_tile[local.y][local.x] = select(0.0, a[a_base + row * p.k + ak], row < p.m && ak < p.k);
        let bk = k0 + local.y;
        b_tile[local.y][local.x] = select(0.0, b[b_base + bk * p.n + col], bk < p.k && col < p.n);
        workgroupBarrier();
        for (var j = 0u; j < 16u; j = j + 1u) {
            acc = acc + a_tile[local.y][j] * b_tile[j][local.x];
        }
        workgroupBarrier();
    }
    if (row < p.m && col < p.n) {
        out[wid.z * p.m * p.n + row * p.n + col] = acc;
    }
}
