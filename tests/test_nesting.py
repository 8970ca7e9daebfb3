"""The nesting guard's scan: the test of a token's first character changes no token."""
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import FIXTURES
from skewlint.run import nesting

ALONE = re.compile(nesting._TOKEN, re.VERBOSE | re.DOTALL)  # the alternatives, without the test
TRICKY = ["'''", "f'{x'", "\\\n(", "rb'x' u\"y\" Fr'''z'''", "a.not.b", "x = 1 # (((", "\r\n\tif a:\r\n",
          "lambda x: (not a) and b or c in d is e", "yield [{1: -x ** ~y @ z % w ^ v | u & t}]"]


def test_the_first_character_test_changes_no_token():
    for path in sorted(FIXTURES.rglob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        assert nesting._TOKENS.findall(text) == ALONE.findall(text), path
    for text in TRICKY:
        assert nesting._TOKENS.findall(text) == ALONE.findall(text), text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="#'\"\\\r\n\t ()[]{},.-+*/%~<>&|^@=:fFrRbBuUtTnotlambdaifawaityieldxz0_é", max_size=60))
def test_the_first_character_test_changes_no_token_of_any_text(text):
    assert nesting._TOKENS.findall(text) == ALONE.findall(text)
