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
