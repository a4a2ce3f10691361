"""Roles and categories against transformers' module classes, for every type and head.

The reference reads what each real parameter is from the classes of the modules that hold
it (``T5LayerCrossAttention``, ``T5LayerNorm``, ``SwitchTransformersSparseMLP``, a stack's
``is_decoder``), never from t5sym's names or roles.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings

import t5sym
from t5sym.model import params, roles
from t5sym.model.roles import Role

from .support.reference import build, family_configs, node_pattern, numel_by_name


def hf_parts(model: torch.nn.Module) -> dict[str, tuple[str, Role | None, Role | None]]:
    """Every parameter's (category, attention kind, stack), from the module classes."""
    out = {}
    for name, _ in model.named_parameters():
        path = name.split(".")
        classes, stack = [], None
        module = model
        for part in path[:-1]:
            module = getattr(module, part) if not part.isdigit() else module[int(part)]
            classes.append(type(module).__name__)
            if hasattr(module, "is_decoder") and "Stack" in type(module).__name__:
                stack = Role.DECODER if module.is_decoder else Role.ENCODER
        attention = None
        for cls in classes:
            if cls.endswith("CrossAttention"):
                attention = Role.CROSS_ATTENTION
            elif cls.endswith("TransientGlobalSelfAttention"):
                attention = Role.GLOBAL_ATTENTION
            elif cls.endswith("LocalSelfAttention"):
                attention = Role.LOCAL_ATTENTION
            elif cls.endswith("LayerSelfAttention"):
                attention = Role.SELF_ATTENTION
        if path[-2].endswith("relative_attention_bias"):
            category = "relative bias"
        elif classes[-1].endswith("LayerNorm"):
            category = "norms"
        elif any(c.endswith("Attention") for c in classes):
            category = "attention"
        elif any(c.endswith(("DenseActDense", "DenseGatedActDense", "SparseMLP")) for c in classes):
            category = "feed-forward"
        else:
            category = "embedding"
        out[name] = (category, attention, stack)
    return out


def assert_roles_match(config: t5sym.Config, model: torch.nn.Module) -> None:
    theirs = hf_parts(model)
    numels = numel_by_name(model)
    seen = set()
    for leaf in params.tree(config):
        if not leaf.is_leaf:
            continue
        pattern = node_pattern(leaf.name)
        for name in (n for n in theirs if pattern.match(n)):
            category, attention, stack = theirs[name]
            assert roles.category(leaf) == category, (config.model, name)
            assert leaf.stack == stack, (config.model, name)
            if leaf.role in (Role.Q, Role.K, Role.V, Role.O):
                assert leaf.module == attention, (config.model, name)
            seen.add(name)
    assert seen == set(numels), set(numels) - seen


@settings(max_examples=80, deadline=None)
@given(config=family_configs())
def test_every_leaf_has_the_role_of_its_transformers_module(config: t5sym.Config) -> None:
    assert_roles_match(config, build(config))


@pytest.mark.parametrize("name", ["switch-base-8", "long-t5-tglobal-base", "umt5-small"])
def test_presets_have_the_roles_of_their_transformers_modules(name: str) -> None:
    config = t5sym.load(name)
    assert_roles_match(config, build(config))


def test_every_part_has_a_role_and_one_category() -> None:
    for config in map(t5sym.load, ("t5-small", "switch-base-8", "long-t5-tglobal-base")):
        for node in params.tree(config).root.walk():
            assert isinstance(node.role, Role)
            if node.is_leaf:
                assert roles.category(node) in roles.CATEGORIES
