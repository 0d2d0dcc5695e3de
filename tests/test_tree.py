r"""neurona.tree against keras.tree (torch backend): flatten, pack_sequence_as, map_structure,
is_nested and assert_same_structure on lists, tuples, named tuples and dicts."""
import collections
import os

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

import neurona as nr                                   # noqa: E402

Pair = collections.namedtuple("Pair", "x y")
STRUCTURES = [5, None, [], [1, 2], (1, [2, 3]), {"b": 1, "a": [2, (3, None)]}, [{"z": 1, "y": (2,)}, 3],
              Pair(1, [2, {"k": 3}])]


@pytest.mark.parametrize("structure", STRUCTURES, ids=str)
def test_flatten_pack_and_map_as_keras(structure):
    flat = nr.tree.flatten(structure)
    assert flat == keras.tree.flatten(structure)
    values = [f"v{i}" for i in range(len(flat))]
    packed = nr.tree.pack_sequence_as(structure, values)
    assert packed == keras.tree.pack_sequence_as(structure, values)
    assert type(packed) is type(keras.tree.pack_sequence_as(structure, values))
    twice = nr.tree.map_structure(lambda v: None if v is None else v * 2, structure)
    assert twice == keras.tree.map_structure(lambda v: None if v is None else v * 2, structure)
    assert nr.tree.is_nested(structure) == keras.tree.is_nested(structure)


def test_map_structure_of_several_structures():
    a, b = {"p": [1, 2], "q": 3}, {"q": 30, "p": [10, 20]}
    assert nr.tree.map_structure(lambda u, v: u + v, a, b) == keras.tree.map_structure(lambda u, v: u + v, a, b)


@pytest.mark.parametrize("a, b", [([1, 2], [1, (2,)]), ([1, 2], (1, 2)), ([1, 2], [1]), ({"a": 1}, {"b": 1}),
                                  (1, [1])])
def test_different_structures_are_refused_as_keras(a, b):
    with pytest.raises(ValueError):
        keras.tree.assert_same_structure(a, b)
    with pytest.raises(ValueError, match="structures differ"):
        nr.tree.assert_same_structure(a, b)
    with pytest.raises(ValueError):
        nr.tree.map_structure(lambda u, v: u, a, b)


def test_same_structure_with_other_leaves_passes():
    nr.tree.assert_same_structure({"a": [1, (2, 3)]}, {"a": ["x", (None, 4)]})


def test_pack_sequence_as_names_the_counts():
    with pytest.raises(ValueError, match="holds 2 leaves; flat_sequence has 1"):
        nr.tree.pack_sequence_as([0, 0], [1])
