"""Switch Transformers' saved activations against a real training forward on CPU.

Reference: ``saved_tensors_hooks`` around ``SwitchTransformersForConditionalGeneration``
(`tests.support.live_bytes.saved_by_module`) with the routing forced: the router's weights
set to zero, every token goes to expert 0 (equal logits: argmax takes the first), so the
routed tokens are B·min(n, expert_capacity) per sparse block.
"""

from __future__ import annotations

import json
import re

import pytest
import torch

from t5sym import Config
from t5sym.model import symbols
from t5sym.views import activations, saved_switch

from .support.cli import run
from .support.live_bytes import saved_by_module
from .support.reference import node_pattern
from .test_activations import compare


def to_expert_0(model: torch.nn.Module) -> None:
    """Every token to expert 0: the router's logits all zero."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "router.classifier" in name:
                p.zero_()


def round_robin(model: torch.nn.Module) -> None:
    """Token i of every sequence to expert i mod E: every expert hit, none over capacity
    when capacity ≥ ⌈n/E⌉ (the router's own saved tensors unchanged: its output replaced)."""

    def hook(router, args, out):
        index, probs, logits = out
        b, n, e = index.shape
        spread = torch.nn.functional.one_hot(torch.arange(n) % e, e).to(index.dtype)
        return spread.expand(b, n, e).contiguous(), probs, logits

    for name, module in model.named_modules():
        if name.endswith("mlp.router"):
            module.register_forward_hook(hook)


def switch(capacity: int, **kw) -> Config:
    fields = dict(num_decoder_layers=2, model_type="switch_transformers", num_experts=3,
                  num_sparse_encoder_layers=2, num_sparse_decoder_layers=1,
                  expert_capacity=capacity)  # fmt: skip
    return Config(8, 12, 2, 5, 4, 20, **{**fields, **kw})


@pytest.mark.parametrize("padding", [False, True])
@pytest.mark.parametrize("dropout", [0.0, 0.1])
@pytest.mark.parametrize("ckpt", [False, True])
@pytest.mark.parametrize("dtype", ["fp32", "bf16", "fp16"])
def test_every_token_routed(dtype, ckpt, dropout, padding) -> None:
    """expert_capacity ≥ S: every token routed (R = B·n), exact part by part."""
    compare(switch(9), dtype, ckpt, 2, 9, 4, dropout=dropout, padding=padding,
            prepare=to_expert_0)  # fmt: skip


@pytest.mark.parametrize("padding", [False, True])
@pytest.mark.parametrize("dropout", [0.0, 0.1])
@pytest.mark.parametrize("ckpt", [False, True])
@pytest.mark.parametrize("amp", ["bf16", "fp16"])
def test_under_autocast(amp, ckpt, dropout, padding) -> None:
    """fp32 weights under torch.autocast: the classifier's low-precision copies, every
    expert hit (round robin) casting its weights once."""
    compare(switch(9), "fp32", ckpt, 2, 9, 4, dropout=dropout, padding=padding,
            autocast=amp, prepare=round_robin)  # fmt: skip


def test_one_expert_hit_under_autocast() -> None:
    """Every token to expert 0: one expert's weight copies, not min(E, R) = 3: the figure
    is over by exactly the two other experts' bf16 wi and wo."""
    c = switch(9)
    seen, _ = saved_by_module(c, "fp32", False, 2, 9, 4, autocast="bf16", prepare=to_expert_0)
    tree = activations.saved_tree(c, "fp32", device="cpu", dropout=0.1,
                                  precision="autocast-bf16")  # fmt: skip
    values = {**c.values(), symbols.batch: 2, symbols.encoder_length: 9,
              symbols.decoder_length: 4, saved_switch.expert_capacity: 9}  # fmt: skip
    ours = activations.resolved(tree, values).evaluate(values)[""]
    sparse = c.num_sparse_encoder_layers + c.num_sparse_decoder_layers
    assert ours - sum(n for _, n in seen.values()) == sparse * 2 * 2 * 2 * c.d_model * c.d_ff


@pytest.mark.parametrize("ckpt", [False, True])
def test_no_jitter_saves_no_noise(ckpt) -> None:
    """``router_jitter_noise: 0`` (read from config.json): the router saves no noise."""
    c = switch(9, router_jitter_noise=0.0)
    compare(c, "fp32", ckpt, 2, 9, 4, dropout=0.1, padding=False, prepare=to_expert_0)
    assert "jitter" not in " ".join(activations.saved_tree(c, "fp32", device="cpu").nodes)


def saved(c: Config, dtype: str, batch: int, s: int, t: int, capacity: int) -> dict[str, int]:
    tree = activations.saved_tree(c, dtype, device="cpu", dropout=0.1)
    values = {**c.values(), symbols.batch: batch, symbols.encoder_length: s,
              symbols.decoder_length: t, saved_switch.expert_capacity: capacity}  # fmt: skip
    return activations.resolved(tree, values).evaluate(values)


@pytest.mark.parametrize("dtype", ["fp32", "bf16"])
def test_dropped_tokens(dtype) -> None:
    """Capacity 3 with every token sent to expert 0: only 3 tokens a sequence are routed.
    The tree at that R (capacity 1: B·min(n, 3·1)) equals torch; at the real capacity
    (B·min(n, 9) = every token) it is the upper bound the result gives."""
    c = switch(3)
    seen, _ = saved_by_module(c, dtype, False, 2, 9, 4, prepare=to_expert_0)
    torch_bytes = sum(n for _, n in seen.values())
    assert saved(c, dtype, 2, 9, 4, 1)[""] == torch_bytes
    assert saved(c, dtype, 2, 9, 4, 3)[""] > torch_bytes


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_any_routing_is_bounded(seed) -> None:
    """The router's own random weights, a small capacity: the figure bounds what is saved,
    and everything but the experts is exact whatever the routing."""
    torch.manual_seed(seed)
    c = switch(2)
    seen, modules = saved_by_module(c, "fp32", False, 2, 9, 4)
    ours = saved(c, "fp32", 2, 9, 4, 2)
    assert ours[""] >= sum(n for _, n in seen.values())
    experts = re.compile(r".*\.experts(\.|$)")
    checked = 0
    for node, n in ours.items():
        if node and not experts.match(node) and node.endswith(("router", "layer_norm", "q")):
            got = sum(b for m, b in seen.values() if node_pattern(node).match(m))
            assert got == n, node
            checked += 1
    assert checked > 5


def test_cli_says_what_depends_on_routing() -> None:
    out = run("memory", "switch-base-8", "--batch", "2", "--encoder-length", "512",
              "--decoder-length", "128", "--device", "cpu", "--json")  # fmt: skip
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["routed_tokens"] == {"encoder": 1024, "decoder": 256}  # 8 experts × 64 ≥ 512
    assert "routing" in d["routing"] and d["attention"] == "eager"
    cuda = json.loads(run("memory", "switch-base-8", "--batch", "2", "--json").stdout)
    assert cuda["derived"] and all("sdp" not in line for line in cuda["derived_from"])


# ---------------------------------------------------------------------------------------
# LoRA (peft) on Switch: the frozen base's router and experts, the adapters on every
# expert's wi and wo.

#: The setups of the LoRA grid: (dtype, precision, checkpointing, dropout, padding).
LORA_SETUPS = [
    ("fp32", "cast", False, 0.0, False),
    ("bf16", "cast", False, 0.1, True),
    ("fp16", "cast", False, 0.1, False),
    ("fp32", "autocast-bf16", False, 0.0, False),
    ("fp32", "autocast-fp16", False, 0.1, True),
    ("bf16", "cast", True, 0.1, False),
    ("fp32", "autocast-bf16", True, 0.0, True),
]


def lora_case(c: Config, targets, setup, prepare=round_robin) -> tuple[int, object]:
    from .test_lora import peft_saved_bytes

    dtype, precision, ckpt, dropout, padding = setup
    amp = precision.removeprefix("autocast-") if precision != "cast" else None
    with torch.random.fork_rng():  # the reference seeds torch: leave the others' state alone
        real = peft_saved_bytes(c, targets, dtype, "eager", dropout, 2, 9, 4, ckpt=ckpt,
                                padding=padding, autocast=amp, prepare=prepare)  # fmt: skip
    ours = activations.memory_at(
        c, dtype, "adamw", lora_rank=8, lora_targets=targets, batch=2, encoder_length=9,
        decoder_length=4, device="cpu", dropout=dropout, reentrant=True, checkpointing=ckpt,
        padding_mask=padding, precision=precision)  # fmt: skip
    return real, ours


@pytest.mark.parametrize("setup", LORA_SETUPS)
@pytest.mark.parametrize("targets", [["q", "v"], ["wi"], ["q", "k", "v", "o", "wi", "wo",
                                                          "lm_head"]])  # fmt: skip
def test_lora_equals_peft(targets, setup) -> None:
    """Round-robin routing (every expert hit, none over capacity): exact. The frozen router
    keeps the jitter noise, the float32 softmax and the argmax indices (under autocast the
    classifier's weight copy, not its input); the experts as a frozen FFN over R tokens."""
    real, ours = lora_case(switch(9), targets, setup)
    assert ours.activations_bytes == real


@pytest.mark.parametrize("setup", LORA_SETUPS[2:5])
def test_lora_with_every_block_sparse(setup) -> None:
    """switch-c-2048's layout: every block sparse (step 1), block 0's experts included."""
    c = switch(9, num_sparse_encoder_layers=4, num_sparse_decoder_layers=2)
    for targets in (["q", "v"], ["o", "wi", "wo", "lm_head"]):
        real, ours = lora_case(c, targets, setup)
        assert ours.activations_bytes == real, targets


@pytest.mark.parametrize("setup", [LORA_SETUPS[1], LORA_SETUPS[3], LORA_SETUPS[4]])
def test_lora_on_experts_alone_with_a_sparse_first_block(setup) -> None:
    """Feed-forward targets only, block 0 sparse: its stream needs no gradient, so its
    router saves nothing and its combine keeps no expert output; its experts' lora_A keep
    no weight copy under autocast."""
    c = switch(9, num_sparse_encoder_layers=4, num_sparse_decoder_layers=2)
    for targets in (["wi"], ["wo", "lm_head"]):
        real, ours = lora_case(c, targets, setup)
        assert ours.activations_bytes == real, targets


def test_lora_one_expert_hit_under_autocast() -> None:
    """Every token to expert 0: the figure (min(E, R) experts) is over by exactly the two
    idle experts' bf16 wi and wo copies and their adapters' (lora_A r·in, lora_B out·r)."""
    c = switch(9)
    setup = ("fp32", "autocast-bf16", False, 0.0, False)
    real, ours = lora_case(c, ["wi", "wo"], setup, prepare=to_expert_0)
    sparse = c.num_sparse_encoder_layers + c.num_sparse_decoder_layers
    frozen = 2 * 2 * c.d_model * c.d_ff
    adapters = 2 * 2 * 8 * (c.d_model + c.d_ff)  # two adapters, each r·in + out·r
    assert ours.activations_bytes - real == sparse * 2 * (frozen + adapters)


def test_cli_lora_says_what_depends_on_routing() -> None:
    out = run("memory", "switch-base-8", "--lora-rank", "8", "--lora-targets", "q,v,wi,wo",
              "--batch", "2", "--encoder-length", "512", "--decoder-length", "128",
              "--precision", "autocast-bf16", "--json")  # fmt: skip
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["routed_tokens"] == {"encoder": 1024, "decoder": 256} and "LoRA" in d["routing"]
    assert d["trainable_parameters"] > 0 and d["activations_bytes"] > 0
