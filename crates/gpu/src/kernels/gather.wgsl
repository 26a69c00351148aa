// Embedding rows for token ids, dequantized from the stored table
// (`weight_at` spliced in per format): one thread per output value.
struct Params {
    tokens: u32,
    dim: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> ids: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let i = flat_group(wid, nwg) * 256u + lid;
    if (i >= p.tokens * p.dim) { return; }
    let t = i / p.dim;
    out[i] = weight_at(ids[t], i % p.dim, p.dim);
}
