//! TODO(tasks-algorithms): keywords
