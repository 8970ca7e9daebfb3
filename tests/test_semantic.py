"""The semantic layers on their own: imports and adapters, pipelines and data roles, constants."""
import textwrap

import libcst as cst
import pytest

from skewlint.adapters import canonical, has_role
from skewlint.semantic.model import build
from skewlint.semantic.normalization import Constants, extract, same


def model_of(source):
    return build(cst.parse_module(textwrap.dedent(source)), "example.py")


def test_imports_and_aliases():
    model = model_of("""
        import tensorflow as tf
        from tensorflow.keras.preprocessing.image import ImageDataGenerator as IDG
        import torchvision.transforms.v2 as T
        from pytorch_lightning import LightningModule
    """)
    assert model.imports.qualify(cst.parse_expression("IDG")) == "keras.legacy.preprocessing.image.ImageDataGenerator"
    assert model.imports.qualify(cst.parse_expression("tf.keras.layers.RandomFlip")) == "keras.layers.RandomFlip"
    assert model.imports.qualify(cst.parse_expression("T.RandomCrop")) == "torchvision.transforms.v2.RandomCrop"
    assert model.imports.qualify(cst.parse_expression("LightningModule")) == "lightning.pytorch.LightningModule"
    assert canonical("tensorflow.keras.layers.experimental.preprocessing.RandomZoom") == "keras.layers.RandomZoom"
    assert has_role("torchvision.transforms.RandAugment", "random-transform")
    assert not has_role("torchvision.transforms.CenterCrop", "random-transform")


@pytest.mark.parametrize("expression, expected", [
    ("(0.5,) * 3", (0.5, 0.5, 0.5)),
    ("[0.485, 0.456, 0.406]", (0.485, 0.456, 0.406)),
    ("np.array([123.675, 116.28, 103.53]) / 255", (0.485, 0.456, 0.406)),
    ("MEAN", (0.1, 0.2, 0.3)),
    ("torch.tensor(MEAN)", (0.1, 0.2, 0.3)),
    ("(x, 0.2)", None),
])
def test_constants_resolve_numerically(expression, expected):
    model = model_of("MEAN = (0.1, 0.2, 0.3)\n")
    found = Constants(model).numbers(cst.parse_expression(expression))
    assert (found is None) if expected is None else same(found, expected)


def test_same_broadcasts_one_channel():
    assert same((0.5,), (0.5, 0.5, 0.5))
    assert not same((0.5, 0.5, 0.5), (0.5, 0.5, 0.4))


def test_pipelines_and_roles():
    model = model_of("""
        import albumentations as A
        import torchvision.transforms as T
        from functools import partial
        from timm.data import create_transform
        aug = T.Compose([T.RandomApply([T.ColorJitter(0.4)], p=0.8), T.ToTensor()])
        plain = T.Compose([T.Resize(256), T.ToTensor()])
        albu = A.Compose([A.Resize(64, 64), A.RandomCrop(32, 32, p=1.0), A.HorizontalFlip(p=1.0), A.Normalize()])
        albu_eval = A.Compose([A.Resize(64, 64), A.Normalize(p=1.0)])
        factory = partial(create_transform, 224)
        tfs = {"train": aug, "test": plain}
        val_loader = DataLoader(CIFAR10("data", train=False))
        train_loader = DataLoader(CIFAR10("data"))
    """)
    pipes = model.pipelines

    def of(code):
        return pipes.of(cst.parse_expression(code))

    assert of("aug").random_steps == ("RandomApply",)
    assert of("plain").random_steps == ()
    assert of("albu").random_steps == ("RandomCrop(p=1)",)  # a flip that always applies is no longer random
    assert of("albu_eval").random_steps == ()
    assert of('tfs["train"]').augments and not of('tfs["test"]').augments
    assert of("create_transform(224, is_training=True)").augments
    assert not of("create_transform(224, is_training=False)").augments
    assert pipes.role(cst.parse_expression("val_loader"))[0] == "eval"
    assert pipes.role(cst.parse_expression('CIFAR10("data", train=False)'))[0] == "eval"
    assert pipes.role(cst.parse_expression('ImageFolder("data/valid")'))[0] == "eval"
    assert pipes.role(cst.parse_expression("train_loader"))[0] == "train"


def test_normalization_roles():
    model = model_of("""
        import torchvision.transforms as T
        train_tf = T.Compose([T.ToTensor(), T.Normalize((0.5,) * 3, (0.5,) * 3)])
        transforms = {"val": T.Compose([T.ToTensor(), T.Normalize([0.4] * 3, [0.2] * 3)])}
        def predict(x):
            return T.Normalize((0.1,), (0.3,))(x)
    """)
    roles = sorted((n.role, n.mean) for n in extract(model))
    assert roles == [("eval", (0.1,)), ("eval", (0.4, 0.4, 0.4)), ("train", (0.5, 0.5, 0.5))]
    assert all(n.after_to_tensor for n in extract(model) if n.role == "train")


def test_a_message_names_the_same_evidence_on_every_run():
    """A model set to train mode at two places: facts are a set ordered by node identity, which
    changes from parse to parse; the message must name the first switch in the source, always."""
    from skewlint.run.engine import lint_text

    text = (
        "import torch\n"
        "model = torch.hub.load('x', 'y')\n"
        "opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
        "if a:\n"
        "    model.train()\n"
        "else:\n"
        "    model.train()\n"
        "with torch.no_grad():\n"
        "    for x in val_loader:\n"
        "        model(x)\n"
    )
    messages = {d.message for _ in range(20) for d in lint_text(text, "t.py", frozenset({"SKW101"})).diagnostics}
    assert len(messages) == 1 and "from line 5 " in messages.pop()


def test_parsing_without_node_checks_leaves_them_on_for_everything_else():
    """The engine parses without libcst's per-node validation (the parser builds valid nodes); nodes
    built afterwards (a fix) are still validated, and a syntax error is still one."""
    import libcst as cst
    import pytest as _pytest

    from skewlint.run.engine import _parse, lint_text

    module = _parse("import torch\nmodel.eval()\n")
    assert module.code == "import torch\nmodel.eval()\n"
    with _pytest.raises(cst.CSTValidationError):
        cst.Name("two words")
    (diagnostic,) = lint_text("import torch\nx = (\n", "t.py", frozenset({"SKW999"})).diagnostics
    assert diagnostic.code == "SKW999"
    with _pytest.raises(cst.CSTValidationError):
        cst.Name("two words")


def test_skw201_names_the_legacy_volatile_flag_only_where_it_is_used():
    from helpers import lint

    legacy, modern = (lint(f"""
        import torch
        from torch.autograd import Variable

        def validate(net, valid_data):
            net.eval()
            for im, label in valid_data:
                out = net({wrap})
        """) for wrap in ("Variable(im, volatile=True)", "im"))
    assert [d.code for d in legacy] == [d.code for d in modern] == ["SKW201"]
    assert "volatile=True" in legacy[0].message and "volatile" not in modern[0].message


@pytest.mark.parametrize("code", [
    '"a"', "'a'", '""', "''", '"""a\n b"""', "'''x'''", '""""""', '"a\\nb"', "r'\\d+'", "b'x'", "u'x'",
    "f'{x}'", '"é"', "'it''s'", "0", "7", "10_000", "0x1F", "0o7", "0b1", "00", "1e3", "2.5", "3j",
])
def test_literal_values_are_libcsts_own(code):
    node = cst.parse_expression(code)
    if not hasattr(node, "evaluated_value"):
        return  # an f-string: no literal
    from skewlint.semantic.names import literal

    assert literal(node) == node.evaluated_value and type(literal(node)) is type(node.evaluated_value)
