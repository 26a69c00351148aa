// ggml q8_0 repacked at upload: blocks of 32 int8 values, four to a u32, and
// one f32 scale per block (the f16 scale widened).
@group(0) @binding(4) var<storage, read> w_data: array<u32>;
@group(0) @binding(5) var<storage, read> w_scales: array<f32>;

fn weight_at(row: u32, col: u32, cols: u32) -> f32 {
    let i = row * cols + col;
    let word = w_data[i / 4u];
    let shift = (i % 4u) * 8u;
    let q = bitcast<i32>(word << (24u - shift)) >> 24u;
    return f32(q) * w_scales[i / 32u];
}

// Four consecutive values of a row (one u32 word), from a column that is a multiple of 4.
fn weight4(row: u32, col: u32, cols: u32) -> vec4<f32> {
    let i = row * cols + col;
    let word = w_data[i / 4u];
    let q = vec4<i32>(
        bitcast<i32>(word << 24u) >> 24u,
        bitcast<i32>(word << 16u) >> 24u,
        bitcast<i32>(word << 8u) >> 24u,
        bitcast<i32>(word) >> 24u,
    );
    return vec4<f32>(q) * w_scales[i / 32u];
}
