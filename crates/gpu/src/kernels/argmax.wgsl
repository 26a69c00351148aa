// Index of the largest value of each row, the first one on ties: one workgroup
// per row. Written as an f32 (exact below 2^24), so greedy decoding reads back
// one value per row instead of the whole vocabulary.
// The uniform `p: Params` (binding 0) is generated from `Params` in ops/argmax.rs.

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> best_value: array<f32, 256>;
var<workgroup> best_index: array<u32, 256>;

// Does (v, i) beat (w, j)? Larger value, or the same value at a lower index.
fn beats(v: f32, i: u32, w: f32, j: u32) -> bool {
    return v > w || (v == w && i < j);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let row = flat_group(wid, nwg);
    if (row >= p.rows) { return; }
    let base = row * p.dim;

    // Each thread's stride visits indices in increasing order, so `>` keeps the first on ties.
    var v = -3.402823e38;
    var i = 0xffffffffu;
    for (var k = lid; k < p.dim; k = k + 256u) {
        let xk = x[base + k];
        if (i == 0xffffffffu || xk > v) { v = xk; i = k; }
    }
    best_value[lid] = v;
    best_index[lid] = i;
    workgroupBarrier();
    for (var stride = 128u; stride > 0u; stride = stride / 2u) {
        if (lid < stride) {
            let j = best_index[lid + stride];
            if (j != 0xffffffffu && (best_index[lid] == 0xffffffffu
                || beats(best_value[lid + stride], j, best_value[lid], best_index[lid]))) {
                best_value[lid] = best_value[lid + stride];
                best_index[lid] = j;
            }
        }
        workgroupBarrier();
    }
    if (lid == 0u) { out[row] = f32(best_index[0]); }
}
