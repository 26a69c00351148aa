// x [m, k] · Wᵀ (+ bias) for k a multiple of 4: each thread computes a 4×4
// block of outputs from 4-wide loads, with no workgroup memory and no
// barriers (barriers are what CPU-emulated adapters such as SwiftShader and
// lavapipe run slowest). `weight4` is spliced in per stored format.
// The uniform `p: Params` (binding 0) is generated from `Params` in ops/linear.rs.

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let blocks_n = (p.n + 3u) / 4u;
    let block = flat_group(wid, nwg) * 64u + lid;
    if (block >= blocks_n * ((p.m + 3u) / 4u)) { return; }
    let r0 = (block / blocks_n) * 4u;
    let c0 = (block % blocks_n) * 4u;
    // Rows and columns past the edge repeat the last one; their results are not written.
    var rows: array<u32, 4>;
    var cols: array<u32, 4>;
    for (var i = 0u; i < 4u; i = i + 1u) {
        rows[i] = min(r0 + i, p.m - 1u) * p.k;
        cols[i] = min(c0 + i, p.n - 1u);
    }
    var acc: array<vec4<f32>, 4>;
    for (var kk = 0u; kk < p.k; kk = kk + 4u) {
        let w0 = weight4(cols[0], kk, p.k);
        let w1 = weight4(cols[1], kk, p.k);
        let w2 = weight4(cols[2], kk, p.k);
        let w3 = weight4(cols[3], kk, p.k);
        for (var i = 0u; i < 4u; i = i + 1u) {
            let r = rows[i] + kk;
            let xv = vec4<f32>(x[r], x[r + 1u], x[r + 2u], x[r + 3u]);
            acc[i] = acc[i] + vec4<f32>(dot(xv, w0), dot(xv, w1), dot(xv, w2), dot(xv, w3));
        }
    }
    for (var i = 0u; i < 4u; i = i + 1u) {
        for (var j = 0u; j < 4u; j = j + 1u) {
            let row = r0 + i;
            let col = c0 + j;
            if (row < p.m && col < p.n) {
                var y = acc[i][j];
                if (p.has_bias != 0u) { y = y + bias[p.col_offset + col]; }
                out[row * p.out_stride + p.col_offset + col] = y;
            }
        }
    }
}
