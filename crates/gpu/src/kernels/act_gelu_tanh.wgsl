// tanh(u) written through exp of a clamped argument: some drivers' tanh
// returns NaN for large |u|, and tanh(±10) is already ±1 in f32.
fn tanh_safe(u: f32) -> f32 {
    let c = clamp(u, -10.0, 10.0);
    let e = exp(2.0 * c);
    return (e - 1.0) / (e + 1.0);
}
fn act(v: f32) -> f32 {
    let inner = 0.7978845608028654 * (v + 0.044715 * v * v * v);
    return 0.5 * v * (1.0 + tanh_safe(inner));
}
