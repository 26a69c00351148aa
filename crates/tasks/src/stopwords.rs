//! TODO(tasks-algorithms): stopwords
