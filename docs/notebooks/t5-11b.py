# %% [markdown]
# # T5-11B, worked
#
# T5-11B keeps T5-Large's `d_model` and 24 layers per stack and puts 128 heads of width
# 128 and a 64-fold feed-forward layer inside each block. Its dimensions are those of its
# gin file ([](src:t5-gin-11b)) and of its released `config.json` ([](src:t5-11b-config)).
# Every number is computed by t5sym when this page is built.

# %%
from dataclasses import replace

from IPython.display import HTML, Markdown, display

import t5sym
from t5site import charts, tables
from t5sym.cli import report
from t5sym.views import printers

t5_11b = t5sym.load("t5-11b")
count = t5sym.count(t5_11b)
print(f"{count.total:,} parameters (≈ {report.approx(count.total)})")

# %% [markdown]
# ## Not 128 heads of width 8
#
# The Stack Exchange question wonders whether 128 heads split the model width of 1024
# into heads of width 8. The configuration says no (`d_kv` is 128); here is what that
# reading would have counted, next to the real model:

# %%
narrow = replace(t5_11b, d_kv=t5_11b.d_model // t5_11b.num_heads, name="heads of width 8")
display(Markdown(tables.side_by_side_table(t5_11b, narrow)))
print(f"{narrow.name}: {report.number(t5sym.count(narrow).total)} parameters")

# %% [markdown]
# ## The feed-forward layers of the encoder
#
# `wi` and `wo` of all encoder blocks, as a formula and at T5-11B's dimensions:

# %%
ffn = t5sym.formula(t5_11b, "encoder.block.*.layer.1.DenseReluDense")
display(HTML(printers.mathml(ffn, display=True)))
display(Markdown(tables.worked(ffn, t5_11b.values(), "encoder feed-forward")))

# %% [markdown]
# ## Where the parameters go
#
# The feed-forward layers hold most of it; the embedding is a rounding error at this
# size:

# %%
display(HTML(charts.parts_by_stack(t5_11b)))
display(Markdown(tables.shares_table(["t5-large", "t5-11b"])))

# %% [markdown]
# ## On 32 cores, as it was trained
#
# Mesh TensorFlow split T5-11B over 32 cores (`model_parallelism`, [](src:t5-gin-11b)):
# each core holds `d_ff / 32` of the feed-forward layer and 4 of the 128 heads.

# %%
shard = t5sym.shard(t5_11b, 32)
print(report.shard_text(shard))

# %% [markdown]
# ## Takeaways
#
# - "128-headed attention" ([](src:t5-paper-sizes)) is 128 heads of width 128: q, k and v
#   project the model width up to sixteen times itself, and o projects back.
# - On its 32 cores every core holds the same slices as a core of T5-3B on 8 or T5-Large
#   on 2 ([why d_ff and the heads grew](../../explanation/why-d-ff/)).
# - The tied/untied question that matters for T5-Large hardly moves this total (see the
#   [family page](../../reference/family/#published-sizes-reconciled)).
