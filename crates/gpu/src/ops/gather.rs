//! Embedding rows for token ids, dequantized from the stored table on the
//! device: the 32128×512 T5 table never exists as f32.

use nunchi_engine::{Error, Result};

use super::{groups_of_256, u32s};
use crate::backend::{Bind, GpuBackend};
use crate::pipelines::Kernel;
use crate::tensor::GpuTensor;
use crate::uniform::uniform;
use crate::weights::{GpuWeights, WeightFormat};

/// The gather kernel's variants: the table's stored format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Gather(pub WeightFormat);

uniform! {
    pub(crate) struct Params {
        tokens: u32,
        dim: u32,
        /// The table part bound: ids in `first_row..first_row + rows` are written.
        first_row: u32,
        rows: u32,
    }
}

impl Kernel for Gather {
    type Params = Params;

    fn wgsl(self) -> [&'static str; 2] {
        [self.0.wgsl(), include_str!("../kernels/gather.wgsl")]
    }

    fn variants() -> Vec<Self> {
        WeightFormat::ALL.into_iter().map(Gather).collect()
    }
}

pub(crate) fn gather(gpu: &GpuBackend, table: &GpuWeights, ids: &[u32], dims: &[usize]) -> Result<GpuTensor> {
    if let Some(bad) = ids.iter().find(|&&id| id as usize >= table.rows) {
        return Err(Error::input(format!("token id {bad} is outside the embedding table of {} rows", table.rows)));
    }
    if dims.iter().product::<usize>() != ids.len() {
        return Err(Error::backend(format!("gather: {} ids do not fill shape {dims:?}", ids.len())));
    }
    let dim = table.cols;
    let ids_buffer = gpu.upload_words(ids, "token ids")?;
    let out = gpu.output(ids.len() * dim, "gather")?;
    // One dispatch per part of the table; each writes the rows of its ids.
    for part in &table.parts {
        let [tokens, dim_u, first_row, rows] = u32s([ids.len(), dim, part.first_row, part.rows], "gather")?;
        let params = Params { tokens, dim: dim_u, first_row, rows };
        let mut binds = vec![Bind(1, &ids_buffer), Bind(2, &out), Bind(4, &part.data)];
        if let Some(scales) = &part.scales {
            binds.push(Bind(5, scales));
        }
        gpu.dispatch(Gather(table.format), &params, &binds, gpu.grid(groups_of_256(ids.len() * dim)))?;
    }
    let mut out_dims = dims.to_vec();
    out_dims.push(dim);
    Ok(gpu.tensor_from(out, out_dims))
}
