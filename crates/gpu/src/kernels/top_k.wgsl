// The k largest values of each row and their indices, largest first, the lower
// index first on ties (the CPU's stable sort): one workgroup per row. Pick j is
// the largest element that comes after pick j-1 in that order, so each pass
// scans the row once and nothing needs marking. Indices are written as f32.
// The uniform `p: Params` (binding 0) is generated from `Params` in ops/top_k.rs.

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out_values: array<f32>;
@group(0) @binding(3) var<storage, read_write> out_indices: array<f32>;

const NONE: u32 = 0xffffffffu;

var<workgroup> best_value: array<f32, 256>;
var<workgroup> best_index: array<u32, 256>;
var<workgroup> last_value: f32;
var<workgroup> last_index: u32;

// Does (v, i) come before (w, j)? Larger value first, then the lower index.
fn before(v: f32, i: u32, w: f32, j: u32) -> bool {
    return v > w || (v == w && i < j);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let row = flat_group(wid, nwg);
    if (row >= p.rows) { return; }
    let base = row * p.dim;
    if (lid == 0u) { last_index = NONE; }
    workgroupBarrier();

    for (var j = 0u; j < p.k; j = j + 1u) {
        let lv = last_value;
        let li = last_index;
        var v = 0.0;
        var i = NONE;
        for (var c = lid; c < p.dim; c = c + 256u) {
            let xc = x[base + c];
            // Only elements after the last pick are still candidates.
            if (li != NONE && !before(lv, li, xc, c)) { continue; }
            if (i == NONE || before(xc, c, v, i)) { v = xc; i = c; }
        }
        best_value[lid] = v;
        best_index[lid] = i;
        workgroupBarrier();
        for (var stride = 128u; stride > 0u; stride = stride / 2u) {
            if (lid < stride) {
                let oi = best_index[lid + stride];
                if (oi != NONE && (best_index[lid] == NONE || before(best_value[lid + stride], oi, best_value[lid], best_index[lid]))) {
                    best_value[lid] = best_value[lid + stride];
                    best_index[lid] = oi;
                }
            }
            workgroupBarrier();
        }
        if (lid == 0u) {
            out_values[row * p.k + j] = best_value[0];
            out_indices[row * p.k + j] = f32(best_index[0]);
            last_value = best_value[0];
            last_index = best_index[0];
        }
        workgroupBarrier();
    }
}
