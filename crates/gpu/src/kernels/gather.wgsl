// Embedding rows for token ids, dequantized from the stored table
// (`weight_at` spliced in per format): one thread per output value, per part
// of the table.
// The uniform `p: Params` (binding 0) is generated from `Params` in ops/gather.rs.

@group(0) @binding(1) var<storage, read> ids: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = flat_group(wid, nwg) * 256u + lid;
    if (i >= p.tokens * p.dim) { return; }
    let id = ids[i / p.dim];
    if (id < p.first_row || id - p.first_row >= p.rows) { return; } // another part's row
    out[i] = weight_at(id - p.first_row, i % p.dim, p.dim);
}
