// ggml q4_0 repacked at upload: a block's 16 bytes as four u32 and one f32
// scale per block. Byte j holds value j in its low nibble and value j + 16 in
// its high nibble, both offset by 8.
@group(0) @binding(4) var<storage, read> w_data: array<u32>;
@group(0) @binding(5) var<storage, read> w_scales: array<f32>;

fn weight_at(row: u32, col: u32, cols: u32) -> f32 {
    let i = row * cols + col;
    let block = i / 32u;
    let j = i % 32u;
    let byte_index = j % 16u;
    let word = w_data[block * 4u + byte_index / 4u];
    let byte = (word >> ((byte_index % 4u) * 8u)) & 0xffu;
    let nibble = select(byte & 0xfu, byte >> 4u, j >= 16u);
    return (f32(nibble) - 8.0) * w_scales[block];
}

// Four consecutive values of a row (four nibbles of one word), from a column
// that is a multiple of 4.
fn weight4(row: u32, col: u32, cols: u32) -> vec4<f32> {
    let i = row * cols + col;
    let block = i / 32u;
    let j = i % 32u;
    let word = w_data[block * 4u + (j % 16u) / 4u];
    let shift = select(0u, 4u, j >= 16u);
    let q = vec4<u32>(
        (word >> shift) & 0xfu,
        (word >> (8u + shift)) & 0xfu,
        (word >> (16u + shift)) & 0xfu,
        (word >> (24u + shift)) & 0xfu,
    );
    return (vec4<f32>(q) - 8.0) * w_scales[block];
}
