//! TODO(tasks-algorithms): kmeans
