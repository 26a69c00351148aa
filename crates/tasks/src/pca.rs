//! TODO(tasks-algorithms): pca
