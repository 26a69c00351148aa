// Weights stored as plain f32 rows.
@group(0) @binding(4) var<storage, read> w_data: array<f32>;

fn weight_at(row: u32, col: u32, cols: u32) -> f32 {
    return w_data[row * cols + col];
}
