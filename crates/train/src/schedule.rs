//! The learning rate over training: a linear warm-up from 0, then a linear
//! decay to 0, as transformers' `get_linear_schedule_with_warmup` (the
//! Trainer's default `lr_scheduler_type="linear"`, which SetFit's trainer runs)
//! (<https://github.com/huggingface/transformers/blob/main/src/transformers/optimization.py>).

/// Learning-rate factors for `total` optimizer steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinearSchedule {
    pub warmup: usize,
    pub total: usize,
}

impl LinearSchedule {
    /// Warm-up over `ceil(total × ratio)` steps, as `TrainingArguments.get_warmup_steps`
    /// computes it (`math.ceil` of the f64 product, here too).
    pub fn new(total: usize, warmup_ratio: f64) -> Self {
        Self { warmup: (total as f64 * warmup_ratio).ceil() as usize, total }
    }

    /// The factor on the base learning rate at optimizer step `step` (from 0):
    /// `step / warmup` while warming up (so the first step's is 0), then
    /// `(total - step) / (total - warmup)`, never below 0.
    pub fn factor(&self, step: usize) -> f64 {
        if step < self.warmup {
            return step as f64 / self.warmup.max(1) as f64;
        }
        (self.total.saturating_sub(step) as f64 / self.total.saturating_sub(self.warmup).max(1) as f64).max(0.0)
    }
}
