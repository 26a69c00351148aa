//! `nunchi`: sentence embeddings, text-to-text generation and label scoring on
//! the command line, with the same models and code as the npm package.

mod bench;
mod commands;
mod eval;
mod eval_setfit;
mod eval_topics;
mod source;
mod table;
mod tasks;
mod text_input;
mod topics;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "nunchi",
    version,
    about = "Private text understanding: MiniLM embeddings and Flan-T5, quantized, on your machine"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// A parser for counts below `min` that mean nothing (`--batch-size 0`), so
/// they are refused with the option's name instead of running to no purpose.
fn at_least(min: usize) -> impl Fn(&str) -> Result<usize, String> + Clone + Send + Sync + 'static {
    move |value| match value.trim().parse::<usize>() {
        Ok(n) if n >= min => Ok(n),
        Ok(_) => Err(format!("must be at least {min}")),
        Err(_) => Err(format!("expected a whole number of at least {min}")),
    }
}

/// The texts `cluster` and `assign` read, and their dates for trends.
#[derive(clap::Args)]
struct SourceArgs {
    /// A .txt (one text per line) or .csv file; default stdin.
    #[arg(long)]
    input: Option<PathBuf>,
    /// The CSV column holding the texts.
    #[arg(long, default_value = "text")]
    column: String,
    /// The CSV column holding each text's date (YYYY-MM-DD): counts topics per period.
    #[arg(long)]
    date_column: Option<String>,
    /// day | week (from Monday) | month
    #[arg(long, default_value = "week")]
    period: String,
    /// Write the topic sizes and sentiment per period to this CSV.
    #[arg(long)]
    trends: Option<PathBuf>,
}

impl SourceArgs {
    fn source(&self) -> topics::TextSource<'_> {
        topics::TextSource {
            input: self.input.as_deref(),
            column: &self.column,
            date_column: self.date_column.as_deref(),
            period: &self.period,
            trends: self.trends.as_deref(),
        }
    }
}

