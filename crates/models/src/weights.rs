//! Named weights, however they were stored, and a prefix-scoped view over
//! them whose paths mirror the checkpoint's tensor names (like candle's `VarBuilder`).

use std::cell::RefCell;
use std::collections::HashMap;

use candle_core::quantized::{GgmlDType, QTensor};
use candle_core::Device;
use nunchi_engine::{Backend, Error, Result};

/// Every tensor of a model, by checkpoint name, in host memory.
#[derive(Default)]
pub struct WeightMap {
    tensors: HashMap<String, QTensor>,
}

impl WeightMap {
    pub fn new(tensors: HashMap<String, QTensor>) -> Self {
        Self { tensors }
    }

    pub fn get(&self, name: &str) -> Option<&QTensor> {
        self.tensors.get(name)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.tensors.contains_key(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &String> {
        self.tensors.keys()
    }

    pub fn len(&self) -> usize {
        self.tensors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tensors.is_empty()
    }

    /// Total bytes of tensor data as stored.
    pub fn bytes(&self) -> usize {
        self.tensors.values().map(|t| t.storage_size_in_bytes()).sum()
    }

    /// Takes a tensor out, handing ownership to the backend at load (or to a host-side head).
    pub fn take(&mut self, name: &str) -> Option<QTensor> {
        self.tensors.remove(name)
    }

    pub fn into_inner(self) -> HashMap<String, QTensor> {
        self.tensors
    }
}

/// A view of the weights under one name prefix, uploading to backend `B`.
pub struct Weights<'a, B: Backend> {
    map: &'a RefCell<WeightMap>,
    backend: &'a B,
    prefix: String,
}

impl<'a, B: Backend> Weights<'a, B> {
    /// Tensors are moved out of `map` as the model takes them, so host memory is freed as it loads.
    pub fn new(map: &'a RefCell<WeightMap>, backend: &'a B) -> Self {
        Self { map, backend, prefix: String::new() }
    }

    /// The view under `prefix.` (candle's `vb.pp`).
    pub fn pp(&self, name: impl std::fmt::Display) -> Self {
        let prefix = if self.prefix.is_empty() { name.to_string() } else { format!("{}.{name}", self.prefix) };
        Self { map: self.map, backend: self.backend, prefix }
    }

    pub fn backend(&self) -> &'a B {
        self.backend
    }

    fn path(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.prefix)
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        let path = self.path(name);
        self.map.borrow().contains(&path)
    }

    fn take(&self, name: &str, dims: &[usize]) -> Result<QTensor> {
        let path = self.path(name);
        let t =
            self.map.borrow_mut().take(&path).ok_or_else(|| Error::format(format!("the model file has no tensor '{path}'")))?;
        if t.shape().dims() != dims {
            return Err(Error::format(format!("tensor '{path}' has shape {:?}, the config implies {dims:?}", t.shape().dims())));
        }
        Ok(t)
    }

    /// A `[out, in]` matrix for `linear`.
    pub fn matrix(&self, name: &str, out_dim: usize, in_dim: usize) -> Result<B::Matrix> {
        self.backend.matrix(self.take(name, &[out_dim, in_dim])?)
    }

    /// An embedding table `[rows, dim]`, kept in its stored format.
    pub fn table(&self, name: &str, rows: usize, dim: usize) -> Result<B::Table> {
        self.backend.table(self.take(name, &[rows, dim])?)
    }

    /// A float tensor (norm weights, biases), dequantized if it was stored quantized.
    pub fn tensor(&self, name: &str, dims: &[usize]) -> Result<B::Tensor> {
        let data = self.host(name, dims)?;
        self.backend.tensor(&data, dims)
    }

    /// The values of a small tensor on the host (T5's relative position bias table).
    pub fn host(&self, name: &str, dims: &[usize]) -> Result<Vec<f32>> {
        let t = self.take(name, dims)?;
        Ok(t.dequantize(&Device::Cpu)?.flatten_all()?.to_vec1::<f32>()?)
    }
}

/// Stored format of every tensor, for `info` and the convert report.
pub fn dtype_histogram(map: &WeightMap) -> Vec<(GgmlDType, usize)> {
    let mut counts: Vec<(GgmlDType, usize)> = Vec::new();
    for name in map.names() {
        if let Some(t) = map.get(name) {
            match counts.iter_mut().find(|(d, _)| *d == t.dtype()) {
                Some((_, n)) => *n += 1,
                None => counts.push((t.dtype(), 1)),
            }
        }
    }
    counts
}
