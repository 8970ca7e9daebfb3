"""Each diagnostic's range covers the smallest node that is the problem: the random element of a
pipeline, the argument that sets a flag, the mistyped constant; the whole call only when the call
itself is the problem (issue 18)."""
import textwrap

import pytest

from helpers import FIXTURES, lint
from skewlint.run.engine import lint_file
from skewlint.registry import registry

ENABLED = registry().select([{"select": ["ALL"]}])


def _highlighted(text: str, d) -> str:
    lines = text.splitlines()
    if d.location.row == d.end_location.row:
        return lines[d.location.row - 1][d.location.column - 1:d.end_location.column - 1]
    return "\n".join([lines[d.location.row - 1][d.location.column - 1:],
                      *lines[d.location.row:d.end_location.row - 1],
                      lines[d.end_location.row - 1][:d.end_location.column - 1]])


def test_random_element_of_a_multi_line_compose():
    source = textwrap.dedent("""\
        import torchvision
        import torchvision.transforms as T

        test_set = torchvision.datasets.CIFAR10(
            "data",
            train=False,
            transform=T.Compose([
                T.ToTensor(),
                T.RandomHorizontalFlip(),
            ]),
        )
    """)
    [found] = [d for d in lint(source) if d.code == "SKW301"]
    assert _highlighted(source, found) == "T.RandomHorizontalFlip()"
    # The message quotes the pipeline as balanced code, not its first line `T.Compose([`.
    assert found.message.startswith("`T.Compose([...])` applies random augmentation (`RandomHorizontalFlip`)")


@pytest.mark.parametrize("path, row, code, span", [
    ("model_mode/skw105_keras.py", 31, "SKW105", "training=True"),
    ("model_mode/skw105_flax.py", 32, "SKW105", "train=True"),
    ("model_mode/skw105_flax.py", 39, "SKW105", 'mutable=["batch_stats"]'),
    ("model_mode/skw105_keras.py", 36, "SKW105", "keras.backend.set_learning_phase(1)"),
    ("model_mode/skw106_functional_dropout.py", 17, "SKW106", "training=True"),
    ("model_mode/skw106_functional_dropout.py", 36, "SKW106", "dropout_p=self.dropout"),
    ("model_mode/skw106_functional_dropout.py", 41, "SKW106", "0.1"),  # dropout_p, positional
    ("fixes/skw106_training_follows_mode.py", 14, "SKW106", "F.dropout(x, 0.5)"),  # the call lacks `training`
    ("pipelines/skw303_train_flag_in_eval_preprocessing.py", 12, "SKW303", "is_training=True"),
    ("pipelines/skw303_train_flag_in_eval_preprocessing.py", 13, "SKW303", "train=True"),
    ("pipelines/skw304_305_eval_loaders.py", 12, "SKW304", "drop_last=True"),
    ("pipelines/skw304_305_eval_loaders.py", 29, "SKW304", "drop_remainder=True"),
    ("pipelines/skw304_loader_factory.py", 12, "SKW304", "drop_last=drop_last"),
    ("pipelines/skw304_305_eval_loaders.py", 13, "SKW305", "shuffle=True"),
    ("pipelines/skw304_305_eval_loaders.py", 14, "SKW305", "RandomSampler(test_set)"),
    ("fixes/skw305_shuffle_false.py", 6, "SKW305", "True"),  # shuffle, positional
    ("parity/skw403_suspicious_constants.py", 5, "SKW403", "0.465"),
    ("parity/skw403_suspicious_constants.py", 9, "SKW403", "0.3801"),
    ("parity/skw403_suspicious_constants.py", 8, "SKW403", "[123.675, 116.28, 103.53]"),
    ("parity/skw403_suspicious_constants.py", 6, "SKW403",  # both constants are wrong: the call
     "T.Normalize((0.229, 0.224, 0.225), (0.485, 0.456, 0.406))"),
])
def test_the_smallest_node_that_is_the_problem(path, row, code, span):
    text = (FIXTURES / path).read_text(encoding="utf-8")
    found = [d for d in lint_file(str(FIXTURES / path), ENABLED).diagnostics
             if d.code == code and d.location.row == row]
    assert found, f"no {code} at line {row}"
    assert _highlighted(text, found[0]) == span
