"""Every word skewlint reads in a name: the weakest evidence it uses, kept in one place.

Names are read only where the code holds nothing better (see ARCHITECTURE.md, "Names"). Each list
says what evidence it stands in for and which way it may move a decision:
- toward silence: a name can only take a finding away (the default for new lists);
- toward reporting: a name is a weak context that a rule may accept, and rules that need more
  check `Context.by_name` (only the evaluation-function and evaluation-data words do this).
A word added for one repository's false positive is debt: fix the evidence instead.

Names are split into lower-case tokens first (`semantic.names.tokens`: `valLoader` -> val, loader).
"""

# -- Which code evaluates ---------------------------------------------------------------------------

# A function named for evaluation (`evaluate`, `val_epoch`) is an evaluation context when nothing
# structural says otherwise. Toward reporting (a `by_name` context).
EVAL_FUNCTION_WORDS = frozenset(
    {"eval", "evaluate", "evaluation", "val", "valid", "validate", "validation", "test", "testing",
     "predict", "prediction", "infer", "inference", "score", "benchmark", "demo"}
)
# The subset that names evaluation beyond doubt; `test`, `demo`, `score` and `benchmark` also name
# smoke tests and demos that train. Toward silence: SKW203 stays quiet in functions not named so.
STRONG_EVAL_WORDS = frozenset({"eval", "evaluate", "evaluation", "val", "validate", "validation", "infer",
                               "inference", "predict", "prediction"})
# Data named for evaluation (`val_loader`, `X_test`) when no `train=False`/`split=` says it.
# Toward reporting (a `by_name` context); a name that also says `train` is not evaluation data.
EVAL_DATA_WORDS = frozenset({"val", "valid", "validation", "test", "testing", "eval", "evaluation", "dev",
                             "holdout"})
# `testloader`, `valset`: an evaluation or training word glued to one of these is still data.
DATA_SUFFIXES = ("loader", "loaders", "dl", "ds", "set", "data", "dataset", "gen", "generator", "iter",
                 "batches", "split", "queue")
# Keyword arguments whose string value names a split (`split="val"`); read with EVAL_DATA_WORDS.
SPLIT_KEYWORDS = ("split", "subset", "mode", "phase", "image_set", "stage")

# -- Which code trains ------------------------------------------------------------------------------

# A split or a loop's data named for training (`train_loader`, `split="trn"`). Toward silence for
# evaluation findings; also chooses the training side when pairing pipelines or constants.
TRAIN_WORDS = frozenset({"train", "training", "trn"})
# Parameters that switch a builder between training and evaluation variants (`get_transform(train)`).
TRAIN_FLAGS = ("train", "training", "is_training", "train_mode", "augment", "is_train")
# A function whose name also says it trains or adapts is not an evaluation (`train_and_validate`,
# test-time adaptation). Toward silence.
TRAINING_WORDS = frozenset({"train", "training", "fit", "adapt", "adaptation", "tta", "tent", "finetune",
                            "update", "step", "optimize", "learn"})
# Functions that run a model in train mode on purpose (BatchNorm recalibration, EMA). Toward silence.
CALIBRATION_WORDS = frozenset({"bn", "batchnorm", "ema", "teacher", "momentum", "swa", "precise"})
CALIBRATION_FRAGMENTS = ("calibrat", "update_bn")
# Receivers whose `.step()` is an optimizer step (`optim`-prefixed names too), and those whose
# `.step()` is not (schedulers, environments). Both toward silence: a step that is not proven an
# optimizer's does not make a function a training step, and never trains by name alone.
OPTIMIZER_WORDS = ("opt", "optimizer", "scaler", "trainer")
NOT_OPTIMIZER_WORDS = frozenset({"scheduler", "sched", "lr", "warmup", "env", "environment", "sim"})
# Optimizers recognised in a constructor's name (`AdamW(model.parameters())`), to know which models
# a script trains. Toward silence (a trained model's later evaluation is judged by its own calls).
OPTIMIZER_NAME_PATTERN = "optim|sgd|adam|rmsprop|adagrad|lamb|lion|lars|adafactor"

# -- What a value is --------------------------------------------------------------------------------

# Name tokens that say "this is a network", used only where the value's construction is out of
# sight (a parameter, `self.<attr>` built elsewhere). Toward reporting only together with a forward
# or mode call on it.
MODEL_WORDS = frozenset({"model", "net", "network", "module", "classifier", "encoder", "decoder", "backbone",
                         "generator", "discriminator", "teacher", "student", "policy", "critic", "actor",
                         "detector", "segmenter", "transformer", "unet", "resnet", "vit", "bert", "gpt",
                         "llm", "head"})
# Attributes that hold no network even when called (`self.loss(...)`). Toward silence.
NOT_MODEL_WORDS = frozenset({"loss", "criterion", "metric", "metrics", "accuracy", "optimizer", "scheduler"})
# Copies kept in train mode or updated on purpose (EMA, teacher, RL target networks). Toward silence.
MANAGED_COPY_WORDS = frozenset({"ema", "teacher", "target", "momentum", "swa", "averaged", "shadow"})
# Calls that may receive a model without changing its mode (builtins, logging, saving, counting).
# Toward silence: handing a model to one of them is not handing it to code that may switch modes.
MODE_KEEPING_CALLS = frozenset(
    {"print", "len", "isinstance", "issubclass", "type", "id", "str", "repr", "hasattr", "getattr", "vars",
     "format", "callable", "super", "dir", "hash", "sorted", "list", "tuple", "dict", "set", "enumerate", "zip",
     "deepcopy", "copy", "save", "info", "debug", "warning", "log", "write", "append", "watch", "summary",
     "count_parameters", "numel", "parameters_to_vector", "isfunction", "prepare"}
)

# -- Pipelines and preprocessing --------------------------------------------------------------------

# Keyword arguments that take a transform (`ImageFolder(root, transform=...)`).
TRANSFORM_KEYWORDS = ("transform", "transforms")
# Callables named for data preparation (SKW303): a `train=True` passed to one of them in evaluation
# selects the training variant of data. Toward reporting, for callables no adapter role describes.
PIPELINE_WORDS = frozenset({"transform", "transforms", "preprocess", "preprocessing", "augment",
                            "augmentation", "aug", "augs", "pipeline", "dataset", "datasets", "loader",
                            "dataloader", "tf", "tfm", "tfms", "generator", "data", "collate"})
# A function of the file named for preprocessing counts as a step its inputs went through (SKW406:
# training inputs through `preprocess(X)`, predicted inputs not). Toward reporting, and only between
# the two sides of one split (SPLIT_WORDS).
PREPROCESSING_WORDS = frozenset({"preprocess", "preprocessing", "normalize", "normalise", "standardize", "scale",
                                 "clean", "encode", "featurize", "features", "vectorize", "tokenize", "transform",
                                 "prepare", "rescale"})
# Words that name a split, dropped when pairing `X_train` with `X_test` (the rest must match).
SPLIT_WORDS = frozenset({"train", "training", "test", "testing", "val", "valid", "validation", "eval", "holdout",
                         "dev", "tr", "te"})
