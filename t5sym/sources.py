"""Every source the site and the presets cite, each written once: the register.

An entry, under a short key, names the document (`Document`: how a citation names it, its
title and address), the locator that says the fact (a section, a table or a file) and the
fact itself, paraphrased. `t5sym.model.presets` builds its source texts from entries (`cite`);
a page cites an entry by its key, as the link ``[](src:KEY)``, which the site's build
(``docs/hooks/sources.py``) turns into a link to the document labelled with the entry's
`Source.citation`; ``tests/test_sources.py`` holds every citation on the site to an entry.

>>> from t5sym.sources import SOURCES, cite
>>> cite("t5-paper-sizes")
'T5 paper §3.7'
>>> SOURCES["t5x-t5_1_0-3b"].href
'https://github.com/google-research/t5x/blob/main/t5x/examples/t5/t5_1_0/3B.gin'
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Document:
    """A paper, a repository, a model card or a page: ``short`` is how citations name it."""

    short: str
    title: str
    url: str


@dataclass(frozen=True)
class Source:
    """Where one fact is said: the document, its section/table/file, the fact in our words.

    ``url`` is the locator's own address when it has one (a file, an issue); ``note`` says
    how the fact was read when not first-hand.
    """

    document: Document
    locator: str
    fact: str
    url: str = ""
    note: str = ""

    @property
    def citation(self) -> str:
        """The citation's text: the document's short name and the locator."""
        return f"{self.document.short} {self.locator}".strip()

    @property
    def href(self) -> str:
        """The address a citation links to: the locator's own, else the document's."""
        return self.url or self.document.url


def _github(repo: str, title: str) -> Document:
    return Document(repo, title, f"https://github.com/{repo}")


def _file(doc: Document, path: str, fact: str, note: str = "", part: str = "") -> Source:
    """A file of a GitHub repository (``part``: the name in it that says the fact)."""
    branch = "master" if doc.short == "tensorflow/mesh" else "main"
    locator = f"{path}, {part}" if part else path
    return Source(doc, locator, fact, f"{doc.url}/blob/{branch}/{path}", note)


def _hub(repo_id: str, what: str) -> Document:
    return Document(f"huggingface.co/{repo_id}", what, f"https://huggingface.co/{repo_id}")


# --- documents ----------------------------------------------------------------------------

T5_PAPER = Document(
    "T5 paper",
    "Raffel et al. 2020, Exploring the Limits of Transfer Learning with a Unified "
    "Text-to-Text Transformer (arXiv:1910.10683)",
    "https://arxiv.org/abs/1910.10683",
)
T5_REPO = _github(
    "google-research/text-to-text-transfer-transformer", "T5's Mesh TensorFlow code and gins"
)
T5X = _github("google-research/t5x", "T5X, T5's JAX successor, with its model gins")
BYT5_REPO = _github("google-research/byt5", "ByT5's code and gins")
BYT5_PAPER = Document(
    "ByT5 paper",
    "Xue et al. 2022, ByT5: Towards a token-free future with pre-trained byte-to-byte "
    "models (arXiv:2105.13626)",
    "https://arxiv.org/abs/2105.13626",
)
UL2_PAPER = Document(
    "UL2 paper",
    "Tay et al. 2022, UL2: Unifying Language Learning Paradigms (arXiv:2205.05131)",
    "https://arxiv.org/abs/2205.05131",
)
UMT5_PAPER = Document(
    "UniMax paper",
    "Chung et al. 2023, UniMax: Fairer and More Effective Language Sampling for "
    "Large-Scale Multilingual Pretraining (arXiv:2304.09151)",
    "https://arxiv.org/abs/2304.09151",
)
LONGT5_PAPER = Document(
    "LongT5 paper",
    "Guo et al. 2022, LongT5: Efficient Text-To-Text Transformer for Long Sequences "
    "(arXiv:2112.07916)",
    "https://arxiv.org/abs/2112.07916",
)
LONGT5_REPO = _github("google-research/longt5", "LongT5's release notes and checkpoints")
FLAXFORMER = _github("google/flaxformer", "Flaxformer, with the LongT5 and Switch gins")
SWITCH_PAPER = Document(
    "Switch paper",
    "Fedus et al. 2022, Switch Transformers: Scaling to Trillion Parameter Models with "
    "Simple and Efficient Sparsity (arXiv:2101.03961)",
    "https://arxiv.org/abs/2101.03961",
)
GPT3_PAPER = Document(
    "GPT-3 paper",
    "Brown et al. 2020, Language Models are Few-Shot Learners (arXiv:2005.14165)",
    "https://arxiv.org/abs/2005.14165",
)
TRANSFORMERS = _github("huggingface/transformers", "Hugging Face transformers")
KERAS_HUB = _github("keras-team/keras-hub", "KerasHub, Keras' pretrained models and presets")
GEMMA2_PAPER = Document(
    "Gemma 2 paper",
    "Gemma Team 2024, Gemma 2: Improving Open Language Models at a Practical Size "
    "(arXiv:2408.00118)",
    "https://arxiv.org/abs/2408.00118",
)
T5GEMMA_PAPER = Document(
    "T5Gemma paper",
    "Zhang et al. 2025, Encoder-Decoder Gemma: Improving the Quality-Efficiency Trade-Off "
    "via Adaptation (arXiv:2504.06225)",
    "https://arxiv.org/abs/2504.06225",
)
MESH = _github("tensorflow/mesh", "Mesh TensorFlow")
TORCH = _github("pytorch/pytorch", "PyTorch")
DIFFUSERS = _github("huggingface/diffusers", "Hugging Face diffusers")
SCALING_BOOK = Document(
    "How to Scale Your Model",
    "Austin et al. 2025, How to Scale Your Model, chapter “All the Transformer Math You "
    "Need to Know”",
    "https://jax-ml.github.io/scaling-book/transformers/",
)
QUESTION = Document(
    "Data Science Stack Exchange",
    "How exactly were T5-3B and T5-11B scaled? (question 115076)",
    "https://datascience.stackexchange.com/questions/115076",
)
WIKIPEDIA_T5 = Document(
    "Wikipedia “T5 (language model)”",
    "Wikipedia, T5 (language model)",
    "https://en.wikipedia.org/wiki/T5_(language_model)",
)
CLOUD_TPU = Document(
    "Cloud TPU docs", "Google Cloud TPU documentation", "https://cloud.google.com/tpu/docs"
)
NVIDIA = Document("NVIDIA", "NVIDIA data sheets", "https://www.nvidia.com/en-us/data-center/")

_V10 = {"small": "small", "base": "base", "large": "large", "3b": "3B", "11b": "11B"}
_V10_T5 = {
    "small": "bi_v1_small.gin",
    "base": "bi_v1.gin",
    "large": "bi_v1_large.gin",
    "3b": "bi_v1_3B.gin",
    "11b": "bi_v1_11B.gin",
}
_V11 = ("small", "base", "large", "xl", "xxl")
_GINS = f"{T5_REPO.url}/blob/main/t5/models/gin/models/"

SOURCES: dict[str, Source] = {
    # --- the question and the T5 paper ----------------------------------------------------
    "question": Source(
        QUESTION,
        "question 115076",
        "The public question asks whether “32-headed attention” with d_kv 128 in a 1024-wide "
        "T5-3B is a typo, and why the big T5s grow d_ff rather than d_model, as GPT-3 does.",
    ),
    "t5-paper-sizes": Source(
        T5_PAPER,
        "§3.7",
        "The model sizes: Small about 60 million parameters, Base about 220 million, Large "
        "about 770 million; “3B” and “11B” keep d_model 1024 and d_kv 128, with d_ff 16,384 "
        "and 32 heads (3B) or d_ff 65,536 and 128 heads (11B), around 2.8 and 11 billion "
        "parameters.",
    ),
    "t5-paper-dff": Source(
        T5_PAPER,
        "§3.7, “Model sizes”",
        "The largest models were scaled mostly through d_ff, because the accelerators the "
        "authors trained on (TPUs) run large dense matrix multiplications most efficiently; "
        "this is the only reason the paper gives.",
    ),
    "t5-paper-training": Source(
        T5_PAPER,
        "§3.7, “Longer training”",
        "The final models were pre-trained for one million steps on batches of 2^11 "
        "sequences of 512 tokens.",
    ),
    "t5-paper-hardware": Source(
        T5_PAPER,
        "§2.1",
        "The models were trained with Mesh TensorFlow, on slices of TPU v3 Pods, combining "
        "model and data parallelism.",
    ),
    "t5-paper-adafactor": Source(
        T5_PAPER,
        "§3.1.2",
        "Pre-training and fine-tuning use the Adafactor optimizer.",
    ),
    "t5-readme-checkpoints": Source(
        T5_REPO,
        "README.md, “Released Model Checkpoints”",
        "The released v1.0 checkpoints are named by rounded sizes: 60 million, 220 million, "
        "770 million, 3 billion and 11 billion parameters.",
        f"{T5_REPO.url}#released-model-checkpoints",
    ),
    **{
        f"t5-gin-{size}": _file(
            T5_REPO,
            f"t5/models/gin/models/{gin}",
            f"The Mesh TensorFlow gin T5 v1.0 {size} was trained with: its d_model, d_ff, "
            "heads, d_kv and depth"
            + ("" if size in ("small", "base") else ", and its model_parallelism")
            + (" (a comment calls it 2.8B parameters)" if size == "3b" else "")
            + ".",
        )
        for size, gin in _V10_T5.items()
    },
    "t5-gin-v1_1": Source(
        T5_REPO,
        "t5/models/gin/models/t5.1.1.*.gin",
        "The T5 v1.1 gins: gated-GELU feed-forward, no dropout in pre-training, an output "
        "layer of its own, and each size's dimensions.",
        _GINS,
    ),
    "t5-random-spans": _file(
        T5_REPO,
        "t5/data/preprocessors.py",
        "How long span corruption's inputs and targets come out for a given noise density "
        "and mean span length.",
        part="random_spans_helper",
    ),
    **{
        f"t5-{size}-config": Source(
            _hub(f"google-t5/t5-{size}", f"the google-t5/t5-{size} checkpoint"),
            "config.json",
            f"T5-{size.upper()}'s released config: d_model 1024, num_heads {heads}, d_kv 128, "
            "24 layers per stack, 32,128 vocabulary rows, 32 relative-position buckets.",
        )
        for size, heads in (("3b", 32), ("11b", 128))
    },
    "t5-vocabulary": _file(
        T5_REPO,
        "t5/data/utils.py",
        "T5's SentencePiece vocabulary: 32,000 pieces plus 100 sentinel ids.",
    ),
    # --- t5x, byt5 --------------------------------------------------------------------------
    **{
        f"t5x-t5_1_0-{size}": _file(
            T5X,
            f"t5x/examples/t5/t5_1_0/{name}.gin",
            f"T5 v1.0 {name} in T5X: emb_dim, mlp_dim, heads, head_dim, depths, ReLU, logits "
            "through the embedding, and 32,128 vocabulary rows (a multiple of 128 for TPUs).",
        )
        for size, name in _V10.items()
    },
    **{
        f"t5x-t5_1_1-{size}": _file(
            T5X,
            f"t5x/examples/t5/t5_1_1/{size}.gin",
            f"T5 v1.1 {size} in T5X: its dimensions, gated GELU, a separate output layer.",
        )
        for size in _V11
    },
    **{
        f"t5x-mt5-{size}": _file(
            T5X,
            f"t5x/examples/t5/mt5/{size}.gin",
            f"mT5 {size} in T5X: T5 v1.1 {size}'s dimensions with 250,112 vocabulary rows.",
        )
        for size in _V11
    },
    **{
        f"t5x-byt5-{size}": _file(
            T5X,
            f"t5x/examples/t5/byt5/{size}.gin",
            f"ByT5 {size} in T5X: its width, d_ff, heads, encoder and decoder depths, and 384 "
            "vocabulary rows.",
        )
        for size in _V11
    },
    "t5x-models": _file(
        T5X,
        "docs/models.md",
        "T5X's list of checkpoints: Flan-T5 has the T5 v1.1 shapes, and Switch Base comes "
        "with 8 to 256 experts (switch_base.gin).",
    ),
    "t5x-partitioning": _file(
        T5X,
        "t5x/partitioning.py",
        "T5X's standard logical axis rules map the embed axis (d_model) to no mesh axis.",
    ),
    **{
        f"byt5-gin-{size}": _file(
            BYT5_REPO,
            f"byt5/gin/models/byt5.{size}.gin",
            f"ByT5 {size}'s gin, whose comment gives its rounded size.",
        )
        for size in _V11
    },
    "byt5-paper-sizes": Source(
        BYT5_PAPER,
        "Table 1",
        "ByT5's sizes beside mT5's: parameters, d_model, d_ff and the encoder and decoder "
        "depths; the encoder is three times deeper than the decoder.",
    ),
    # --- UL2, UMT5, LongT5 ------------------------------------------------------------------
    "ul2-paper": Source(
        UL2_PAPER,
        "abstract",
        "UL2 was scaled up to 20B parameters and released as T5X checkpoints.",
    ),
    "ul2-model-doc": _file(
        TRANSFORMERS,
        "docs/source/en/model_doc/ul2.md",
        "UL2 checkpoints load as T5 with a gated-SiLU feed-forward layer.",
    ),
    "ul2-card": Source(
        _hub("google/ul2", "the google/ul2 model card"),
        "config.json",
        "UL2's config: d_model 4096, d_ff 16,384, 16 heads of 256, 32 + 32 layers, 32,128 "
        "vocabulary rows.",
        note="as restated from the model card",
    ),
    "umt5-paper": Source(
        UMT5_PAPER,
        "abstract",
        "The UniMax paper releases pretrained umT5 checkpoints, trained with UniMax "
        "sampling on a refreshed mC4.",
    ),
    "umt5-base-config": Source(
        _hub("google/umt5-base", "the google/umt5-base checkpoint"),
        "config.json",
        "UMT5-Base: d_model 768, d_ff 2048, 12 heads, 12 + 12 layers, 256,384 vocabulary "
        "rows, untied.",
        note="as copied in fine-tuned checkpoints (_name_or_path google/umt5-base)",
    ),
    "umt5-xl-config": Source(
        _hub("google/umt5-xl", "the google/umt5-xl checkpoint"),
        "config.json",
        "UMT5-XL: d_model 2048, d_ff 5120, 32 heads, 24 + 24 layers, 256,384 vocabulary rows, "
        "tie_word_embeddings false.",
    ),
    "umt5-xxl-config": Source(
        _hub("Wan-AI/Wan2.1-T2V-14B-Diffusers", "Wan 2.1's diffusers repository"),
        "text_encoder/config.json",
        "UMT5-XXL as Wan 2.1 ships it: d_model 4096, d_ff 10,240, 64 heads of 64, 24 + 24 "
        "layers, 256,384 vocabulary rows; the same as ComfyUI's umt5_config_xxl.json.",
    ),
    "umt5-modeling": _file(
        TRANSFORMERS,
        "src/transformers/models/umt5/modeling_umt5.py",
        "Every UMT5 self-attention layer builds its own relative position bias; "
        "cross-attention has none.",
    ),
    "longt5-paper": Source(
        LONGT5_PAPER,
        "abstract",
        "LongT5 brings long-input attention (Transient Global, after ETC's local/global "
        "attention) and PEGASUS-style pre-training into the T5 architecture.",
    ),
    "longt5-readme": _file(
        LONGT5_REPO,
        "README.md",
        "LongT5's checkpoints and their rounded sizes: Base 250M, Large 780M, XL 3B.",
    ),
    **{
        f"longt5-gin-{kind}-{size}": _file(
            FLAXFORMER,
            f"flaxformer/t5x/configs/longt5/models/longt5_1_1_{gin}{size}.gin",
            f"LongT5 {kind} {size}: T5 v1.1 {size}'s shapes with {kind} encoder attention.",
        )
        for kind, gin in (("local", ""), ("transient-global", "transient_global_"))
        for size in ("base", "large", "xl")
    },
    "longt5-base-config": Source(
        _hub("google/long-t5-tglobal-base", "the google/long-t5-tglobal-base checkpoint"),
        "config.json",
        "LongT5-TGlobal-Base's released config: T5 v1.1 Base's shapes, transient-global.",
    ),
    **{
        f"longt5-{size}-config": Source(
            _hub(f"google/long-t5-tglobal-{size}", f"the google/long-t5-tglobal-{size} checkpoint"),
            "config.json",
            f"LongT5-TGlobal-{size.upper()}'s config: T5 v1.1 {size.upper()}'s shapes, "
            "transient-global attention.",
            note="as copied in fine-tuned checkpoints",
        )
        for size in ("large", "xl")
    },
    "longt5-modeling": _file(
        TRANSFORMERS,
        "src/transformers/models/longt5/modeling_longt5.py",
        "LongT5's layers: local attention adds no weights; transient-global adds a global "
        "position bias in block 0 and a norm in every encoder layer.",
    ),
    # --- Switch -------------------------------------------------------------------------------
    "switch-paper-table-9": Source(
        SWITCH_PAPER,
        "Table 9",
        "The sizes of the released Switch models: Base about 7B parameters, Large 26B, XXL "
        "395B, Switch-C 1571B.",
        note="Base, Large and Switch-C as restated in secondary sources",
    ),
    "switch-paper-trillion": Source(
        SWITCH_PAPER,
        "§5.6",
        "The trillion-parameter models: Switch-XXL of 395 billion and Switch-C of about 1.6 "
        "trillion parameters, every layer of Switch-C sparse.",
    ),
    "switch-card": Source(
        _hub("google/switch-c-2048", "the google/switch-c-2048 model card"),
        "model card title",
        "The model card calls Switch-C a 1.6 trillion parameter model.",
    ),
    **{
        f"switch-gin-{size}": _file(
            FLAXFORMER,
            f"flaxformer/t5x/configs/moe/models/switch_{size}.gin",
            fact,
        )
        for size, fact in (
            (
                "base",
                "Switch Base: T5 Base's dimensions (MLP_DIM 3072), 6 + 6 sparse layers, the "
                "token embedder reused for the logits.",
            ),
            (
                "large",
                "Switch Large: 1024 wide, d_ff 4096, 16 heads, 24 + 24 layers, 128 experts, "
                "12 + 12 sparse layers, logits as in Switch Base.",
            ),
            (
                "xxl",
                "Switch XXL: 4096 wide, d_ff 10,240, 64 heads, 24 + 24 layers, 128 experts in "
                "12 + 12 sparse layers, GEGLU experts (wi_0, wi_1), an output layer of its own.",
            ),
            (
                "c",
                "Switch-C: 2080 wide, d_ff 6144, 30 heads of 64, 15 + 15 layers, 2048 experts, "
                "every MLP sparse.",
            ),
        )
    },
    **{
        f"switch-base-{n}-config": Source(
            _hub(f"google/switch-base-{n}", f"the google/switch-base-{n} checkpoint"),
            "config.json",
            f"Switch-Base-{n}'s released config: T5 Base's dimensions with {n} experts in 6 + 6 "
            "sparse layers.",
        )
        for n in (32, 64, 256)
    },
    "switch-configuration": _file(
        TRANSFORMERS,
        "src/transformers/models/switch_transformers/configuration_switch_transformers.py",
        "transformers' SwitchTransformersConfig defaults, among them expert_capacity 64 and "
        "no router bias.",
    ),
    "switch-modeling": _file(
        TRANSFORMERS,
        "src/transformers/models/switch_transformers/modeling_switch_transformers.py",
        "transformers' Switch: a router Linear(d_model, num_experts) and num_experts "
        "ungated feed-forward experts in every sparse block.",
    ),
    # --- transformers -----------------------------------------------------------------------
    "t5-modeling": _file(
        TRANSFORMERS,
        "src/transformers/models/t5/modeling_t5.py",
        "transformers' T5: q, k, v map d_model to num_heads·d_kv and o maps it back; no "
        "Linear has a bias; RMSNorm scales only; block 0 alone holds the relative position "
        "bias.",
        part="T5Attention, T5LayerFF, T5Stack",
    ),
    "t5-keep-fp32": _file(
        TRANSFORMERS,
        "src/transformers/models/t5/modeling_t5.py",
        "T5PreTrainedModel lists wo in _keep_in_fp32_modules: a float16 or quantized load "
        "keeps every wo in float32, a bfloat16 load converts it like the rest.",
        note="checked with transformers 5.23 on a saved tiny model",
        part="T5PreTrainedModel._keep_in_fp32_modules",
    ),
    "t5-configuration": _file(
        TRANSFORMERS,
        "src/transformers/models/t5/configuration_t5.py",
        "T5Config's defaults and aliases; tie_word_embeddings also means scaling the "
        "decoder output before the logits.",
    ),
    "transformers-tie-weights": _file(
        TRANSFORMERS,
        "src/transformers/modeling_utils.py",
        "PreTrainedModel.tie_weights ties the output layer to the input embedding when the "
        "config says so.",
        part="PreTrainedModel.tie_weights",
    ),
    "transformers-sdpa": _file(
        TRANSFORMERS,
        "src/transformers/modeling_utils.py",
        "transformers 5 gives T5, MT5 and UMT5 the sdpa attention by default, eager only "
        "when asked for.",
        note="read with transformers 5.23: a loaded T5's config._attn_implementation is sdpa",
        part="the default attn_implementation",
    ),
    "transformers-checkpointing": _file(
        TRANSFORMERS,
        "src/transformers/modeling_utils.py",
        "transformers 5 checkpoints with torch.utils.checkpoint's use_reentrant=False unless "
        "gradient_checkpointing_kwargs says otherwise.",
        note="read with transformers 5.23: _activation_checkpointing_enable sets "
        "{'use_reentrant': False} when no kwargs are given",
        part="_activation_checkpointing_enable",
    ),
    "transformers-pr-21896": Source(
        TRANSFORMERS,
        "PR #21896",
        "The T5 docs were corrected to say that num_heads·d_kv need not equal d_model.",
        f"{TRANSFORMERS.url}/pull/21896",
    ),
    "transformers-issue-21641": Source(
        TRANSFORMERS,
        "issue #21641",
        "A user found the T5 docs' claim that d_kv must be d_model / num_heads wrong.",
        f"{TRANSFORMERS.url}/issues/21641",
    ),
    # --- Mesh TensorFlow, the scaling book --------------------------------------------------
    "mesh-layout": _file(
        MESH,
        "mesh_tensorflow/transformer/gin/defaults.gin",
        "The transformer's default layout rules put d_ff, heads and vocab on the model mesh "
        "axis and batch on the batch axis; d_model is on none.",
    ),
    "mesh-readme-communication": Source(
        MESH,
        "README.md, “Where does the network communication happen?”",
        "An einsum needs communication only when it sums away a dimension split over cores: "
        "then an all-reduce adds the partial sums.",
        f"{MESH.url}#where-does-the-network-communication-happen",
    ),
    "mesh-variable-dtype": _file(
        MESH,
        "mesh_tensorflow/transformer/utils.py",
        "get_variable_dtype: training variables are kept in float32; bfloat16 is for "
        "activations and checkpoints.",
    ),
    "mesh-adafactor": _file(
        MESH,
        "mesh_tensorflow/optimize.py",
        "Mesh TensorFlow's AdafactorOptimizer: no first moment by default (beta1 = 0) and a "
        "factored second moment for matrices.",
    ),
    "scaling-book-table": Source(
        SCALING_BOOK,
        "(transformers chapter), table of per-layer parameters and training FLOPs",
        "Per layer of a transformer, a table of each component's parameters and training "
        "FLOPs; its columns are the component, the parameters per layer and the training "
        "FLOPs per layer.",
    ),
    # --- GPT-3 ------------------------------------------------------------------------------
    "gpt3-table-2.1": Source(
        GPT3_PAPER,
        "Table 2.1",
        "GPT-3's eight sizes: parameters, layers, d_model, heads and head width, with "
        "d_ff = 4·d_model and a context of 2048 tokens.",
    ),
    "gpt3-architecture": Source(
        GPT3_PAPER,
        "§2.1",
        "GPT-3 keeps GPT-2's architecture (with alternating dense and locally banded sparse "
        "attention); its architectural parameters were chosen for computational efficiency "
        "and load balancing across GPUs.",
    ),
    "gpt3-training": Source(
        GPT3_PAPER,
        "§2.3",
        "GPT-3 was trained on V100 GPUs with model parallelism both within each matrix "
        "multiply and across the layers.",
    ),
    # --- PyTorch ----------------------------------------------------------------------------
    "torch-flop-counter": _file(
        TORCH,
        "torch/utils/flop_counter.py",
        "FlopCounterMode counts 2 FLOPs per multiply-add of mm, addmm and bmm.",
    ),
    "torch-autocast-ops": _file(
        TORCH,
        "aten/src/ATen/autocast_mode.h",
        "Under CUDA autocast, linear, matmul and scaled_dot_product_attention run in the lower "
        "precision (their float arguments cast), softmax and log_softmax in float32.",
        part="“AT_FORALL_LOWER_PRECISION_FP”, “AT_FORALL_FP32_SET_OPT_DTYPE”",
    ),
    "torch-sdp-dispatch": _file(
        TORCH,
        "aten/src/ATen/native/transformers/cuda/sdp_utils.cpp",
        "On CUDA, scaled_dot_product_attention tries flash, then memory-efficient, then math; "
        "flash takes no float attention mask (T5's position bias is one), the memory-efficient "
        "kernel takes fp16, bf16 and fp32.",
        part="“can_use_flash_attention”, “can_use_mem_efficient_attention”",
    ),
    "torch-efficient-attention": _file(
        TORCH,
        "aten/src/ATen/native/transformers/cuda/attention.cu",
        "The memory-efficient kernel returns the output (B, n, h, d_kv), a float32 logsumexp "
        "(B, h, n rounded up to 32) and 0-dim int64 philox seed and offset; its backward "
        "(tools/autograd/derivatives.yaml) takes query, key, value, the bias, the output, the "
        "logsumexp and the philox state.",
        part="“_efficient_attention_forward”",
    ),
    "torch-native-dropout": _file(
        TORCH,
        "aten/src/ATen/native/Dropout.cpp",
        "On CUDA, dropout with 0 < p < 1 runs the fused native_dropout, whose backward keeps a "
        "bool mask of one byte per element; p = 0 returns the input.",
        part="“dropout”",
    ),
    # --- other counts -------------------------------------------------------------------------
    "wikipedia-t5": Source(
        WIKIPEDIA_T5,
        "table of the T5 v1.0 variants",
        "Wikipedia's table of T5 sizes (e.g. Large 770,567,168, the tied embedding counted twice).",
    ),
    # --- hardware -----------------------------------------------------------------------------
    "tpu-v3": Source(
        CLOUD_TPU,
        "“TPU v3”",
        "A TPU v3 chip: 32 GiB of HBM shared by 2 TensorCores, 900 GB/s, 123 bf16 TFLOP/s.",
        "https://cloud.google.com/tpu/docs/v3",
    ),
    "tpu-v4": Source(
        CLOUD_TPU,
        "“TPU v4”",
        "A TPU v4 chip: 32 GiB of HBM, 1,200 GB/s, 275 bf16 TFLOP/s.",
        "https://cloud.google.com/tpu/docs/v4",
    ),
    "a100": Source(
        NVIDIA,
        "A100 data sheet",
        "A100 SXM: 40 GB HBM2 at 1,555 GB/s, 80 GB HBM2e at 2,039 GB/s; 312 dense BF16 "
        "Tensor TFLOP/s (624 with sparsity).",
        "https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/"
        "nvidia-a100-datasheet-us-nvidia-1758950-r4-web.pdf",
    ),
    "h100": Source(
        NVIDIA,
        "H100 data sheet",
        "H100 SXM: 80 GB HBM3 at 3.35 TB/s; 1,979 BF16 TFLOP/s with sparsity, half dense.",
        "https://resources.nvidia.com/en-us-tensor-core/nvidia-tensor-core-gpu-datasheet",
    ),
    "l4": Source(
        NVIDIA,
        "L4 data sheet",
        "L4: 24 GB GDDR6 at 300 GB/s; 242 BF16 TFLOP/s with sparsity, 121 dense.",
        "https://resources.nvidia.com/en-us-data-center-overview/l4-gpu-datasheet",
    ),
    "rtx-4090": Source(
        NVIDIA,
        "Ada Lovelace architecture whitepaper, appendix table",
        "GeForce RTX 4090: 24 GB GDDR6X at 1,008 GB/s; 165.2 dense FP16/BF16 Tensor "
        "TFLOP/s with FP32 accumulate.",
        "https://images.nvidia.com/aem-dam/Solutions/geforce/ada/nvidia-ada-gpu-architecture.pdf",
    ),
    # --- text-to-image and video generators ---------------------------------------------------
    "flux-pipeline": _file(
        DIFFUSERS,
        "src/diffusers/pipelines/flux/pipeline_flux.py",
        "FluxPipeline encodes the prompt with T5-v1.1-XXL; max_sequence_length defaults to "
        "512 for FLUX.1 [dev] and [schnell] alike.",
    ),
    "flux-schnell-card": Source(
        _hub("black-forest-labs/FLUX.1-schnell", "the FLUX.1 [schnell] model card"),
        "usage example",
        "FLUX.1 [schnell] takes at most 256 prompt tokens.",
    ),
    "sd3-pipeline": _file(
        DIFFUSERS,
        "src/diffusers/pipelines/stable_diffusion_3/pipeline_stable_diffusion_3.py",
        "StableDiffusion3Pipeline's T5-v1.1-XXL prompt defaults to 256 tokens.",
    ),
    "pixart-alpha-pipeline": _file(
        DIFFUSERS,
        "src/diffusers/pipelines/pixart_alpha/pipeline_pixart_alpha.py",
        "PixArtAlphaPipeline's T5 prompt defaults to 120 tokens.",
    ),
    "pixart-sigma-pipeline": _file(
        DIFFUSERS,
        "src/diffusers/pipelines/pixart_alpha/pipeline_pixart_sigma.py",
        "PixArtSigmaPipeline's T5 prompt defaults to 300 tokens.",
    ),
    "deepfloyd-pipeline": _file(
        DIFFUSERS,
        "src/diffusers/pipelines/deepfloyd_if/pipeline_if.py",
        "IFPipeline encodes prompts with T5-v1.1-XXL, padded to max_length 77.",
    ),
    "deepfloyd-card": Source(
        _hub("DeepFloyd/IF-I-XL-v1.0", "the DeepFloyd IF model card"),
        "model card",
        "DeepFloyd IF uses a frozen T5-v1.1-XXL text encoder.",
    ),
    "cogvideox-pipeline": _file(
        DIFFUSERS,
        "src/diffusers/pipelines/cogvideo/pipeline_cogvideox.py",
        "CogVideoXPipeline's T5 prompt defaults to 226 tokens.",
    ),
    "cogvideox-card": Source(
        _hub("THUDM/CogVideoX-2b", "the CogVideoX-2b model card"),
        "model card",
        "CogVideoX encodes prompts with T5-v1.1-XXL.",
    ),
    "wan-pipeline": _file(
        DIFFUSERS,
        "src/diffusers/pipelines/wan/pipeline_wan.py",
        "WanPipeline encodes prompts with UMT5-XXL's encoder, 512 tokens by default.",
    ),
    "wan-card": Source(
        _hub("Wan-AI/Wan2.1-T2V-14B", "the Wan 2.1 model card"),
        "model card",
        "Wan 2.1 uses umT5 as its multilingual text encoder.",
    ),
    # --- T5Gemma ------------------------------------------------------------------------------
    "t5gemma-module-config": _file(
        TRANSFORMERS,
        "src/transformers/models/t5gemma/configuration_t5gemma.py",
        "T5GemmaConfig nests one T5GemmaModuleConfig per stack and ties the word embeddings by "
        "default; the module's defaults are a Gemma 2 2B stack: 256,000 vocabulary rows, hidden "
        "size 2304, intermediate size 9216, 26 layers, 8 query and 4 key-value heads of 256, "
        "sliding-window attention (4096 tokens) in every other layer.",
        part="T5GemmaModuleConfig",
    ),
    "t5gemma-modeling": _file(
        TRANSFORMERS,
        "src/transformers/models/t5gemma/modeling_t5gemma.py",
        "Each stack has its own token embedding; every layer has an RMSNorm before and after "
        "each sublayer, grouped-query attention and a gated MLP; lm_head ties to the decoder's "
        "embedding; the classification heads add one Linear with a bias.",
    ),
    "t5gemma-eager-attention": _file(
        TRANSFORMERS,
        "src/transformers/models/t5gemma/modeling_t5gemma.py",
        "T5Gemma supports no sdpa (it cannot soft-cap the scores); its eager attention repeats "
        "the key-value heads to the query heads, multiplies every query with every key and adds "
        "the mask (sliding window or causal) to the scores before the softmax.",
        part="eager_attention_forward",
    ),
    "sliding-window-cache": _file(
        TRANSFORMERS,
        "src/transformers/cache_utils.py",
        "A sliding-window layer of the cache keeps its last sliding_window - 1 keys and values "
        "(its slice keeps them all when the window is 1); a full layer keeps every token.",
        part="DynamicSlidingWindowLayer",
    ),
    "t5gemma2-config": _file(
        TRANSFORMERS,
        "src/transformers/models/t5gemma2/configuration_t5gemma2.py",
        "T5Gemma2Config nests an encoder (a Gemma 3 text config and a SigLIP vision config) and "
        "a decoder; it refuses encoder and decoder of different widths or vocabularies; without "
        "layer_types every sixth layer is full attention and the others sliding.",
    ),
    "t5gemma2-modeling": _file(
        TRANSFORMERS,
        "src/transformers/models/t5gemma2/modeling_t5gemma2.py",
        "Each attention adds an RMSNorm over the heads of q and of k; the decoder's one attention "
        "merges self- and cross-attention; the decoder's embedding and lm_head are the encoder's "
        "when tied; the encoder holds a SigLIP vision tower and a multimodal projector.",
    ),
    "t5gemma-doc": _file(
        TRANSFORMERS,
        "docs/source/en/model_doc/t5gemma.md",
        "T5Gemma comes in Gemma 2 sizes (2B-2B, 9B-2B, 9B-9B, adapted from Gemma 2 2B and 9B) "
        "and T5 sizes (Small, Base, Large, XL, and ML between Large and XL).",
    ),
    "gemma2-paper-table1": Source(
        GEMMA2_PAPER,
        "Table 1",
        "Gemma 2 2B: width 2304, 26 layers, 8 heads and 4 key-value heads of size 256, "
        "feed-forward width 18,432 (a GeGLU's two input halves, 2 × 9216); Gemma 2 9B: width "
        "3584, 42 layers, 16 heads and 8 key-value heads of size 256, feed-forward width "
        "28,672 (2 × 14,336); sliding window 4096.",
        note="the vocabulary of transformers' Gemma 2 configs, 256,000 rows, is what "
        "KerasHub's parameter counts confirm",
    ),
    "keras-hub-t5gemma-presets": Source(
        KERAS_HUB,
        "keras_hub/src/models/t5gemma/t5gemma_presets.py",
        "The parameter count of each T5Gemma checkpoint: 2B-2B 5,596,853,760; 9B-2B "
        "12,292,375,296; 9B-9B 20,333,401,088; also S 312,517,632, B 591,490,560, "
        "L 1,241,761,792, ML 2,200,345,344, XL 3,766,980,608.",
        f"{KERAS_HUB.url}/blob/master/keras_hub/src/models/t5gemma/t5gemma_presets.py",
    ),
    "keras-hub-t5gemma-conversion": Source(
        KERAS_HUB,
        "tools/checkpoint_conversion/convert_t5gemma_checkpoints.py",
        "The Hugging Face checkpoints of T5Gemma: google/t5gemma-{s-s, b-b, l-l, ml-ml, "
        "xl-xl, 2b-2b, 9b-2b, 9b-9b}-{ul2, prefixlm}, each with an -it variant.",
        f"{KERAS_HUB.url}/blob/master/tools/checkpoint_conversion/convert_t5gemma_checkpoints.py",
    ),
    "t5gemma-collection": Source(
        _hub("collections/google/t5gemma", "the T5Gemma collection on the Hugging Face Hub"),
        "“T5Gemma” listing",
        "The Hub lists T5Gemma 2B-2B checkpoints as 6B parameters and 9B-9B as 20B.",
    ),
    # --- text-encoder files as published (issue 19; t5sym.views.layouts) ---------------------
    "comfy-flux-text-encoders": Source(
        _hub("comfyanonymous/flux_text_encoders", "ComfyUI's FLUX text encoders"),
        "file list: “t5xxl_fp16”, “t5xxl_fp8_e4m3fn”, “t5xxl_fp8_e4m3fn_scaled”",
        "T5-v1.1-XXL's encoder as ComfyUI publishes it: t5xxl_fp16 is 9,787,841,024 bytes "
        "(every tensor F16, shared.weight and encoder.embed_tokens.weight both stored, a "
        "27,136-byte header); t5xxl_fp8_e4m3fn 4,893,934,904 (every tensor F8_E4M3); the "
        "_scaled file keeps one F32 scale_weight per Linear and an empty scaled_fp8 marker.",
        "https://huggingface.co/comfyanonymous/flux_text_encoders/tree/main",
        "file sizes and headers as listed in the project's reference (read 2026-12-04)",
    ),
    "comfy-wan-repack": Source(
        _hub("Comfy-Org/Wan_2.1_ComfyUI_repackaged", "Comfy-Org's Wan 2.1 repack"),
        "file list: “split_files/text_encoders/umt5_xxl_*.safetensors”",
        "UMT5-XXL's encoder in fp16, bf16 and fp8_e4m3fn_scaled, with the tokenizer stored "
        "as a U8 tensor spiece_model.",
        "https://huggingface.co/Comfy-Org/Wan_2.1_ComfyUI_repackaged",
    ),
    "diffusers-text-encoder-folder": Source(
        _hub("black-forest-labs/FLUX.1-dev", "the FLUX.1 [dev] pipeline"),
        "folder “text_encoder_2/”",
        "A diffusers pipeline keeps its T5 encoder as transformers' save_pretrained folder: "
        "config.json, model.safetensors.index.json and safetensors shards.",
        "https://huggingface.co/black-forest-labs/FLUX.1-dev/tree/main/text_encoder_2",
    ),
    # --- what users report --------------------------------------------------------------------
    "report-wan-umt5": Source(
        _github("kijai/ComfyUI-WanVideoWrapper", "ComfyUI-WanVideoWrapper"),
        "issue 80",
        "Users report UMT5-XXL encoder files of 6.7 GB (fp8) and 11.4 GB (bf16).",
        "https://github.com/kijai/ComfyUI-WanVideoWrapper/issues/80",
    ),
    "report-flan-te": Source(
        Document("ai-image-journey", "the “flan-t5xxl TE-only” page", ""),
        "“flan-t5xxl TE-only”",
        "Text-encoder-only Flan-T5-XXL files of 9.4 GB (FP16) and 5.5 GB (Q8_0).",
    ),
    "report-nunchaku-int4": Source(
        _github("mit-han-lab/nunchaku", "nunchaku"),
        "issue 175",
        "An int4 T5 text encoder of about 3 GB.",
        "https://github.com/mit-han-lab/nunchaku/issues/175",
    ),
    "report-langchain": Source(
        _github("langchain-ai/langchain", "LangChain"),
        "issue #5513",
        "Flan-T5-XXL loaded in fp16 is reported to take 22 GB.",
        "https://github.com/langchain-ai/langchain/issues/5513",
    ),
    "report-t2v-metrics": Source(
        _github("linzhiqiu/t2v_metrics", "t2v_metrics"),
        "issue #5",
        "clip-flant5-xxl is reported to take 22,394 MiB to load, clip-flant5-xl 6900 MiB.",
        "https://github.com/linzhiqiu/t2v_metrics/issues/5",
    ),
    "report-bnb-wo": Source(
        _github("bitsandbytes-foundation/bitsandbytes", "bitsandbytes"),
        "issue #111",
        "T5's wo is kept out of 8-bit quantization (and in float32) through _keep_in_fp32_modules.",
        "https://github.com/bitsandbytes-foundation/bitsandbytes/issues/111",
    ),
    "report-peft-945": Source(
        _github("huggingface/peft", "peft"),
        "issue #945",
        "LoRA (r=16 on q and v, lora_dropout 0.05) on flan-t5-xl loaded as a T5Model under a "
        "custom classification head runs out of memory on an 80 GB A100 once training starts, "
        "after about 20 GB at load; batch size and sequence lengths are not given.",
        "https://github.com/huggingface/peft/issues/945",
    ),
    # --- T5Gemma's T5 sizes and T5Gemma 2 (issue 20) ----------------------------------------
    "gemma-t5gemma-presets": _file(
        _github("google-deepmind/gemma", "Google DeepMind's Gemma library (JAX)"),
        "gemma/research/t5gemma/config.py",
        "The stacks of T5Gemma's T5 sizes, key-value heads as many as heads: Small 8 layers "
        "of width 512, GeGLU width 1024, 8 heads of 64; Base 12 layers, 768, 2048, 12 heads of "
        "64; Large 24 layers, 1024, 2816, 16 heads of 64; ML 26 layers, 1152, 6912, 4 heads of "
        "256; XL 24 layers, 2048, 5120, 32 heads of 64; every one with a 4096-token sliding "
        "window in every other layer (the first local), attention and final soft-caps 50 and "
        "30, and a 256,128-row Flax embedding table.",
        part="GemmaPreset.config",
    ),
    "gemma-cpp-t5gemma-s": Source(
        _github("google/gemma.cpp", "gemma.cpp, Google's C++ inference engine for Gemma"),
        "gemma/configs.cc, “ConfigT5Gemma_S_S”",
        "T5Gemma S/S: width 512, feed-forward width 1024, 8 heads and 8 key-value heads of "
        "64, 8 encoder and 8 decoder layers, windows of 4096 alternating with full attention, "
        "soft-caps 50 and 30, the 256,000-token Gemma vocabulary.",
        "https://github.com/google/gemma.cpp/blob/dev/gemma/configs.cc",
    ),
    "gemma-cpp-gemma3": Source(
        _github("google/gemma.cpp", "gemma.cpp, Google's C++ inference engine for Gemma"),
        "gemma/configs.cc, “ConfigGemma3_{270M,1B,4B}”, “AddVitConfig”",
        "Gemma 3 270M: width 640, feed-forward width 2048, 18 layers, 4 heads and 1 key-value "
        "head of 256, windows of 512 in five layers of six; 1B: 1152, 6912, 26 layers, 4 and "
        "1 heads of 256, window 512; 4B: 2560, 10240, 34 layers, 8 and 4 heads of 256, window "
        "1024; vocabulary 262,144; the vision models' SigLIP tower: width 1152, feed-forward "
        "width 4304, 16 heads, 27 layers, 896-pixel images in 14-pixel patches.",
        "https://github.com/google/gemma.cpp/blob/dev/gemma/configs.cc",
    ),
    "t5gemma2-doc": _file(
        TRANSFORMERS,
        "docs/source/en/model_doc/t5gemma2.md",
        "T5Gemma 2 comes in 270M-270M, 1B-1B and 4B-4B sizes, adapted from Gemma 3, with tied "
        "word embeddings and merged self- and cross-attention.",
    ),
    "mteb-kalm-reranker": _file(
        _github("embeddings-benchmark/mteb", "MTEB, the Massive Text Embedding Benchmark"),
        "mteb/models/model_implementations/kalm_reranker.py",
        "KaLM-Reranker-V1 Nano, Small and Large, adapted from google/t5gemma-2-270m-270m, "
        "-1b-1b and -4b-4b and loaded as seq2seq models, hold 786,029,296, 2,115,977,456 and "
        "7,508,928,880 parameters, of which 262,144 × width are the embedding.",
        note="MTEB's metadata of the Hub checkpoints, which it loads with AutoModelForSeq2SeqLM",
    ),
    "keras-hub-t5gemma2-presets": Source(
        KERAS_HUB,
        "keras_hub/src/models/t5gemma2/t5gemma2_presets.py",
        "KerasHub's T5Gemma 2 presets: 270M-270M 953,800,816 parameters, 1B-1B 2,417,966,192, "
        "4B-4B 8,180,020,080, counting the encoder's and the decoder's embedding tables apart.",
        f"{KERAS_HUB.url}/blob/master/keras_hub/src/models/t5gemma2/t5gemma2_presets.py",
    ),
    # --- LoRA under autocast, on LongT5 and Switch (issue 18) -------------------------------
    "torch-autocast-cache": _file(
        TORCH,
        "aten/src/ATen/autocast_mode.cpp",
        "Autocast caches its lower-precision cast of a float32 tensor only for a leaf that "
        "requires a gradient (a trained weight); any other tensor, a frozen weight too, is "
        "cast again at every call.",
        part="“cached_cast”",
    ),
    "peft-lora-linear": _file(
        _github("huggingface/peft", "peft, Hugging Face's parameter-efficient fine-tuning"),
        "src/peft/tuners/lora/layer.py",
        "A LoRA Linear runs the frozen base layer, casts its input to the adapters' dtype, and "
        "adds lora_B(lora_A(dropout(x))) times the scaling.",
        part="“Linear.forward”",
    ),
    "peft-target-modules": _file(
        _github("huggingface/peft", "peft, Hugging Face's parameter-efficient fine-tuning"),
        "src/peft/utils/constants.py",
        "peft's default LoRA targets are q and v for t5 and mt5; it has no default for umt5, "
        "longt5 or switch_transformers.",
        part="“TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING”",
    ),
    "transformers-fp8-linear": _file(
        TRANSFORMERS,
        "src/transformers/integrations/finegrained_fp8.py",
        "FineGrainedFP8Config makes every nn.Linear an FP8Linear but those the quantizer skips "
        "(tied weights, the output embedding, the module of the last parameter, "
        "_keep_in_fp32_modules); an FP8Linear holds a float8_e4m3fn weight and a float32 "
        "weight_scale_inv per 128 x 128 block, and Fp8Quantize leaves a weight whose "
        "dimensions are not multiples of 128 unquantized.",
        note="checked with transformers 5.23: from_pretrained on the CPU with only the "
        "quantizer's GPU check replaced",
        part="“FP8Linear”, “replace_with_fp8_linear”, “Fp8Quantize”",
    ),
    "report-flan-te-list": Source(
        Document(
            "ai-image-journey.com",
            "Easygoing, “Releasing Flan-T5xxl_TE-only in FP32, FP16, and GGUF Formats”",
            "https://ai-image-journey.com/2025/03/flan-t5xxl-te-only.html",
        ),
        "the “Model List” table",
        "The Flan-T5-XXL TE-only files are listed at 18.7 GB (FP32), 9.4 GB (FP16), 5.5 GB "
        "(Q8_0), 4.4 GB (Q6_K), 3.8 GB (Q5_K_M), 3.2 GB (Q4_K_M) and 2.6 GB (Q3_K_L); "
        "another version of the page lists 19, 9.6, 6, 4.9, 4.3 and 3.7 GB.",
        note="read in a stored copy of the page (2026-12-05)",
    ),
    "llama-quant-rel-b": _file(
        _github("ggml-org/llama.cpp", "llama.cpp"),
        "src/llama-quant.cpp",
        "llama-quantize never quantizes a T5 relative position bias (attn_rel_b): the tensor "
        "keeps the type it has in the GGUF file being quantized.",
        part="“do not quantize relative position bias (T5)”",
    ),
    "report-t5-q8-analysis": Source(
        Document(
            "rentry.co/t5_xxl-q8-versus-fp16fast",
            "“Comprehensive T5 Text Encoder Evaluation”, a user's benchmark",
            "https://rentry.co/t5_xxl-q8-versus-fp16fast",
        ),
        "“GGUF File Analysis”",
        "A T5-XXL encoder Q8_0 GGUF holds 219 tensors, 169 of them Q8_0 and 50 F32, the "
        "relative position bias enc.blk.0.attn_rel_b among the F32 ones.",
        note="the page does not name the file; city96's Q8_0 file has 219 tensors too "
        "(abetlen/llama-cpp-python issue #1717)",
    ),
    "report-city96-q8-kv": Source(
        _github("abetlen/llama-cpp-python", "llama-cpp-python"),
        "issue #1717",
        "city96's t5-v1_1-xxl-encoder-Q8_0.gguf loads with 32 key-value pairs and 219 tensors "
        "(architecture t5encoder).",
        "https://github.com/abetlen/llama-cpp-python/issues/1717",
        note="llama.cpp's loader output quoted in the issue",
    ),
    "transformers-torchao-skip": _file(
        TRANSFORMERS,
        "src/transformers/quantizers/quantizer_torchao.py",
        "The torchao quantizer checks its skip list (which holds _keep_in_fp32_modules) "
        "against each parameter's name, so T5's wo, a module-name suffix, is quantized; "
        "torchao's Float8WeightOnlyConfig keeps one float32 scale per row by default.",
        note="checked with transformers 5.23 and torchao 0.18: from_pretrained on the CPU",
        part="“param_needs_quantization”",
    ),
    "transformers-bnb-linear-only": _file(
        TRANSFORMERS,
        "src/transformers/integrations/bitsandbytes.py",
        "bitsandbytes' replacement swaps a module only when its type is exactly nn.Linear (or "
        "Conv1D): a Linear subclass such as nn.MultiheadAttention's out_proj, a bare "
        "Parameter and a Conv2d keep the dtype they were loaded in.",
        note="checked with transformers 5.23 and bitsandbytes 0.50: from_pretrained of a small "
        "T5Gemma 2 on the CPU; FineGrainedFP8's replace_with_fp8_linear tests the same",
        part="“replace_with_bnb_linear”",
    ),
    "torchao-is-linear": _file(
        _github("pytorch/ao", "torchao"),
        "torchao/quantization/quant_api.py",
        "torchao quantizes the weights of nn.Linear modules, excluding "
        "NonDynamicallyQuantizableLinear (nn.MultiheadAttention's out_proj).",
        note="checked with torchao 0.18 under transformers 5.23: from_pretrained on the CPU",
        part="“_is_linear”",
    ),
    "switch-router-float32": _file(
        TRANSFORMERS,
        "src/transformers/models/switch_transformers/modeling_switch_transformers.py",
        "SwitchTransformersTop1Router routes in config.router_dtype (float32 by default) and "
        "casts its classifier to it in every forward.",
        note="checked with transformers 5.23: after one step of a bf16 or fp16 Switch model "
        "the router's weights, gradients and optimizer state are float32",
        part="“self.classifier = self.classifier.to(self.dtype)”",
    ),
    "t5gemma2-image-features": _file(
        TRANSFORMERS,
        "src/transformers/models/t5gemma2/modeling_t5gemma2.py",
        "T5Gemma 2 projects the vision tower's last_hidden_state into the text width; the "
        "tower's pooled output (its attention-pooling head) is not used.",
        note="checked with transformers 5.23: a training step on text and an image leaves "
        "the pooling head's parameters without a gradient",
        part="“get_image_features”",
    ),
}

#: A citation's text → its key (every citation's text is unique: the tests hold it).
KEYS: dict[str, str] = {s.citation: key for key, s in SOURCES.items()}


def cite(*keys: str) -> str:
    """The citation texts of ``keys``, joined by "; " (a `KeyError` names an unknown key)."""
    return "; ".join(SOURCES[key].citation for key in keys)


_CITATION = re.compile("|".join(re.escape(c) for c in sorted(KEYS, key=len, reverse=True)))


def linked(text: str) -> str:
    """``text`` with every citation text in it written as the site's link ``[](src:KEY)``."""
    return _CITATION.sub(lambda m: f"[](src:{KEYS[m[0]]})", text)
