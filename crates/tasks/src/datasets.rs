//! TODO(tasks-algorithms): datasets
