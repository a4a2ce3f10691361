# %% [markdown]
# # T5-3B, worked
#
# T5-3B is T5-Large with four times the feed-forward width and four times the attention
# width, at the same `d_model`. This notebook builds its parameter formula, substitutes
# the released configuration ([](src:t5-3b-config); the gin file: [](src:t5-gin-3b)) and
# shows where the parameters go. Every number is computed
# by t5sym when this page is built.

# %%
from IPython.display import HTML, Markdown, display

import t5sym
from t5site import charts, tables
from t5sym.cli import report
from t5sym.views import printers

config = t5sym.load("t5-3b")
print(report.describe(config))

# %% [markdown]
# ## The formula, and the count
#
# The total for T5 v1.0's structure (ReLU feed-forward, output layer tied to the
# embedding, equal depths), derived from the parts, then evaluated at the config:

# %%
expr = t5sym.formula(config)
display(HTML(printers.mathml(expr, display=True)))
display(Markdown(tables.worked(expr, config.values(), "t5-3b")))

# %% [markdown]
# ## Where the parameters go
#
# The stacks, their blocks (`*`: summed over all 24) and each sublayer:

# %%
display(Markdown(tables.breakdown_table(config, max_depth=3)))

# %% [markdown]
# By stack and kind of weight: the decoder holds more than the encoder, because each of
# its blocks has a second attention, over the encoder output.

# %%
display(HTML(charts.parts_by_stack(config)))

# %% [markdown]
# ## What grew from T5-Large
#
# Width, depth and vocabulary stay; the feed-forward layer and the attention's inner
# width both grow fourfold (twice the heads, each twice as wide), and so does every kind
# of weight that depends on them:

# %%
large = t5sym.load("t5-large")
display(Markdown(tables.side_by_side_table(config, large)))
display(Markdown(tables.ratios_table(config, large)))

# %% [markdown]
# ## Takeaways
#
# - "32-headed attention" ([](src:t5-paper-sizes)) is 32 heads of width 128: q, k and v
#   project the model width up to four times itself, and o projects back.
# - The feed-forward layer goes straight from the model width to its hidden width, 16
#   times larger; it holds most of the parameters.
# - The embedding barely matters at this size, which is why counting it once or twice
#   moves the total by about one percent (see the
#   [family page](../../reference/family/#published-sizes-reconciled)).
