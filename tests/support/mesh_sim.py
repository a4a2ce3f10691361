"""A tiny Mesh-TensorFlow-like executor, and T5 written as a sequence of its einsums.

Independent of t5sym: it is the reference the sharding formulas are tested against.

A tensor has named dims and one numpy array per (fake) core. A dim that the layout maps
to ``"model"`` is split: each core holds its 1/p slice; every other dim is held whole on
every core. An einsum runs on each core's slices. When a dim it sums out is split, each
core holds only a partial sum, so the results are all-reduced (summed across cores): the
executor records that all-reduce and the number of values of its output. This is the rule
of tensorflow/mesh's README ("Where does the network communication happen?"); an
embedding lookup is an einsum with a one-hot, as ``mtf.gather`` is.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

#: Mesh TF's layout rules for T5 (``defaults.gin``): these dims over the model mesh dim.
LAYOUT = {"heads": "model", "d_ff": "model", "vocab": "model"}


@dataclass
class Tensor:
    dims: tuple[str, ...]
    parts: list[np.ndarray]


@dataclass
class Mesh:
    """``p`` fake cores, global dim sizes, a layout, and a log of what ran."""

    sizes: dict[str, int]
    p: int
    layout: dict[str, str] = field(default_factory=lambda: dict(LAYOUT))
    allreduces: list[tuple[str, int]] = field(default_factory=list)
    flops: list[tuple[str, int]] = field(default_factory=list)  # (label, FLOPs per core)

    def is_split(self, dim: str) -> bool:
        return self.layout.get(dim) == "model" and self.p > 1

    def local(self, dim: str) -> int:
        size = self.sizes[dim]
        if self.is_split(dim):
            assert size % self.p == 0, (dim, size, self.p)
            return size // self.p
        return size

    def _split_axis(self, dims: tuple[str, ...]) -> int | None:
        axes = [i for i, d in enumerate(dims) if self.is_split(d)]
        assert len(axes) <= 1, dims  # a tensor uses the model mesh dimension at most once
        return axes[0] if axes else None

    def distribute(self, dims: tuple[str, ...], full: np.ndarray) -> Tensor:
        """A global array laid out on the cores."""
        assert full.shape == tuple(self.sizes[d] for d in dims), (dims, full.shape)
        axis = self._split_axis(dims)
        if axis is None:
            return Tensor(dims, [full] * self.p)
        return Tensor(dims, np.split(full, self.p, axis=axis))

    def gather(self, t: Tensor) -> np.ndarray:
        """The global array of a laid-out tensor (for checking only, not communication)."""
        axis = self._split_axis(t.dims)
        return t.parts[0] if axis is None else np.concatenate(t.parts, axis=axis)

    def einsum(self, label: str, out: tuple[str, ...], *inputs: Tensor) -> Tensor:
        names = list(dict.fromkeys(d for t in inputs for d in t.dims))
        letter = {d: chr(ord("a") + i) for i, d in enumerate(names)}
        spec = ",".join("".join(letter[d] for d in t.dims) for t in inputs)
        spec += "->" + "".join(letter[d] for d in out)
        parts = [np.einsum(spec, *(t.parts[c] for t in inputs)) for c in range(self.p)]
        self.flops.append((label, 2 * math.prod(self.local(d) for d in names)))
        summed = set(names) - set(out)
        if any(self.is_split(d) for d in summed):
            assert self._split_axis(out) is None
            total = np.sum(parts, axis=0)
            self.allreduces.append((label, math.prod(self.sizes[d] for d in out)))
            parts = [total] * self.p
        return Tensor(out, parts)

    def reduce(self, label: str, t: Tensor, dim: str, op: str) -> Tensor:
        """Sum, max or mean over ``dim``; all-reduced when ``dim`` is split."""
        axis = t.dims.index(dim)
        out = tuple(d for d in t.dims if d != dim)
        local = {"sum": np.sum, "max": np.max, "mean": np.mean}[op]
        parts = [local(x, axis=axis) for x in t.parts]
        if self.is_split(dim):
            assert op in ("sum", "max") and self._split_axis(out) is None
            combine = np.sum if op == "sum" else np.max
            total = combine(parts, axis=0)
            self.allreduces.append((label, math.prod(self.sizes[d] for d in out)))
            parts = [total] * self.p
        return Tensor(out, parts)

    def map(self, fn: Callable[..., np.ndarray], out: tuple[str, ...], *inputs: Tensor) -> Tensor:
        """An elementwise function of tensors broadcast to ``out`` (no communication)."""

        def align(t: Tensor, x: np.ndarray) -> np.ndarray:
            order = [d for d in out if d in t.dims]
            x = np.transpose(x, [t.dims.index(d) for d in order])
            return x.reshape([x.shape[order.index(d)] if d in order else 1 for d in out])

        parts = [fn(*(align(t, t.parts[c]) for t in inputs)) for c in range(self.p)]
        return Tensor(out, [np.broadcast_to(x, [self.local(d) for d in out]) for x in parts])


def rename(t: Tensor, old: str, new: str) -> Tensor:
    return Tensor(tuple(new if d == old else d for d in t.dims), t.parts)


# ---------------------------------------------------------------------------------------
# T5 as Mesh TF einsums. Weights are global numpy arrays keyed like transformers' modules.

MATMULS = ("q", "k", "v", "o", "wi", "wi_0", "wi_1", "wo", "logits")


def is_matmul(label: str) -> bool:
    return label.rsplit(".", 1)[-1] in MATMULS


def rms_norm(m: Mesh, x: Tensor, scale: Tensor, eps: float = 1e-6) -> Tensor:
    var = m.reduce("norm", m.map(np.square, x.dims, x), "d_model", "mean")
    return m.map(lambda a, v, s: a / np.sqrt(v + eps) * s, x.dims, x, var, scale)


def attention(
    m: Mesh,
    name: str,
    w: dict[str, Tensor],
    x: Tensor,
    memory: Tensor,
    length: str,
    keys: str,
    bias: Tensor | None,
) -> Tensor:
    """T5Attention: q, k, v, scores (no 1/sqrt(d_kv)), + bias, softmax over keys, o."""
    q = m.einsum(f"{name}.q", ("batch", length, "heads", "d_kv"), x, w[f"{name}.q"])
    k = m.einsum(f"{name}.k", ("batch", keys, "heads", "d_kv"), memory, w[f"{name}.k"])
    v = m.einsum(f"{name}.v", ("batch", keys, "heads", "d_kv"), memory, w[f"{name}.v"])
    s = m.einsum(f"{name}.scores", ("batch", "heads", length, keys), q, k)
    if bias is not None:
        s = m.map(np.add, s.dims, s, bias)
    top = m.reduce(f"{name}.softmax", s, keys, "max")
    e = m.map(lambda a, b: np.exp(a - b), s.dims, s, top)
    z = m.reduce(f"{name}.softmax", e, keys, "sum")
    p = m.map(np.divide, e.dims, e, z)
    ctx = m.einsum(f"{name}.weighted", ("batch", length, "heads", "d_kv"), p, v)
    return m.einsum(f"{name}.o", ("batch", length, "d_model"), ctx, w[f"{name}.o"])


def feed_forward(
    m: Mesh, name: str, w: dict[str, Tensor], x: Tensor, length: str, gated: bool
) -> Tensor:
    """DenseReluDense (ReLU) or the gated variant (GELU(wi_0 x) * wi_1 x), then wo."""
    hidden = ("batch", length, "d_ff")
    if gated:
        h0 = m.einsum(f"{name}.wi_0", hidden, x, w[f"{name}.wi_0"])
        h1 = m.einsum(f"{name}.wi_1", hidden, x, w[f"{name}.wi_1"])
        h = m.map(lambda a, b: np.tanh(a) * b, hidden, h0, h1)  # any activation will do
    else:
        h = m.map(
            lambda a: np.maximum(a, 0), hidden, m.einsum(f"{name}.wi", hidden, x, w[f"{name}.wi"])
        )
    return m.einsum(f"{name}.wo", ("batch", length, "d_model"), h, w[f"{name}.wo"])


def position_bias(m: Mesh, name: str, w: dict[str, Tensor], buckets: Tensor) -> Tensor:
    """The relative bias: a one-hot [length, keys, buckets] einsum with [buckets, heads]."""
    return m.einsum(name, ("heads", *buckets.dims[:2]), buckets, w[name])


def encoder_block(m: Mesh, i: int, w: dict, x: Tensor, bias: Tensor, gated: bool) -> Tensor:
    b = f"encoder.block.{i}"
    h = rms_norm(m, x, w[f"{b}.layer.0.layer_norm"])
    memory = rename(h, "S", "S_k")
    a = attention(m, f"{b}.layer.0.SelfAttention", w, h, memory, "S", "S_k", bias)
    x = m.map(np.add, x.dims, x, a)
    h = rms_norm(m, x, w[f"{b}.layer.1.layer_norm"])
    return m.map(
        np.add, x.dims, x, feed_forward(m, f"{b}.layer.1.DenseReluDense", w, h, "S", gated)
    )


def decoder_block(
    m: Mesh, i: int, w: dict, y: Tensor, enc: Tensor, bias: Tensor, gated: bool
) -> Tensor:
    b = f"decoder.block.{i}"
    h = rms_norm(m, y, w[f"{b}.layer.0.layer_norm"])
    memory = rename(h, "T", "T_k")
    a = attention(m, f"{b}.layer.0.SelfAttention", w, h, memory, "T", "T_k", bias)
    y = m.map(np.add, y.dims, y, a)
    h = rms_norm(m, y, w[f"{b}.layer.1.layer_norm"])
    a = attention(m, f"{b}.layer.1.EncDecAttention", w, h, enc, "T", "S_k", None)
    y = m.map(np.add, y.dims, y, a)
    h = rms_norm(m, y, w[f"{b}.layer.2.layer_norm"])
    return m.map(
        np.add, y.dims, y, feed_forward(m, f"{b}.layer.2.DenseReluDense", w, h, "T", gated)
    )


@dataclass(frozen=True)
class Dims:
    """A T5 architecture and a workload, as plain numbers."""

    d_model: int
    d_ff: int
    num_heads: int
    d_kv: int
    num_layers: int
    num_decoder_layers: int
    vocab_size: int
    num_buckets: int
    gated: bool
    tied: bool
    batch: int = 2
    encoder_length: int = 5
    decoder_length: int = 3

    def sizes(self) -> dict[str, int]:
        S, T = self.encoder_length, self.decoder_length
        return {
            "batch": self.batch,
            "S": S,
            "S_k": S,
            "T": T,
            "T_k": T,
            "d_model": self.d_model,
            "heads": self.num_heads,
            "d_kv": self.d_kv,
            "d_ff": self.d_ff,
            "vocab": self.vocab_size,
            "buckets": self.num_buckets,
        }


def weights(d: Dims, seed: int = 0) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
    """Random global weights, Mesh TF dim names, keyed like transformers' modules."""
    rng = np.random.default_rng(seed)
    out: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}

    def add(name: str, dims: tuple[str, ...], scale: float = 0.3) -> None:
        out[name] = (dims, rng.normal(0, scale, [d.sizes()[x] for x in dims]))

    add("shared", ("vocab", "d_model"))
    if not d.tied:
        add("lm_head", ("vocab", "d_model"))
    wi = ("wi_0", "wi_1") if d.gated else ("wi",)
    for stack, depth, sublayers in (
        ("encoder", d.num_layers, ("SelfAttention",)),
        ("decoder", d.num_decoder_layers, ("SelfAttention", "EncDecAttention")),
    ):
        add(f"{stack}.block.0.layer.0.SelfAttention.relative_attention_bias", ("buckets", "heads"))
        for i in range(depth):
            b = f"{stack}.block.{i}.layer"
            for j, sub in enumerate(sublayers):
                for proj in "qkv":
                    add(f"{b}.{j}.{sub}.{proj}", ("d_model", "heads", "d_kv"))
                add(f"{b}.{j}.{sub}.o", ("heads", "d_kv", "d_model"))
                add(f"{b}.{j}.layer_norm", ("d_model",), 0.1)
            f = len(sublayers)
            for name in wi:
                add(f"{b}.{f}.DenseReluDense.{name}", ("d_model", "d_ff"))
            add(f"{b}.{f}.DenseReluDense.wo", ("d_ff", "d_model"))
            add(f"{b}.{f}.layer_norm", ("d_model",), 0.1)
        add(f"{stack}.final_layer_norm", ("d_model",), 0.1)
    return out


