"""Message templates rendered on real findings: the names in a message are the names the code
wrote at that line, and the methods it advises exist on that object."""
from helpers import FIXTURES, lint
from skewlint.run import project
from skewlint.run.engine import lint_text
from skewlint.registry import registry


def _only(source, code):
    found = [d for d in lint(source) if d.code == code]
    assert len(found) == 1, [(d.code, d.message) for d in lint(source)]
    return found[0]


def test_skw101_names_the_construction_and_its_line():
    found = _only("""
        import torch
        import torchvision

        model = torchvision.models.resnet18()
        model.load_state_dict(torch.load("w.pt"))
        print(model(torch.randn(1, 3, 224, 224)))
    """, "SKW101")
    assert ("may still be in training mode: the training mode from line 5 "
            "(`torchvision.models.resnet18(...)` builds it) reaches this call; call `model.eval()` first") in found.message
    assert found.related[0][0].row == 5


def test_skw101_through_an_evaluation_function_names_the_train_call():
    found = _only("""
        import torch
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)

        def evaluate(net, loader):
            with torch.no_grad():
                for x, y in loader:
                    print(net(x))

        for epoch in range(3):
            model.train()
            for x, y in train_loader:
                opt.zero_grad()
                model(x).sum().backward()
                opt.step()
            evaluate(model, val_loader)
    """, "SKW101")
    assert found.message.startswith("`evaluate()` evaluates `model` ")
    assert "the training mode from line 14 (`model.train()`) reaches this call" in found.message


def test_skw102_names_the_eval_call_and_its_line():
    found = _only("""
        import torch
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for epoch in range(3):
            for x, y in train_loader:
                opt.zero_grad()
                model(x).sum().backward()
                opt.step()
            model.eval()
            with torch.no_grad():
                for x, y in val_loader:
                    print(model(x))
    """, "SKW102")
    assert ("may still be in eval mode when the training step runs: the eval mode from line 12 "
            "(`model.eval()`) is never switched back; call `model.train()` before training") in found.message


def test_skw103_quotes_a_receiver_that_is_not_a_name():
    found = _only("""
        import torch
        models = [torch.hub.load("x", "y")]
        models[0].eval
    """, "SKW103")
    assert found.message.startswith("`models[0].eval` is not called")
    assert "write `models[0].eval()`" in found.message


def test_skw301_quotes_a_generator_built_in_place():
    found = _only("""
        from tensorflow import keras
        from tensorflow.keras.preprocessing.image import ImageDataGenerator
        model = keras.models.load_model("m.h5")
        val_gen = ImageDataGenerator(rotation_range=20).flow(x_val, y_val)
        model.evaluate(val_gen)
    """, "SKW301")
    assert found.message.startswith("`ImageDataGenerator(rotation_range=20)` applies random augmentation")


def test_skw404_advises_methods_keras_objects_have():
    source = """
        from tensorflow import keras
        from tensorflow.keras.preprocessing.text import Tokenizer
        tokenizer = Tokenizer()
        tokenizer.fit_on_texts(texts_test)
        normalizer = keras.layers.Normalization()
        normalizer.adapt(x_val)
    """
    messages = [d.message for d in lint(source) if d.code == "SKW404"]
    assert messages == [
        "`tokenizer.fit_on_texts()` learns from evaluation data `texts_test`: fit preprocessors on the "
        "training data only and use `tokenizer.texts_to_sequences()` on evaluation data",
        "`normalizer.adapt()` learns from evaluation data `x_val`: fit preprocessors on the training data "
        "only and use the layer itself (`normalizer(x)`) on evaluation data",
    ]


def test_skw405_names_the_call_the_training_inputs_went_through():
    found = _only("""
        from sklearn.preprocessing import StandardScaler
        from sklearn.linear_model import LogisticRegression
        scaler = StandardScaler()
        X_train = scaler.fit_transform(X_train)
        clf = LogisticRegression()
        clf.fit(X_train, y_train)
        pred = clf.predict(X_test)
    """, "SKW405")
    assert found.message.startswith(
        "the training inputs of `clf.fit()` (line 7) go through `scaler.fit_transform()`, but the inputs of "
        "`clf.predict()` do not")


def test_skw405_names_a_tokenizers_own_method():
    found = _only("""
        from tensorflow import keras
        from tensorflow.keras.preprocessing.text import Tokenizer
        tokenizer = Tokenizer()
        tokenizer.fit_on_texts(texts_train)
        x_train_seq = tokenizer.texts_to_sequences(texts_train)
        model = keras.Sequential()
        model.fit(x_train_seq, y_train)
        model.predict(texts_test)
    """, "SKW405")
    assert "go through `tokenizer.texts_to_sequences()`, but" in found.message


def _skw402(files, declared=None):
    enabled = registry().select([{"select": ["SKW402"]}])
    results = [lint_text(text, name, enabled) for name, text in files.items()]
    project.check(results, lambda path: declared)
    return [d.message for r in results for d in r.diagnostics]


def test_skw402_against_declared_constants():
    predict = (FIXTURES / "parity" / "project_mismatch" / "predict.py").read_text(encoding="utf-8")
    [message] = _skw402({"predict.py": predict}, declared=((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)))
    assert message == ("normalizes with mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5) but "
                       "`[tool.skewlint.normalization]` in the configuration declares mean=(0.485, 0.456, 0.406), "
                       "std=(0.229, 0.224, 0.225); use the training constants")


def test_skw402_against_the_training_code_of_the_directory():
    folder = FIXTURES / "parity" / "project_mismatch"
    files = {f"app/{name}": (folder / name).read_text(encoding="utf-8") for name in ("train.py", "predict.py")}
    [message] = _skw402(files)
    assert "but the training code of this directory (`app/train.py` line 6) uses mean=(" in message
    assert " has mean=" not in message


def test_a_positional_shuffle_is_named_as_written():
    source = ("from torch.utils.data import DataLoader\nfrom torchvision.datasets import CIFAR10\n"
              "test_set = CIFAR10('data', train=False)\ntest_loader = DataLoader(test_set, 64, True)\n"
              "pairs = dict(zip(test_set.targets, predict(test_loader)))\n")
    [found] = [d for d in lint(source) if d.code == "SKW305"]
    assert found.message.startswith("`True` for `shuffle` (by position) on evaluation data")
