//! TODO(tasks-algorithms): folds
