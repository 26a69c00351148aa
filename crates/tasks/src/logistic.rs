//! TODO(tasks-algorithms): logistic
