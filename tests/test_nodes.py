"""The breakdown tree (t5sym.model.nodes) on small trees whose numbers are worked out by hand."""

from __future__ import annotations

import pytest
import sympy

from t5sym.errors import NodeError, T5SymError
from t5sym.model.nodes import Node, Tree, group, placed, weight
from t5sym.model.roles import Role

W, G = Role.WEIGHT, Role.BLOCK

d, h, k, n_layers, vocab = sympy.symbols("d h k n_layers vocab", integer=True, positive=True)
#: d = 3, heads·d_kv = 2·5 = 10, 4 blocks, 7 rows of embedding
VALUES = {d: 3, h: 2, k: 5, n_layers: 4, vocab: 7}


def small_tree() -> Tree:
    """shared (7·3 = 21); enc: q (4 blocks of 10·3 = 120), norm (4 blocks of 3 = 12); final (3)."""
    return Tree(
        group(
            "",
            weight("shared", (vocab, d), "embedding", role=W),
            group(
                "enc",
                weight("enc.q", (h * k, d), "linear", repeat=n_layers, role=W),
                weight("enc.norm", (d,), "norm", repeat=n_layers, role=W),
                role=G,
            ),
            group("final", weight("final.norm", (d,), "norm", role=W), role=G),
            role=G,
        )
    )


def test_weight_is_repeat_times_the_product_of_its_shape() -> None:
    leaf = weight("w", (h * k, d), "linear", repeat=n_layers, doc="a weight", role=W)
    assert leaf.is_leaf and leaf.kind == "linear" and leaf.doc == "a weight"
    assert sympy.expand(leaf.expr - n_layers * h * k * d) == 0
    assert leaf.shape == (h * k, d) and leaf.repeat == n_layers
    number = weight("b", (2, 3), "norm", role=W)  # plain ints become SymPy integers
    assert number.expr == 6 and all(isinstance(x, sympy.Integer) for x in number.shape)
    assert number.repeat == 1


def test_group_drops_none_and_sums_its_children() -> None:
    a, b = weight("g.a", (d,), "norm", role=W), weight("g.b", (d, d), "linear", role=W)
    g = group("g", a, None, b, role=G)
    assert g.children == (a, b) and not g.is_leaf
    assert sympy.expand(g.expr - (d + d**2)) == 0
    assert group("empty", role=G).expr == 0


def test_node_names_walk_and_depths() -> None:
    tree = small_tree()
    assert tree["enc.q"].short == "q"
    assert [n.name for n in tree.root.walk()] == [
        "",
        "shared",
        "enc",
        "enc.q",
        "enc.norm",
        "final",
        "final.norm",
    ]
    assert [(depth, n.name) for depth, n in tree.root.depths()][:4] == [
        (0, ""),
        (1, "shared"),
        (1, "enc"),
        (2, "enc.q"),
    ]
    assert list(tree.nodes) == [n.name for n in tree] and "" not in tree.nodes


def test_evaluate_by_hand() -> None:
    assert small_tree().evaluate(VALUES) == {
        "": 21 + 120 + 12 + 3,
        "shared": 21,
        "enc": 132,
        "enc.q": 120,
        "enc.norm": 12,
        "final": 3,
        "final.norm": 3,
    }


def test_evaluate_is_exact_beyond_64_bits() -> None:
    big = 2**70 + 1
    tree = Tree(group("", weight("w", (d, d), "linear", repeat=n_layers, role=W), role=G))
    out = tree.evaluate({d: big, n_layers: 3})
    assert out["w"] == out[""] == 3 * big * big == 3 * 2**140 + 6 * 2**70 + 3
    assert type(out["w"]) is int  # not a float, not a SymPy number
    assert out["w"] > 2**64


def test_view_maps_leaves_and_drops_none() -> None:
    no_norms = small_tree().view(lambda leaf: None if leaf.kind == "norm" else 2 * leaf.expr)
    assert list(no_norms.nodes) == ["shared", "enc", "enc.q"]  # "final" held only a norm
    assert no_norms.evaluate(VALUES) == {"": 282, "shared": 42, "enc": 240, "enc.q": 240}
    q = no_norms["enc.q"]
    assert (q.shape, q.repeat, q.kind) == ((h * k, d), n_layers, "linear")
    nothing = small_tree().view(lambda leaf: None)
    assert nothing.nodes == {} and nothing.total == 0


def test_view_may_give_fractions_and_evaluate_refuses_a_non_integer() -> None:
    halves = small_tree().view(lambda leaf: leaf.expr / 2)
    with pytest.raises(ValueError, match="not a whole number"):
        halves.evaluate(VALUES)  # shared: 21/2
    assert halves.evaluate({**VALUES, d: 4}) == {
        "": 14 + 80 + 8 + 2,
        "shared": 14,
        "enc": 88,
        "enc.q": 80,
        "enc.norm": 8,
        "final": 2,
        "final.norm": 2,
    }


def test_unknown_node_is_a_one_line_node_error_with_close_matches() -> None:
    tree = small_tree()
    with pytest.raises(NodeError) as err:
        tree["enc.qq"]
    # difflib ratios: enc.q 10/11, enc 6/9 (both ≥ 0.6, best first); enc.norm 8/14 < 0.6
    assert str(err.value) == "node: no node 'enc.qq' in this model; did you mean enc.q, enc?"
    assert isinstance(err.value, T5SymError) and isinstance(err.value, ValueError)
    with pytest.raises(NodeError) as err:
        tree["lm_head"]
    assert (
        str(err.value)
        == "node: no node 'lm_head' in this model; see 't5sym count --json --breakdown'"
    )
    with pytest.raises(NodeError):
        tree[""]  # the root is the total, not a node


def test_nodes_compare_by_value_not_by_doc() -> None:
    assert weight("w", (d,), "norm", doc="one", role=W) == weight(
        "w", (d,), "norm", doc="two", role=W
    )
    assert weight("w", (d,), "norm", role=W) != weight("w", (d,), "linear", role=W)
    assert Node("x") != Node("y")


def test_placed_gives_every_node_its_context_and_views_keep_it() -> None:
    tree = Tree(
        placed(
            group(
                "",
                weight("shared", (vocab, d), "embedding", role=Role.EMBEDDING),
                group(
                    "dec",
                    group(
                        "dec.x",
                        weight("dec.x.k", (h * k, d), "linear", repeat=n_layers, role=Role.K),
                        role=Role.CROSS_ATTENTION,
                    ),
                    weight("dec.norm", (d,), "norm", role=Role.NORM),
                    role=Role.DECODER,
                ),
                role=Role.MODEL,
            )
        )
    )
    key = tree["dec.x.k"]
    assert key.context == (Role.MODEL, Role.DECODER, Role.CROSS_ATTENTION)
    assert (key.role, key.stack, key.module) == (Role.K, Role.DECODER, Role.CROSS_ATTENTION)
    assert key.within(Role.CROSS_ATTENTION) and not key.within(Role.SELF_ATTENTION)
    assert tree["dec.norm"].module is None and tree["dec.norm"].stack is Role.DECODER
    assert tree["shared"].stack is None and tree["dec"].stack is Role.DECODER
    doubled = tree.view(lambda leaf: 2 * leaf.expr)["dec.x.k"]
    assert (doubled.role, doubled.context) == (key.role, key.context)
