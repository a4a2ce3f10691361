"""The ``t5sym`` command: a thin face over `t5sym.params` and `t5sym.render`.

Bad input prints one line to stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from fractions import Fraction
from typing import NoReturn, TextIO

from . import checks, flops, params, presets, render
from .config import Config
from .errors import T5SymError
from .tree import Tree

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not usage + message
        self.exit(EXIT_BAD_INPUT, _error_line(f"{self.prog}: error: {message}") + "\n")


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
        rows = render.breakdown_rows(tree_, numbers)
        lines += ["", render.table(rows, ["module", "parameters", "share"], right={1, 2})]
    return "\n".join(lines)


def cmd_formula(args: argparse.Namespace) -> str:
    config = presets.load(args.target) if args.target else None
    encoder_only = args.encoder_only or bool(config and config.encoder_only)
    expr = params.formula(config, args.node, encoder_only=encoder_only)
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
    p.add_argument(
        "--encoder-only",
        action="store_true",
        help="T5EncoderModel (the default when the config's architectures name it)",
    )
    p.set_defaults(func=cmd_formula)

    # Further views of the same tree, each in its own section below.
    _add_flops(sub, target_help)
    _add_memory(sub, target_help)
    _add_shard(sub, target_help)
    return parser


def _version() -> str:
    from . import __version__

    return __version__


#: ASCII stand-ins for the non-ASCII characters t5sym prints, for an ASCII-only terminal.
_ASCII = str.maketrans({"≈": "~", "·": "*", "−": "-", "×": "x", "…": "...", "→": "->"})

#: The longest error line printed (a long argument is cut in the middle).
_ERROR_LIMIT = 200


def _encodable(text: str, stream: TextIO) -> str:
    """``text`` as ``stream`` can encode it: ASCII stand-ins, then ``?`` for the rest."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        text = text.translate(_ASCII)
        try:
            text = text.encode(encoding, errors="replace").decode(encoding)
        except LookupError:
            text = text.encode("ascii", errors="replace").decode("ascii")
    return text


def _error_line(message: str) -> str:
    """One line of at most `_ERROR_LIMIT` characters, the middle cut if longer."""
    line = " ".join(message.splitlines())
    if len(line) > _ERROR_LIMIT:
        half = (_ERROR_LIMIT - 1) // 2
        line = line[:half] + "…" + line[-half:]
    return line


