//! TODO(tasks-algorithms): centroid
