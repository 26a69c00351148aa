//! nunchi's analysis tasks: what users come for, on top of the models.
//!
//! - Classification five ways with one result shape: prompting a text-to-text
//!   model, zero-shot by label embeddings, a few-shot head trained on the
//!   user's labels, a fine-tuned task model's own head, each over batches
//!   with progress.
//! - Metrics defined as scikit-learn's `classification_report`.
//! - Clustering of feedback: k-means++, keywords by class-based TF-IDF,
//!   representative texts, titles, and a 2-D map.

pub mod rows;

// Tasks over the models.
pub mod classify;
pub mod cluster;
pub mod descriptions;
pub mod head;
pub mod task_model;
pub mod topics;
pub mod trends;

// Plain numeric building blocks (no model involved).
pub mod agreement;
pub mod centroid;
pub mod datasets;
pub mod folds;
pub(crate) mod kernels;
pub mod keywords;
pub mod kmeans;
pub mod language;
mod lbfgs;
pub mod logistic;
pub mod metrics;
pub mod minibatch;
pub mod pca;
pub mod stopwords;

// The user's files: one parser and one train/test rule for the CLI and the page.
pub mod split;
pub mod table;

pub use classify::{default_prefix, embed_all, Predictions, PromptClassifier, ZeroShot};
pub use cluster::{cluster, ClusterOptions, ClusterReport};
pub use descriptions::{descriptions_by_label, match_descriptions, LabelOrder};
pub use head::{check_labelled, check_training_plan, cross_validate, Classifier, HeadKind, TrainingSet};
pub use rows::Rows;
pub use task_model::{classify_with_model, LabelMap};
pub use topics::{Placement, Topic, TopicModel};
