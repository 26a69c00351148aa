// Weights stored as plain f32 rows.
@group(0) @binding(4) var<storage, read> w_data: array<f32>;

fn weight_at(row: u32, col: u32, cols: u32) -> f32 {
    return w_data[row * cols + col];
}

// Four consecutive values of a row, from a column that is a multiple of 4.
fn weight4(row: u32, col: u32, cols: u32) -> vec4<f32> {
    let i = row * cols + col;
    return vec4<f32>(w_data[i], w_data[i + 1u], w_data[i + 2u], w_data[i + 3u]);
}
