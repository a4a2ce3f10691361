# %% [markdown]
# # T5-3B, worked
#
# Build the parameter formula of T5-3B from its layers, substitute the released
# configuration, see where the parameters go, and compare with T5-Large, the model it
# grew from. Every number below is computed by t5sym when this page is built. The layer
# structure is transformers' `modeling_t5.py`; the dimensions are those of the T5 gin
# file `bi_v1_3B.gin` and of the Hub's
# [google-t5/t5-3b](https://huggingface.co/google-t5/t5-3b) `config.json`.

# %%
import matplotlib.pyplot as plt
from IPython.display import HTML, Markdown, display

import t5sym
from t5sym import family, render

config = t5sym.load("t5-3b")
large = t5sym.load("t5-large")
print(f"d_model={config.d_model} d_ff={config.d_ff} heads={config.num_heads} d_kv={config.d_kv}")
print(f"heads x d_kv = {config.inner_dim} = {config.inner_dim // config.d_model} x d_model")

# %% [markdown]
# ## The formula
#
# The total for T5 v1.0's structure (ReLU feed-forward, output layer tied to the
# embedding, encoder and decoder of equal depth), as t5sym derives it from the parts:

# %%
expr = t5sym.formula(config)
display(HTML(render.mathml(expr, display=True)))

# %% [markdown]
# ## Substitute the configuration
#
# Replacing each symbol by its value gives the exact count. It equals the sum of the
# modules that `t5sym.count` evaluates one by one.

# %%
total = int(expr.xreplace(config.values()))
assert total == t5sym.count(config).total
print(f"{total:,} parameters (≈ {render.approx(total)})")

# %% [markdown]
# ## The breakdown
#
# The stacks, their blocks (summed over all blocks, `*`) and each sublayer:

# %%
rows = render.breakdown_rows(t5sym.tree(config), t5sym.count(config).breakdown, 3, markdown=True)
display(Markdown(render.markdown_table(rows, ["module", "parameters", "share"], right={1, 2})))

# %% [markdown]
# ## Where the parameters go
#
# The same total by stack and kind of weight. The decoder holds more than the encoder:
# each of its blocks has a second attention, over the encoder output.

# %%
parts = family.by_stack_and_category(config)
stacks = [s for s in family.STACKS if any(parts.get((s, c)) for c in family.CATEGORIES)]
fig, ax = plt.subplots(figsize=(6.5, 2.8), dpi=80)
left = [0.0] * len(stacks)
for cat in family.CATEGORIES:
    widths = [parts.get((s, cat), 0) / 1e9 for s in stacks]
    if max(widths) > 0.001:
        ax.barh(stacks, widths, left=left, label=cat)
        left = [a + b for a, b in zip(left, widths, strict=True)]
ax.invert_yaxis()
ax.set_xlabel("parameters (billions)")
ax.legend(fontsize=8, loc="upper right")
fig.tight_layout()
plt.show()

# %% [markdown]
# Relative bias and norms are too small to show; their exact shares:

# %%
for cat, share in family.shares(config).items():
    print(f"{cat:14} {float(share):8.3%}")

# %% [markdown]
# ## How it differs from T5-Large
#
# The configuration fields, side by side:

# %%
rows = [[f, str(a), str(b), f"{float(r):g}×"] for f, a, b, r in family.compare(config, large)]
header = ["field", "t5-large", "t5-3b", "ratio"]
display(Markdown(render.markdown_table(rows, header, right={1, 2, 3})))

# %% [markdown]
# Width, depth and vocabulary stay; the feed-forward layer and the attention's inner
# width both grow fourfold (twice the heads, each twice as wide). So does every kind of
# weight that depends on them:

# %%
rows = [[k, f"{float(v):.3g}×"] for k, v in family.ratios(config, large).items()]
display(Markdown(render.markdown_table(rows, ["part", "t5-3b / t5-large"], right={1})))

# %% [markdown]
# ## Takeaways
#
# - "32-headed attention" is 32 heads of width 128: q, k and v project the model width up
#   to four times itself, and o projects back.
# - The feed-forward layer goes straight from the model width to its hidden width, 16
#   times larger; it holds most of the parameters.
# - The embedding barely matters at this size, which is why counting it once or twice
#   moves the total by about one percent (see the
#   [family page](../../reference/family.md)).
