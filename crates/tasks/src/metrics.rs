//! TODO(tasks-algorithms): metrics
