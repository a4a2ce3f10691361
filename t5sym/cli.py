"""The ``t5sym`` command: a thin face over :mod:`t5sym.params` and :mod:`t5sym.render`.

Bad input prints one line to stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import NoReturn

from . import params, presets, render
from .config import Config
from .errors import T5SymError

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not usage + message
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _describe(c: Config) -> str:
    depth = f"{c.num_layers}/{c.num_decoder_layers}"
    head = "tied" if c.tie_word_embeddings else "untied"
    return (
        f"d_model={c.d_model} d_ff={c.d_ff} num_heads={c.num_heads} d_kv={c.d_kv} "
        f"(num_heads*d_kv={c.inner_dim}) layers={depth} vocab_size={c.vocab_size} "
        f"buckets={c.relative_attention_num_buckets} ffn={c.feed_forward_proj} lm_head={head}"
    )


def cmd_list(args: argparse.Namespace) -> str:
    rows = []
    for name, p in presets.PRESETS.items():
        c = p.config
        total = params.count(c).total
        rows.append(
            [
                name,
                str(c.d_model),
                str(c.d_ff),
                str(c.num_heads),
                str(c.d_kv),
                str(c.inner_dim),
                f"{c.num_layers}/{c.num_decoder_layers}",
                str(c.vocab_size),
                c.feed_forward_proj,
                "yes" if c.tie_word_embeddings else "no",
                f"{total:,}",
                render.approx(total),
            ]
        )
    if args.json:
        return json.dumps(
            {
                n: {
                    **p.config.to_dict(),
                    "hub_id": p.hub_id,
                    "source": p.source,
                    "total": params.count(p.config).total,
                }
                for n, p in presets.PRESETS.items()
            },
            indent=2,
        )
    header = [
        "preset",
        "d_model",
        "d_ff",
        "heads",
        "d_kv",
        "heads*d_kv",
        "enc/dec",
        "vocab",
        "ffn",
        "tied",
        "parameters",
        "≈",
    ]
    return render.table(rows, header, right={1, 2, 3, 4, 5, 7, 10, 11})


def cmd_count(args: argparse.Namespace) -> str:
    config = presets.load(args.target)
    result = params.count(config)
    if args.json:
        out = {
            "name": config.name,
            "model": result.model,
            "total": result.total,
            "encoder_only_total": result.encoder_only_total,
            "config": config.to_dict(),
        }
        if args.breakdown:
            out["breakdown"] = {k: v for k, v in result.breakdown.items() if k}
            out["encoder_only_breakdown"] = {k: v for k, v in result.encoder_breakdown.items() if k}
        return json.dumps(out, indent=2)
    seq2seq = ("T5ForConditionalGeneration", result.total)
    enc = ("T5EncoderModel (encoder only)", result.encoder_only_total)
    first, second = (enc, seq2seq) if config.encoder_only else (seq2seq, enc)
    lines = [
        f"{config.name}: {_describe(config)}",
        render.table(
            [
                [first[0], f"{first[1]:,}", render.approx(first[1])],
                [second[0], f"{second[1]:,}", render.approx(second[1])],
            ],
            ["model", "parameters", "≈"],
            right={1, 2},
        ),
    ]
    if args.breakdown:
        tree_ = params.tree(config, encoder_only=config.encoder_only)
        numbers = result.encoder_breakdown if config.encoder_only else result.breakdown
        total = numbers[""]
        rows = [
            [
                "  " * (depth - 1) + n.name,
                f"{numbers[n.name]:,}",
                f"{100 * numbers[n.name] / total:.2f}%",
            ]
            for depth, n in tree_.root.depths()
            if depth
        ]
        lines += ["", render.table(rows, ["module", "parameters", "share"], right={1, 2})]
    return "\n".join(lines)


def cmd_formula(args: argparse.Namespace) -> str:
    config = presets.load(args.target) if args.target else None
    expr = params.formula(config, args.node, encoder_only=args.encoder_only)
    return render.render(expr, args.format)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="t5sym", description="Exact, symbolic parameter counts of T5 models.")
    parser.add_argument("--version", action="version", version=f"t5sym {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("list", help="the presets with their dims and totals")
    p.add_argument("--json", action="store_true", help="one JSON object keyed by preset")
    p.set_defaults(func=cmd_list)

    target_help = "a preset name (see 't5sym list'), a config.json, or a folder holding one"
    p = sub.add_parser("count", help="exact parameter counts of a preset or config.json")
    p.add_argument("target", metavar="TARGET", help=target_help)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--breakdown", action="store_true", help="every module of the tree")
    p.set_defaults(func=cmd_count)

    p = sub.add_parser("formula", help="the total (or a module's count) as a formula")
    p.add_argument("target", metavar="TARGET", nargs="?", help=target_help + " (default: v1.0)")
    fmt = p.add_mutually_exclusive_group()
    fmt.set_defaults(format="text")
    for name in render.FORMATS[1:]:
        fmt.add_argument(f"--{name}", dest="format", action="store_const", const=name)
    p.add_argument("--node", help="a module name from 'count --breakdown', e.g. lm_head")
    p.add_argument("--encoder-only", action="store_true", help="T5EncoderModel")
    p.set_defaults(func=cmd_formula)

    # Further views of the same tree, each in its own section below.
    _add_flops(sub, target_help)
    _add_memory(sub, target_help)
    _add_shard(sub, target_help)
    return parser


def _version() -> str:
    from . import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        out = args.func(args)
    except T5SymError as exc:
        print(f"t5sym: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        print(out)
    except BrokenPipeError:  # e.g. `t5sym list | head`
        sys.stderr.close()
    return 0


# --- flops: `t5sym flops TARGET --batch B --encoder-length S --decoder-length T` ---------


def _add_flops(sub: argparse._SubParsersAction, target_help: str) -> None:
    """Not yet built."""


# --- memory: `t5sym memory TARGET [--dtype bf16] [--optimizer adafactor|adam]` -----------


def _add_memory(sub: argparse._SubParsersAction, target_help: str) -> None:
    """Not yet built."""


# --- shard: `t5sym shard TARGET --cores P` -------------------------------------------------


def _add_shard(sub: argparse._SubParsersAction, target_help: str) -> None:
    """Not yet built."""
