"""Views of a model's tree, each selecting its nodes by role: FLOPs, training memory and
saved activations, LoRA, inference caches, weight formats and file layouts, files read
back, Mesh TF sharding, and the family-level comparisons.

Each module is imported on first use: ``t5sym.views.flops`` after ``import t5sym``.
"""

from t5sym.lazy import loader

MODULES = (
    "activations", "counterfactual", "family", "flops", "formats", "gpt", "hardware",
    "headers", "inference", "inspect", "layout", "layouts", "longt5", "lora", "memory",
    "pipelines", "printers", "readable", "saved_longt5", "saved_switch", "sharding",
)  # fmt: skip
__getattr__ = loader(__name__, MODULES)
