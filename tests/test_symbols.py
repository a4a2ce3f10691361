"""The named symbols (t5sym.model.symbols) against transformers' T5Config."""

from __future__ import annotations

from transformers import LongT5Config, SwitchTransformersConfig, T5Config

from t5sym.model import symbols
from t5sym.model.symbols import CONFIG_FIELD, DIMENSIONS, LATEX_NAMES, MEANING

WORKLOAD = (
    symbols.batch,
    symbols.encoder_length,
    symbols.decoder_length,
    symbols.cores,
    symbols.bytes_per_value,
)


#: The dimensions of one model type only: the config class that has them.
OWN_CLASS = {
    symbols.num_experts: SwitchTransformersConfig,
    symbols.num_sparse_encoder_layers: SwitchTransformersConfig,
    symbols.num_sparse_decoder_layers: SwitchTransformersConfig,
    symbols.local_radius: LongT5Config,
    symbols.global_block_size: LongT5Config,
}


def test_every_dimension_is_a_real_config_field() -> None:
    config = T5Config(num_decoder_layers=5, relative_attention_num_buckets=17, num_labels=4)
    fields = config.to_dict()
    assert set(CONFIG_FIELD) == set(DIMENSIONS)
    for symbol, name in CONFIG_FIELD.items():
        if symbol in OWN_CLASS:
            assert name in OWN_CLASS[symbol]().to_dict(), name
        elif symbol is symbols.num_labels:  # a property of every config, from id2label
            assert config.num_labels == 4 and len(fields["id2label"]) == 4
        else:
            assert name in fields, name
            assert getattr(config, name) == fields[name]
    assert fields[CONFIG_FIELD[symbols.num_buckets]] == 17
    assert fields[CONFIG_FIELD[symbols.num_decoder_layers]] == 5


def test_symbols_are_named_after_the_fields() -> None:
    names = {s: s.name for s in DIMENSIONS}
    assert names == {**CONFIG_FIELD, symbols.num_buckets: "num_buckets"}
    assert len({s.name for s in (*DIMENSIONS, *WORKLOAD)}) == len(DIMENSIONS) + len(WORKLOAD)


def test_every_symbol_is_a_positive_integer() -> None:
    for s in (*DIMENSIONS, *WORKLOAD):
        assert s.is_integer and s.is_positive, s
    assert symbols.dim("d_model") == symbols.d_model  # same name and assumptions: same symbol


def test_latex_and_meaning_for_each_symbol() -> None:
    for s in (*DIMENSIONS, *WORKLOAD):
        assert LATEX_NAMES.get(s), s
        assert MEANING.get(s), s
    assert len(set(LATEX_NAMES.values())) == len(LATEX_NAMES)  # no two symbols look alike
    assert LATEX_NAMES[symbols.d_model] == r"d_{\mathrm{model}}"
    assert LATEX_NAMES[symbols.d_ff] == r"d_{\mathrm{ff}}"