def _say_error(message: str) -> None:
    """``t5sym: error: MESSAGE`` on stderr, one line; silent if stderr is gone."""
    if sys.stderr is None:
        return
    try:
        sys.stderr.write(_encodable(_error_line(f"t5sym: error: {message}"), sys.stderr) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _silence_stdout() -> None:
    """Point stdout's descriptor at devnull so the interpreter's last flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; bad input is one stderr line and status 2, never a traceback.

    Output goes through the terminal's encoding (ASCII stand-ins for ``≈`` and friends
    when it cannot hold them); a full or closed stdout is one ``output:`` error line, a
    closed pipe (``t5sym list | head -1``) is silent.
    """
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        digits_limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
        if digits_limit:  # inputs are capped at checks.MAX_DIGITS; print any count they give
            sys.set_int_max_str_digits(0)
        try:
            out = args.func(args)
        finally:
            if digits_limit:
                sys.set_int_max_str_digits(digits_limit)
    except T5SymError as exc:
        _say_error(str(exc))
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        _say_error("interrupted")
        return 130
    except SystemExit as exc:  # argparse: --help, --version or a usage error, already written
        code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
        return _write(None) or code
    return _write(out)


def _write(out: str | None) -> int:
    """Print ``out`` (None: only flush); 0, or `EXIT_BAD_INPUT` after one error line."""
    if sys.stdout is None:
        if out is None:
            return 0
        _say_error("output: cannot write (stdout is closed)")
        return EXIT_BAD_INPUT
    try:
        if out is not None:
            sys.stdout.write(_encodable(out, sys.stdout) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. `t5sym list | head -1`: the reader has all it wanted
        _silence_stdout()
    except (OSError, ValueError) as exc:
        _silence_stdout()
        reason = getattr(exc, "strerror", None) or exc.__class__.__name__
        _say_error(f"output: cannot write ({reason})")
        return EXIT_BAD_INPUT
    return 0


# --- flops: `t5sym flops TARGET --batch B --encoder-length S --decoder-length T` ---------


def _positive_int(text: str) -> int:
    """An argparse ``type``: a positive integer, else one line naming the option."""
    value: object = text
    number = text.strip().lstrip("+-").lstrip("0").replace("_", "")
    if len(number) > checks.MAX_DIGITS and number.isdigit():  # refused before int() reads it
        raise argparse.ArgumentTypeError(
            f"must have at most {checks.MAX_DIGITS:,} digits, got a number of {len(number):,}"
        )
    try:
        value = int(text)
    except ValueError:
        pass
    try:
        return checks.positive_int("value", value)
    except T5SymError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("value: ")) from None


def _flops_modules(tree_: Tree) -> list[tuple[int, str]]:
    """(depth, name) of the stacks, their attention and FFN modules, and lm_head."""
    rows = []
    for depth, n in tree_.root.depths():
        top = depth == 1
        if top or (n.children and all(c.is_leaf for c in n.children)):
            rows.append((0 if top else 1, n.name))
    return rows


def cmd_flops(args: argparse.Namespace) -> str:
    config = presets.load(args.target)
    encoder_only = args.encoder_only or config.encoder_only
    result = flops.count_flops(
        config, args.batch, args.encoder_length, args.decoder_length, encoder_only=encoder_only
    )
    model = "T5EncoderModel" if encoder_only else "T5ForConditionalGeneration"
    rule = {
        "parameters": result.parameters,
        "tokens": result.tokens,
        "forward_2N": result.naive,
        "training_6N": result.naive_training,
        "ratio": float(result.naive_ratio),
        "per_side_forward": result.per_side,
        "per_side_training": result.per_side_training,
        "per_side_ratio": float(result.ratio),
        "excess": result.excess,
    }
    if args.json:
        out = {
            "name": config.name,
            "model": model,
            "batch": result.batch,
            "encoder_length": result.encoder_length,
            "decoder_length": result.decoder_length,
            "forward_flops": result.forward,
            "training_flops": result.training,
            "rule_of_thumb": rule,
        }
        if args.breakdown:
            out["breakdown"] = {k: v for k, v in result.breakdown.items() if k}
        return json.dumps(out, indent=2)

    lengths = f"S={result.encoder_length}"
    if not encoder_only:
        lengths += f", T={result.decoder_length}"
    stacks = "2·B·N_enc·S" if encoder_only else "2·B·(N_enc·S + N_dec·T)"
    forward = result.forward

    def row(label: str, n: int, ratio: str = "") -> list[str]:
        return [label, f"{n:,}", render.approx(n), ratio]

    summary = [
        row("forward", forward),
        row(f"training ({1 + flops.BACKWARD_PER_FORWARD} × forward)", result.training),
        row(
            f"2·N per token (N={result.parameters:,}, {result.tokens:,} tokens)",
            result.naive,
            f"{float(result.naive_ratio):.3f}",
        ),
        row("6·N per token (training)", result.naive_training, f"{float(result.naive_ratio):.3f}"),
        row(f"{stacks}, N_* = linear weights", result.per_side, f"{float(result.ratio):.3f}"),
    ]
    excess = [[name, f"{n:,}", f"{100 * n / forward:.2f}%"] for name, n in result.excess.items()]
    tree_ = flops.forward_tree(config, encoder_only)
    if args.breakdown:
        rows = [(depth - 1, n.name) for depth, n in tree_.root.depths() if depth]
    else:
        rows = _flops_modules(tree_)
    parts = [
        [
            "  " * depth + name,
            f"{result.breakdown[name]:,}",
            f"{100 * result.breakdown[name] / forward:.2f}%",
        ]
        for depth, name in rows
    ]
    return "\n".join(
        [
            f"{config.name}: {_describe(config)}",
            f"{model}, batch B={result.batch}, {lengths}; FLOPs of matrix products, "
            "2 per multiply-add (as torch's FlopCounterMode)",
            "",
            render.table(summary, ["", "FLOPs", "≈", "ours / rule"], right={1, 2, 3}),
            "",
            render.table(excess, [f"forward − {stacks}", "FLOPs", "of forward"], right={1, 2}),
            "",
            render.table(parts, ["module", "forward FLOPs", "share"], right={1, 2}),
        ]
    )


def _add_flops(sub: argparse._SubParsersAction, target_help: str) -> None:
    """``t5sym flops``: forward and training FLOPs per part (`t5sym.flops`)."""
    p = sub.add_parser("flops", help="forward and training FLOPs of a preset or config.json")
    p.add_argument("target", metavar="TARGET", help=target_help)
    p.add_argument(
        "--batch",
        type=_positive_int,
        default=flops.DEFAULT_BATCH,
        help="sequences per batch, B (default: %(default)s)",
    )
    p.add_argument(
        "--encoder-length",
        type=_positive_int,
        default=flops.DEFAULT_ENCODER_LENGTH,
        help="input tokens per sequence, S (default: %(default)s, T5's pre-training length)",
    )
    p.add_argument(
        "--decoder-length",
        type=_positive_int,
        default=flops.DEFAULT_DECODER_LENGTH,
        help="target tokens per sequence, T (default: %(default)s; T5 pre-trained on 114)",
    )
    p.add_argument(
        "--encoder-only",
        action="store_true",
        help="T5EncoderModel (the default when the config's architectures name it)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--breakdown", action="store_true", help="every node of the FLOP tree")
    p.set_defaults(func=cmd_flops)


# --- memory: `t5sym memory TARGET [--dtype bf16] [--optimizer adafactor|adam]` -----------


def _add_memory(sub: argparse._SubParsersAction, target_help: str) -> None:
    """``t5sym memory``: bytes of weights, gradients and optimizer state (`t5sym.memory`)."""
    from . import memory

    p = sub.add_parser("memory", help="bytes of weights, gradients and optimizer state")
    p.add_argument("target", metavar="TARGET", help=target_help)
    p.add_argument(
        "--dtype",
        default=memory.DEFAULT_DTYPE,
        help=f"{', '.join(memory.DTYPE_BYTES)} (default {memory.DEFAULT_DTYPE}, as Mesh "
        "TensorFlow held T5's variables in memory; int8 only with --optimizer none)",
    )
    p.add_argument(
        "--optimizer",
        default=memory.DEFAULT_OPTIMIZER,
        help=f"{', '.join(memory.OPTIMIZERS)} (default {memory.DEFAULT_OPTIMIZER}, as T5 was "
        "trained; none: inference, weights only)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_memory)


def cmd_memory(args: argparse.Namespace) -> str:
    from . import memory

    memory.dtype_bytes(args.dtype)  # validate the choices before reading the target
    memory.get_optimizer(args.optimizer)
    config = presets.load(args.target)
    result = memory.training_memory(config, args.dtype, args.optimizer)
    if args.json:
        return json.dumps(result.to_dict(), indent=2)
    rows = [
        [label, f"{n:,}", f"{n / 2**30:.2f}", f"{n / 10**9:.2f}"]
        for label, n in (
            ("weights", result.weights),
            ("gradients", result.gradients),
            ("optimizer state", result.optimizer_state),
            ("total", result.total),
        )
    ]
    opt = memory.OPTIMIZER[args.optimizer]
    return "\n".join(
        [
            f"{config.name}: {_describe(config)}",
            f"dtype={args.dtype} optimizer={args.optimizer} ({opt.doc}); "
            f"state: {result.state_tensors:,} tensors, {result.state_scalars:,} Python ints",
            render.table(rows, ["part", "bytes", "GiB", "GB"], right={1, 2, 3}),
            "not counted: activations and temporaries",
        ]
    )


# --- shard: `t5sym shard TARGET --cores P` -------------------------------------------------


def _add_shard(sub: argparse._SubParsersAction, target_help: str) -> None:
    """``t5sym shard TARGET --cores P [--bytes-per-value N] [--json]``."""
    p = sub.add_parser(
        "shard", help="per-core parameters, FLOPs and all-reduces on P cores (Mesh TF layout)"
    )
    p.add_argument("target", metavar="TARGET", help=target_help)
    p.add_argument(
        "--cores",
        type=int,
        required=True,
        help="cores along the model mesh dimension (T5 v1.0: large 2, 3B 8, 11B 32)",
    )
    p.add_argument(
        "--bytes-per-value", type=int, default=2, help="bytes per activation value (bf16: 2)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_shard)


def _fraction(x: Fraction) -> int | str:
    """An exact number for JSON: an int, or ``"a/b"`` when it is a fraction."""
    return x.numerator if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def cmd_shard(args: argparse.Namespace) -> str:
    from . import sharding

    config = presets.load(args.target)
    s = sharding.shard(config, args.cores, args.bytes_per_value)
    if args.json:
        return json.dumps(
            {
                "name": config.name,
                "cores": s.cores,
                "bytes_per_value": s.bytes_per_value,
                "per_core_dims": s.local_dims,
                "parameters": s.parameters,
                "parameters_per_core": s.parameters_per_core,
                "replicated_parameters_per_core": s.replicated_per_core,
                "flops_per_token": s.flops_per_token,
                "flops_per_token_per_core": s.flops_per_token_per_core,
                "layers": {
                    stack: {
                        "flops_per_core_per_token": n.flops_per_core,
                        "allreduces": n.allreduces,
                        "allreduce_bytes_per_token": n.allreduce_bytes,
                        "ring_bytes_sent_per_core_per_token": _fraction(n.bytes_sent_per_core),
                        "flops_per_byte_sent": _fraction(n.ratio),
                    }
                    for stack, n in s.layers.items()
                },
                "embedding_allreduce_bytes_per_token": s.embedding_allreduce_bytes,
                "loss_allreduce_bytes_per_token": s.loss_allreduce_bytes,
            },
            indent=2,
        )
    dims = s.local_dims
    lines = [
        f"{config.name} on {s.cores} cores: num_heads, d_ff and vocab_size split over the "
        f"cores, d_model replicated (Mesh TF layout); {s.bytes_per_value} bytes per value",
        f"each core: num_heads {dims['num_heads']} (num_heads*d_kv {dims['inner_dim']}), "
        f"d_ff {dims['d_ff']}, vocab_size {dims['vocab_size']}",
        "",
        render.table(
            [
                ["parameters", f"{s.parameters:,}", f"{s.parameters_per_core:,}"],
                ["  of which replicated (RMSNorm)", "", f"{s.replicated_per_core:,}"],
                [
                    "matmul FLOPs per token",
                    f"{s.flops_per_token:,}",
                    f"{s.flops_per_token_per_core:,}",
                ],
            ],
            ["", "whole model", "per core"],
            right={1, 2},
        ),
        "",
        render.table(
            [
                [
                    f"{stack} block",
                    f"{n.flops_per_core:,}",
                    str(n.allreduces),
                    f"{n.allreduce_bytes:,}",
                    f"{float(n.bytes_sent_per_core):,.6g}",
                    f"{float(n.ratio):,.1f}",
                ]
                for stack, n in s.layers.items()
            ],
            [
                "per token",
                "FLOPs per core",
                "all-reduces",
                "bytes all-reduced",
                "bytes sent per core (ring)",
                "FLOPs per byte sent",
            ],
            right={1, 2, 3, 4, 5},
        ),
        "",
        f"embedding lookups over split vocab: {s.embedding_allreduce_bytes:,} bytes all-reduced "
        f"per token; loss over split vocab: {s.loss_allreduce_bytes:,} bytes",
        "per token: one input token through the encoder and one target token through the "
        "decoder (batch = encoder_length = decoder_length = 1); ring all-reduce: each core "
        "sends 2*(cores-1)/cores of the bytes all-reduced",
    ]
    return "\n".join(lines)
