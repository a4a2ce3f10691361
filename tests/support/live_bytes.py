"""A reference for peak activation memory: live tensor bytes through a real forward.

A ``TorchDispatchMode`` sees every aten op's outputs (composite ops such as ``matmul`` are
decomposed first, so their reshape copies are seen too). Each new storage is followed until
the last tensor viewing it is freed (``weakref.finalize``; torch keeps a tensor's Python
object alive as long as the C++ tensor lives). Not seen: storages made before the mode
(weights, inputs), allocator rounding and caching, and workspaces a kernel allocates
internally without returning a tensor.
"""

from __future__ import annotations

import weakref

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves


class LiveBytes(TorchDispatchMode):
    """Live and peak bytes of the storages created inside the mode."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: dict[int, int] = {}
        self.size: dict[int, int] = {}
        self.live = 0
        self.peak = 0
        self.peak_op = ""
        self.known: set[int] = set()
        self.events: list[tuple[int, int]] = []

    def ignore(self, tensors) -> None:
        """Storages made before the mode (weights, inputs, a cache) are not activations."""
        for t in tensors:
            self.known.add(t.untyped_storage().data_ptr())

    def _free(self, key: int) -> None:
        self.refs[key] -= 1
        if self.refs[key] == 0:
            size = self.size.pop(key)
            self.live -= size
            self.events.append((key, -size))
            del self.refs[key]

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in tree_leaves(out):
            if not isinstance(t, torch.Tensor):
                continue
            storage = t.untyped_storage()
            key = storage.data_ptr()
            if key in self.known or storage.nbytes() == 0:
                continue
            if key not in self.refs:
                self.refs[key] = 0
                self.size[key] = storage.nbytes()
                self.live += storage.nbytes()
                self.events.append((key, storage.nbytes()))
                if self.live > self.peak:
                    self.peak, self.peak_op = self.live, str(func)
            self.refs[key] += 1
            weakref.finalize(t, self._free, key)
        return out


#: The dtypes of `saved_by_module`.
TORCH_DTYPE = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


def saved_by_module(
    c,
    dtype: str,
    ckpt: bool,
    batch: int,
    s: int,
    t: int,
    *,
    attention: str = "eager",
    dropout: float = 0.1,
    padding: bool = False,
    autocast: str | None = None,
    prepare=None,
    trace: list | None = None,
):
    """{storage: (innermost module, bytes)} of a real training forward, and module names.

    ``saved_tensors_hooks`` around ``*ForConditionalGeneration(input_ids, labels)`` in
    training mode (the decoder's inputs are ``shift_right(labels)``, as in training), every
    storage counted once, parameters excluded (looked up when a tensor is saved: Switch's
    router moves its own to float32 in the forward, freeing the old storages for reuse).
    ``padding``: an ``attention_mask`` with the last token of the first row masked;
    ``autocast``: the forward under ``torch.autocast("cpu", dtype)`` (``dtype`` then
    fp32); ``prepare``: called with the model before the forward (to set weights, e.g. a router's);
    ``trace``: gets (module, dtype, shape, bytes) of every new storage saved.
    """
    from .reference import training_model

    model = training_model(c, TORCH_DTYPE[dtype], attention, dropout).train()
    if prepare is not None:
        prepare(model)
    if ckpt:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": True})
    names = {m: n for n, m in model.named_modules()}
    stack: list[str] = []
    for module in model.modules():
        module.register_forward_pre_hook(lambda m, a: stack.append(names[m]) and None)
        module.register_forward_hook(lambda m, a, o: stack.pop() and None)

    def parameters() -> set[int]:
        return {p.untyped_storage().data_ptr() for p in model.parameters()}

    seen: dict[int, tuple[str, int]] = {}

    def pack(x: torch.Tensor) -> torch.Tensor:
        storage = x.untyped_storage()
        key = storage.data_ptr()
        # the live parameters: a replaced one's freed storage may hold an activation
        if key not in seen and key not in parameters():
            seen[key] = (stack[-1] if stack else "", storage.nbytes())
            if trace is not None:
                trace.append((seen[key][0], x.dtype, tuple(x.shape), storage.nbytes()))
        return x

    v = c.vocab_size
    ids, labels = torch.randint(0, v, (batch, s)), torch.randint(0, v, (batch, t))
    kw = {}
    if padding:
        kw["attention_mask"] = torch.ones(batch, s, dtype=torch.long)
        kw["attention_mask"][0, -1] = 0
    amp = TORCH_DTYPE[autocast] if autocast else None
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda x: x):
        with torch.autocast("cpu", amp or torch.bfloat16, enabled=amp is not None):
            model(input_ids=ids, labels=labels, **kw)
    return seen, set(names.values())


def live_after_forward(c, dtype: str, reentrant: bool, *, targets=None, attention="eager",
                       autocast: str | None = None, batch: int = 2, s: int = 5,
                       t: int = 4) -> int:  # fmt: skip
    """Bytes of the storages a checkpointed training forward leaves alive for backward
    (``gradient_checkpointing_enable`` with ``use_reentrant``; ``targets``: LoRA by peft, the
    base frozen), dropout 0, the loss kept and the output dropped: what either way of
    checkpointing holds, the recompute closure's inputs included (no hook sees those)."""
    import gc

    from .reference import training_model

    model = training_model(c, TORCH_DTYPE[dtype], attention, 0.0)
    if targets is not None:
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(model, LoraConfig(r=8, target_modules=targets))
    model.train()
    model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": reentrant})
    gen = torch.Generator().manual_seed(1)
    ids = torch.randint(0, c.vocab_size, (batch, s), generator=gen)
    labels = torch.randint(0, c.vocab_size, (batch, t), generator=gen)
    with torch.no_grad():  # Switch's routers move their classifier to float32 in a forward:
        model(input_ids=ids, labels=labels)  # done here, its freed storage is not reused below
    tracker = LiveBytes()
    tracker.ignore([*model.parameters(), ids, labels])
    amp = TORCH_DTYPE[autocast] if autocast else torch.bfloat16
    with tracker, torch.autocast("cpu", amp, enabled=autocast is not None):
        loss = model(input_ids=ids, labels=labels).loss
        gc.collect()
    live = tracker.live
    del loss
    return live
