// Shared by every kernel: dispatches wider than 65,535 workgroups are folded
// into a 2-D grid, and this recovers the flat workgroup index.
fn flat_group(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return wid.y * nwg.x + wid.x;
}