@dataclass
class Run:
    mesh: Mesh
    logits: np.ndarray
    loss: np.ndarray
    encoder_output: np.ndarray


def forward(d: Dims, p: int, seed: int = 0) -> Run:
    """T5ForConditionalGeneration's forward pass and loss, on ``p`` fake cores."""
    m = Mesh(d.sizes(), p)
    w = {k: m.distribute(dims, x) for k, (dims, x) in weights(d, seed).items()}
    rng = np.random.default_rng(seed + 1)
    sizes = d.sizes()

    def one_hot(dims: tuple[str, ...], ids: np.ndarray, n: int) -> Tensor:
        return m.distribute(dims, np.eye(n)[ids])

    def buckets(q: str, k: str) -> Tensor:
        ids = rng.integers(0, d.num_buckets, (sizes[q], sizes[k]))
        return one_hot((q, k, "buckets"), ids, d.num_buckets)

    inputs = one_hot(
        ("batch", "S", "vocab"), rng.integers(0, d.vocab_size, (d.batch, sizes["S"])), d.vocab_size
    )
    targets = rng.integers(0, d.vocab_size, (d.batch, sizes["T"]))
    labels = one_hot(("batch", "T", "vocab"), targets, d.vocab_size)
    decoder_inputs = one_hot(
        ("batch", "T", "vocab"), rng.integers(0, d.vocab_size, (d.batch, sizes["T"])), d.vocab_size
    )

    x = m.einsum("shared.lookup", ("batch", "S", "d_model"), inputs, w["shared"])
    bias = position_bias(
        m, "encoder.block.0.layer.0.SelfAttention.relative_attention_bias", w, buckets("S", "S_k")
    )
    for i in range(d.num_layers):
        x = encoder_block(m, i, w, x, bias, d.gated)
    enc = rename(rms_norm(m, x, w["encoder.final_layer_norm"]), "S", "S_k")

    y = m.einsum("shared.lookup", ("batch", "T", "d_model"), decoder_inputs, w["shared"])
    causal = np.where(np.tril(np.ones((sizes["T"], sizes["T_k"]))) > 0, 0.0, -1e9)
    bias = position_bias(
        m, "decoder.block.0.layer.0.SelfAttention.relative_attention_bias", w, buckets("T", "T_k")
    )
    bias = m.map(np.add, bias.dims, bias, m.distribute(("T", "T_k"), causal))
    for i in range(d.num_decoder_layers):
        y = decoder_block(m, i, w, y, enc, bias, d.gated)
    y = rms_norm(m, y, w["decoder.final_layer_norm"])

    head = w["shared" if d.tied else "lm_head"]
    logits = m.einsum("lm_head.logits", ("batch", "T", "vocab"), y, head)
    top = m.reduce("loss.max", logits, "vocab", "max")
    e = m.map(lambda a, b: np.exp(a - b), logits.dims, logits, top)
    z = m.reduce("loss.sum_exp", e, "vocab", "sum")
    picked = m.einsum("loss.target_logit", ("batch", "T"), logits, labels)
    loss = m.map(lambda zz, t, pk: np.log(zz) + t - pk, ("batch", "T"), z, top, picked)
    return Run(m, m.gather(logits), m.gather(loss), m.gather(enc))
