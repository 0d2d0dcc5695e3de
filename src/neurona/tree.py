r"""Nested structures of lists, tuples and dicts (Keras's ``keras.tree``): what a recurrent cell's
states, a layer's several outputs or a data set's (x, y) pairs are made of.

A structure is a leaf (anything that is not a list, tuple or dict; None is a leaf) or a list,
tuple (named tuples too) or dict of structures. Its leaves are read depth first, a dict's by
sorted key:

    flatten({"b": 1, "a": [2, (3, None)]}) = [2, 3, None, 1]
    pack_sequence_as(structure, flatten(structure)) has the values of structure
    map_structure(f, s_1, .., s_n): the structure of s_1 with f(leaf_1, .., leaf_n) at each leaf
"""
from __future__ import annotations

__all__ = ["flatten", "map_structure", "pack_sequence_as", "is_nested", "assert_same_structure"]


def is_nested(structure) -> bool:
    r"""Is ``structure`` a list, tuple or dict (and so not a leaf)?"""
    return isinstance(structure, (list, tuple, dict))


def _children(structure) -> list:
    if isinstance(structure, dict):
        return [structure[key] for key in sorted(structure)]
    return list(structure)


def _rebuild(structure, children):
    r"""A node of ``structure``'s type holding ``children`` (in ``_children``'s order)."""
    if isinstance(structure, dict):
        by_key = dict(zip(sorted(structure), children))
        return type(structure)((key, by_key[key]) for key in structure)
    if isinstance(structure, tuple) and hasattr(structure, "_fields"):
        return type(structure)(*children)            # a named tuple
    return type(structure)(children)


def flatten(structure) -> list:
    r"""The leaves of ``structure``, depth first (a dict's values by sorted key)."""
    if not is_nested(structure):
        return [structure]
    return [leaf for child in _children(structure) for leaf in flatten(child)]


def pack_sequence_as(structure, flat_sequence):
    r"""``flat_sequence``'s values in the nesting of ``structure`` (the inverse of ``flatten``)."""
    flat_sequence = list(flat_sequence)
    needed = len(flatten(structure))
    if len(flat_sequence) != needed:
        raise ValueError(f"pack_sequence_as: the structure holds {needed} leaves; flat_sequence has "
                         f"{len(flat_sequence)}.")
    leaves = iter(flat_sequence)

    def pack(node):
        if not is_nested(node):
            return next(leaves)
        return _rebuild(node, [pack(child) for child in _children(node)])

    return pack(structure)


def assert_same_structure(a, b, check_types: bool = True) -> None:
    r"""Raise ValueError unless ``a`` and ``b`` nest alike: the same node types (``check_types``),
    the same lengths, the same dict keys; leaves may differ."""
    if is_nested(a) != is_nested(b):
        raise ValueError(f"The structures differ: {a!r} is {'' if is_nested(a) else 'not '}nested, {b!r} is "
                         f"{'' if is_nested(b) else 'not '}.")
    if not is_nested(a):
        return
    if check_types and type(a) is not type(b):
        raise ValueError(f"The structures differ: a {type(a).__name__} where the other has a {type(b).__name__} "
                         f"({a!r} and {b!r}).")
    if isinstance(a, dict) and isinstance(b, dict) and sorted(a) != sorted(b):
        raise ValueError(f"The structures differ: dict keys {sorted(a)} and {sorted(b)}.")
    if len(a) != len(b):
        raise ValueError(f"The structures differ: {len(a)} items ({a!r}) and {len(b)} items ({b!r}).")
    for x, y in zip(_children(a), _children(b)):
        assert_same_structure(x, y, check_types)


def map_structure(func, *structures):
    r"""``func`` applied leaf by leaf to ``structures`` (which must nest alike), in the first one's nesting."""
    if not structures:
        raise TypeError("map_structure needs at least one structure after func.")
    for other in structures[1:]:
        assert_same_structure(structures[0], other)
    values = [func(*leaves) for leaves in zip(*(flatten(s) for s in structures))]
    return pack_sequence_as(structures[0], values)