/// The task commands' `--prefix`.
#[derive(clap::Args)]
struct PrefixArg {
    /// Text put before every input (default: the model's own query prefix,
    /// e.g. "query: " for e5; pass "" for none).
    #[arg(long)]
    prefix: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Embed one text per stdin line; print one JSON array per line.
    ///
    /// Bytes that are not UTF-8 are read as U+FFFD, with one warning naming
    /// their lines.
    Embed {
        /// A nunchi GGUF file or a Hugging Face model folder.
        #[arg(long)]
        model: String,
        /// mean | cls | none (default: the model's own, usually mean).
        #[arg(long)]
        pooling: Option<String>,
        /// Do not L2-normalize the embeddings.
        #[arg(long)]
        no_normalize: bool,
        /// Weight format when MODEL is a folder (quantized on load).
        #[arg(long, default_value = "q8_0")]
        quant: String,
        /// Texts per forward pass (at least 1).
        #[arg(long, default_value_t = 32, value_parser = at_least(1))]
        batch_size: usize,
    },
    /// Generate a completion of PROMPT, streamed to stdout.
    // Negative numbers are values here, so `--temperature -1` reaches the sampler's check.
    #[command(allow_negative_numbers = true)]
    Generate {
        #[arg(long)]
        model: String,
        /// Stop after this many new tokens (at least 1).
        #[arg(long, default_value_t = 32, value_parser = at_least(1))]
        max_new_tokens: usize,
        /// Sampling temperature, ≥ 0; 0 = greedy.
        #[arg(long, default_value_t = 0.0)]
        temperature: f32,
        /// Sample from the k most likely tokens; 0 = no limit.
        #[arg(long, default_value_t = 0)]
        top_k: usize,
        /// Nucleus sampling: the smallest set of tokens with this much probability, in (0, 1].
        #[arg(long, default_value_t = 1.0)]
        top_p: f32,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long, default_value = "q8_0")]
        quant: String,
        prompt: String,
    },
    /// Log-probability of each candidate completion of a prompt, as JSON.
    Score {
        #[arg(long)]
        model: String,
        #[arg(long)]
        prompt: String,
        /// Comma-separated candidates, e.g. "positive,negative".
        #[arg(long)]
        candidates: String,
        #[arg(long, default_value = "q8_0")]
        quant: String,
    },
    /// Convert a Hugging Face folder to one self-contained nunchi GGUF file.
    Convert {
        #[arg(long)]
        from: String,
        /// f32 | f16 | q8_0 | q4_0 | q4k
        #[arg(long)]
        quant: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Print what a model file holds.
    Info {
        #[arg(long)]
        model: String,
        #[arg(long, default_value = "q8_0")]
        quant: String,
    },
    /// Classify texts (one per line, or a CSV column) into labels; writes CSV.
    ///
    /// Bytes that are not UTF-8 are read as U+FFFD, with one warning naming
    /// their lines.
    Classify {
        /// The encoder (zero-shot, head), text-to-text model (prompt) or
        /// fine-tuned classification model (model).
        #[arg(long)]
        model: String,
        /// zero-shot | prompt | head | model (a fine-tuned model's own labels)
        #[arg(long, default_value = "zero-shot")]
        method: String,
        /// Comma-separated labels, e.g. "positive,negative" (zero-shot, prompt).
        #[arg(long)]
        labels: Option<String>,
        /// Zero-shot: what each label means, separated by '|', each named
        /// LABEL=DESCRIPTION, e.g. "positive=A very positive review|negative=A
        /// very negative review"; or one per label in the order of --labels
        /// (default: the labels).
        #[arg(long)]
        descriptions: Option<String>,
        /// Prompt: the template, with {text} where the text goes.
        #[arg(long)]
        template: Option<String>,
        /// Head: a classifier saved by `nunchi train`.
        #[arg(long)]
        head: Option<PathBuf>,
        /// A .txt (one text per line) or .csv file; default stdin.
        #[arg(long)]
        input: Option<PathBuf>,
        /// The CSV column holding the texts.
        #[arg(long, default_value = "text")]
        column: String,
        /// Where the CSV goes; default stdout.
        #[arg(long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        prefix: PrefixArg,
        #[arg(long, default_value = "q8_0")]
        quant: String,
    },
    /// Train a few-shot classifier head on a labelled CSV and save it as JSON.
    Train {
        #[arg(long)]
        model: String,
        #[arg(long)]
        input: PathBuf,
        #[arg(long, default_value = "text")]
        text_column: String,
        #[arg(long, default_value = "label")]
        label_column: String,
        /// logistic | nearest-centroid
        #[arg(long, default_value = "logistic")]
        head: String,
        /// k-fold cross-validation before training on everything: 0 = skip,
        /// else at least 2, and no more than the texts of the rarest label.
        #[arg(long, default_value_t = 5)]
        folds: usize,
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        prefix: PrefixArg,
        #[arg(long, default_value = "q8_0")]
        quant: String,
        /// Fine-tune the encoder on the labels first, SetFit's way, and save it
        /// here as GGUF (in --quant); the head is then trained on its embeddings.
        /// Needs float or q8_0 weights (a Hugging Face folder or URL, or an f32 or q8_0 GGUF).
        #[arg(long)]
        finetune: Option<PathBuf>,
        /// Fine-tuning: positive and negative pairs per text (SetFit's num_iterations).
        #[arg(long, default_value_t = 20, value_parser = at_least(1))]
        iterations: usize,
    },
    /// Cluster texts into topics with keywords and sentiment (and titles
    /// with --t5); save the topics to place new texts in them later.
    Cluster {
        /// The encoder.
        #[arg(long)]
        model: String,
        /// A text-to-text model to title each cluster.
        #[arg(long)]
        t5: Option<String>,
        /// The number of clusters, at least 1 (default: chosen by silhouette in 2..=k-max).
        #[arg(long, value_parser = at_least(1))]
        k: Option<usize>,
        /// The largest k the silhouette search tries (at least 2).
        #[arg(long, default_value_t = 10, value_parser = at_least(2))]
        k_max: usize,
        #[command(flatten)]
        source: SourceArgs,
        /// json | csv
        #[arg(long, default_value = "json")]
        format: String,
        #[arg(long)]
        output: Option<PathBuf>,
        /// Save the topics (JSON) for `nunchi assign`.
        #[arg(long)]
        save: Option<PathBuf>,
        /// Skip the zero-shot sentiment of each topic.
        #[arg(long)]
        no_sentiment: bool,
        #[command(flatten)]
        prefix: PrefixArg,
        #[arg(long, default_value = "q8_0")]
        quant: String,
    },
    /// Put new texts into topics saved by `cluster --save`: a CSV of text,
    /// topic, name, distance and whether the text is new (unlike every topic).
    Assign {
        /// The encoder the topics were made with.
        #[arg(long)]
        model: String,
        /// The saved topics.
        #[arg(long)]
        topics: PathBuf,
        #[command(flatten)]
        source: SourceArgs,
        /// Widen (> 1) or narrow (< 1) how far from a topic a text may lie
        /// before it counts as new, against the farthest text the topic was
        /// made from (default 1.1).
        #[arg(long)]
        radius_scale: Option<f32>,
        #[arg(long)]
        output: Option<PathBuf>,
        /// Skip the zero-shot sentiment in the trends.
        #[arg(long)]
        no_sentiment: bool,
        #[arg(long, default_value = "q8_0")]
        quant: String,
    },
    /// How well clustering recovers a labelled dataset's labels (ARI, NMI),
    /// with k given and k chosen by silhouette: a built-in dataset's test
    /// split, or every row of a labelled CSV (columns text and label).
    EvalTopics {
        #[arg(long)]
        model: String,
        /// mr | banking77 | nsmc, or a labelled .csv file of your own
        #[arg(long)]
        dataset: String,
        /// The folder holding mr_polarity/, banking77/, nsmc/.
        #[arg(long, default_value = "../shared/data")]
        data: PathBuf,
        /// The ks the silhouette chooses among, LO:HI:STEP (default: from a
        /// quarter to one and a half times the number of labels).
        #[arg(long)]
        k_range: Option<String>,
        /// Also write the results as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
        #[command(flatten)]
        prefix: PrefixArg,
        #[arg(long, default_value = "q8_0")]
        quant: String,
    },
    /// Evaluate every classification method on a labelled dataset.
    Eval {
        #[arg(long)]
        model: String,
        /// A text-to-text model for the prompt method.
        #[arg(long)]
        t5: Option<String>,
        /// mr | banking77 | nsmc, or a labelled .csv file of your own (columns
        /// text and label, optionally split = train | test; without it every
        /// 10th row is test)
        #[arg(long)]
        dataset: String,
        /// The folder holding mr_polarity/, banking77/, nsmc/.
        #[arg(long, default_value = "../shared/data")]
        data: PathBuf,
        /// Comma-separated: zero-shot, prompt, head-N (N per label), head-full,
        /// setfit-N (the encoder fine-tuned on head-N's sample, then its head;
        /// needs float or q8_0 weights), model (--model is a fine-tuned classification model).
        #[arg(long)]
        methods: Option<String>,
        /// The model method: which dataset label each model label stands for,
        /// e.g. "POSITIVE=positive,NEGATIVE=negative" (default: the same
        /// names, ignoring case); a model label left out counts as a miss.
        #[arg(long)]
        label_map: Option<String>,
        /// Evaluate on a seeded sample of this many test texts per label (at least 1).
        #[arg(long, value_parser = at_least(1))]
        test_per_label: Option<usize>,
        /// Cap the training texts per label (for head-full; at least 1).
        #[arg(long, value_parser = at_least(1))]
        train_per_label: Option<usize>,
        /// Zero-shot label descriptions, separated by '|', each named
        /// LABEL=DESCRIPTION, e.g. "negative=A bad review|positive=A good
        /// review" (default: the dataset's English template). A built-in
        /// dataset, whose label order is fixed, also takes one per label in
        /// that order; a CSV's labels must be named.
        #[arg(long)]
        descriptions: Option<String>,
        /// Also write the results as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
        #[command(flatten)]
        prefix: PrefixArg,
        #[arg(long, default_value = "q8_0")]
        quant: String,
        /// setfit-N: positive and negative pairs per text (SetFit's num_iterations).
        #[arg(long, default_value_t = 20, value_parser = at_least(1))]
        iterations: usize,
    },
    /// Measure speed, load time and memory for f32, q8_0 and q4 models.
    Bench(bench::BenchArgs),
    /// (internal) one benchmark in a fresh process, so peak memory is its own.
    #[command(hide = true)]
    BenchOne(bench::BenchOneArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Embed { model, pooling, no_normalize, quant, batch_size } => {
            commands::embed(&model, pooling.as_deref(), no_normalize, &quant, batch_size)
        }
        Command::Generate { model, max_new_tokens, temperature, top_k, top_p, seed, quant, prompt } => {
            commands::generate(&model, &quant, &prompt, max_new_tokens, temperature, top_k, top_p, seed)
        }
        Command::Score { model, prompt, candidates, quant } => commands::score(&model, &quant, &prompt, &candidates),
        Command::Convert { from, quant, out } => commands::convert(&from, &quant, &out),
        Command::Info { model, quant } => commands::info(&model, &quant),
        Command::Classify { model, method, labels, descriptions, template, head, input, column, output, prefix, quant } => {
            tasks::classify(tasks::ClassifyArgs {
                model: &model,
                quant: &quant,
                method: &method,
                labels: labels.as_deref(),
                descriptions: descriptions.as_deref(),
                template: template.as_deref(),
                head: head.as_deref(),
                input: input.as_deref(),
                column: &column,
                output: output.as_deref(),
                prefix: prefix.prefix.as_deref(),
            })
        }
        Command::Train { model, input, text_column, label_column, head, folds, out, prefix, quant, finetune, iterations } => {
            tasks::train(tasks::TrainArgs {
                finetune: finetune.as_deref(),
                iterations,
                model: &model,
                quant: &quant,
                input: &input,
                text_column: &text_column,
                label_column: &label_column,
                head: &head,
                folds,
                out: &out,
                prefix: prefix.prefix.as_deref(),
            })
        }
        Command::Cluster { model, t5, k, k_max, source, format, output, save, no_sentiment, prefix, quant } => {
            topics::cluster_texts(topics::ClusterArgs {
                model: &model,
                quant: &quant,
                t5: t5.as_deref(),
                k,
                k_max,
                source: source.source(),
                format: &format,
                output: output.as_deref(),
                prefix: prefix.prefix.as_deref(),
                sentiment: !no_sentiment,
                save: save.as_deref(),
            })
        }
        Command::Assign { model, topics, source, radius_scale, output, no_sentiment, quant } => {
            topics::assign_texts(topics::AssignArgs {
                model: &model,
                quant: &quant,
                topics: &topics,
                source: source.source(),
                radius_scale,
                output: output.as_deref(),
                sentiment: !no_sentiment,
            })
        }
        Command::Eval {
            model,
            t5,
            dataset,
            data,
            methods,
            label_map,
            test_per_label,
            train_per_label,
            descriptions,
            json,
            prefix,
            quant,
            iterations,
        } => eval::eval(eval::EvalArgs {
            iterations,
            model: &model,
            quant: &quant,
            t5: t5.as_deref(),
            dataset: &dataset,
            data: &data,
            methods: methods.as_deref(),
            label_map: label_map.as_deref(),
            test_per_label,
            train_per_label,
            json: json.as_deref(),
            prefix: prefix.prefix.as_deref(),
            descriptions: descriptions.as_deref(),
        }),
        Command::EvalTopics { model, dataset, data, k_range, json, prefix, quant } => {
            eval_topics::eval_topics(eval_topics::EvalTopicsArgs {
                model: &model,
                quant: &quant,
                dataset: &dataset,
                data: &data,
                k_range: k_range.as_deref(),
                prefix: prefix.prefix.as_deref(),
                json: json.as_deref(),
            })
        }
        Command::Bench(args) => bench::run(args),
        Command::BenchOne(args) => bench::run_one(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nunchi: error[{}]: {e}", e.code());
            ExitCode::FAILURE
        }
    }
}
