"""The ``t5sym`` command: parses arguments, calls the library, prints its results.

``--json`` prints a result's ``to_dict()``; the human tables come from `t5sym.cli.report`.
Bad input prints one line to stderr and exits with status 2. The views, the report and
the printers are reached as ``t5sym.views.<module>``, imported on first use, and only the
command's own options are built: ``t5sym count --json`` loads none of them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

import t5sym
from t5sym.cli import console
from t5sym.errors import T5SymError
from t5sym.model import gemma, params, presets
from t5sym.model.checks import MAX_DIGITS, positive_int

EXIT_BAD_INPUT = console.EXIT_BAD_INPUT
TARGET_HELP = "a preset name (see 't5sym list'), a config.json, or a folder holding one"
PATH_HELP = "a .safetensors or .gguf file, a model folder, or a diffusers pipeline folder"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not usage + message
        self.exit(EXIT_BAD_INPUT, console.error_line(f"{self.prog}: error: {message}") + "\n")


def _positive_int(text: str) -> int:
    """An argparse ``type``: a positive integer, else one line naming the option."""
    number = text.strip().lstrip("+-").lstrip("0").replace("_", "")
    if len(number) > MAX_DIGITS and number.isdigit():  # refused before int() reads it
        raise argparse.ArgumentTypeError(
            f"must have at most {MAX_DIGITS:,} digits, got a number of {len(number):,}"
        )
    try:
        value: object = int(text)
    except ValueError:
        value = text
    try:
        return positive_int("value", value)
    except T5SymError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("value: ")) from None


def _json(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


# --- commands: each returns the text to print --------------------------------------------


def cmd_list(args: argparse.Namespace) -> str:
    return _json(t5sym.cli.report.presets_dict()) if args.json else t5sym.cli.report.presets_text()


def cmd_count(args: argparse.Namespace) -> str:
    if t5sym.views.pipelines.is_pipeline(args.target):  # a diffusers pipeline: its T5-family parts
        results = [params.count(c) for c in t5sym.views.pipelines.pipeline_configs(args.target)]
        if args.json:
            return _json([r.to_dict(details=args.breakdown) for r in results])
        texts = (t5sym.cli.report.count_text(r, breakdown=args.breakdown) for r in results)
        return "\n\n".join(texts)
    result = params.count(presets.load(args.target))
    if args.json:
        return _json(result.to_dict(details=args.breakdown))
    return t5sym.cli.report.count_text(result, breakdown=args.breakdown)


def cmd_inspect(args: argparse.Namespace) -> str:
    result = t5sym.views.inspect.inspect(args.target)
    return _json(result.to_dict()) if args.json else t5sym.views.inspect.inspect_text(result)


def cmd_formula(args: argparse.Namespace) -> str:
    config = presets.load(args.target) if args.target else None
    expr = params.formula(config, args.node, encoder_only=args.encoder_only)
    return t5sym.views.printers.render(expr, args.format, config)


def cmd_flops(args: argparse.Namespace) -> str:
    config = presets.load(args.target)
    encoder_only = True if args.encoder_only else None
    lengths = (args.batch, args.encoder_length, args.decoder_length)
    result = t5sym.views.flops.count_flops(config, *lengths, encoder_only=encoder_only)
    if args.json:
        return _json(result.to_dict(details=args.breakdown))
    return t5sym.cli.report.flops_text(result, breakdown=args.breakdown)


def cmd_memory(args: argparse.Namespace) -> str:
    t5sym.views.memory.check(args.dtype, args.optimizer)  # the choices before the target
    config = presets.load(args.target)
    lengths = {k: getattr(args, k) for k in ("batch", "encoder_length", "decoder_length")}
    setup = {k: getattr(args, k) for k in ("attention", "device", "precision", "padding_mask",
                                           "reentrant")}  # fmt: skip
    lora = {k: getattr(args, k) for k in ("lora_rank", "lora_targets", "lora_dropout")}
    result = t5sym.views.activations.memory_at(config, args.dtype, args.optimizer, args.cores,
                                         args.checkpointing, **lora, **lengths, **setup,
                                         dropout=args.dropout_rate)  # fmt: skip
    return _json(result.to_dict()) if args.json else t5sym.cli.report.memory_text(result)


def cmd_inference(args: argparse.Namespace) -> str:
    t5sym.views.inference.check_dtype(args.dtype)  # the choices before the target
    config = presets.load(args.target)
    lengths = (args.batch, args.encoder_length, args.decoder_length)
    if isinstance(config, gemma.GemmaConfig):  # T5Gemma (2): weights and caches only
        cache = t5sym.views.inference.gemma_cache(config, *lengths, args.dtype)
        return _json(cache.to_dict()) if args.json else t5sym.cli.report.gemma_cache_text(cache)
    result = t5sym.views.inference.inference(config, *lengths, args.dtype)
    return _json(result.to_dict()) if args.json else t5sym.cli.report.inference_text(result)


def cmd_shard(args: argparse.Namespace) -> str:
    config = presets.load(args.target)
    result = t5sym.views.sharding.shard(config, args.cores, args.bytes_per_value)
    return _json(result.to_dict()) if args.json else t5sym.cli.report.shard_text(result)


def cmd_weights(args: argparse.Namespace) -> str:
    config, encoder_only = presets.load(args.target), args.encoder_only
    if args.all:  # every format; those that cannot hold the model say why
        from t5sym.views import layouts  # every format's file, and the published ones

        results = layouts.weights_all(config, encoder_only=encoder_only)
        if args.json:
            return _json([r.to_dict() for r in results])
        return t5sym.cli.report.weights_all_text(results)
    result = t5sym.views.formats.weights(config, t5sym.views.formats.get(args.format).name,
                                   encoder_only=encoder_only)  # fmt: skip
    return _json(result.to_dict()) if args.json else t5sym.cli.report.weights_text(result)


#: Adds options to a subcommand's parser.
Adder = Callable[[argparse.ArgumentParser], None]


def _command(sub, name: str, func, help: str, *adders: Adder, target: str = "1") -> None:
    """A subcommand: TARGET (``target`` "1", "?", "path" or "" for none), the options."""
    p = sub.add_parser(name, help=help, description=help)
    if target == "path":
        p.add_argument("target", metavar="PATH", help=PATH_HELP)
    elif target:
        nargs = None if target == "1" else "?"
        p.add_argument("target", metavar="TARGET", nargs=nargs, help=TARGET_HELP)
    for add in adders:
        add(p)
    p.set_defaults(func=func)


def _json_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _breakdown(p: argparse.ArgumentParser) -> None:
    p.add_argument("--breakdown", action="store_true", help="every module of the tree")


def _encoder_only(p: argparse.ArgumentParser) -> None:
    p.add_argument("--encoder-only", action="store_true", help="the model type's EncoderModel")


def _formats(p: argparse.ArgumentParser) -> None:
    fmt = p.add_mutually_exclusive_group()
    fmt.set_defaults(format="text")
    for name in t5sym.views.printers.NOTATIONS[1:]:
        fmt.add_argument(f"--{name}", dest="format", action="store_const", const=name)
    p.add_argument("--node", help="a module name from 'count --json --breakdown', e.g. lm_head")


def _workload(p: argparse.ArgumentParser) -> None:
    for flag, default, what in (
        ("--batch", t5sym.views.flops.DEFAULT_BATCH, "sequences per batch, B"),
        (
            "--encoder-length",
            t5sym.views.flops.DEFAULT_ENCODER_LENGTH,
            "input tokens per sequence, S",
        ),
        (
            "--decoder-length",
            t5sym.views.flops.DEFAULT_DECODER_LENGTH,
            "target tokens per sequence, T",
        ),
    ):
        p.add_argument(flag, type=_positive_int, default=default, help=f"{what} (%(default)s)")


def _lengths(p: argparse.ArgumentParser) -> None:
    for flag in ("--batch", "--encoder-length", "--decoder-length"):
        p.add_argument(flag, type=_positive_int, help="with activations saved for backward")
    p.add_argument("--checkpointing", action="store_true", help="recompute each block")
    p.add_argument("--reentrant", action="store_true",
                   help="checkpoint with use_reentrant=True (transformers 5: False)")  # fmt: skip


def _setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("--attention", default="sdpa", help="sdpa (transformers' default), eager")
    p.add_argument("--device", default="cuda", help="cuda (derived from torch's source), "
                   "cpu (measured) (%(default)s)")  # fmt: skip
    p.add_argument("--precision", default="cast",
                   help="cast: the model cast to --dtype (%(default)s); autocast-bf16, "
                   "autocast-fp16: fp32 weights under torch.autocast (HF Trainer's bf16=True "
                   "/ fp16=True)")  # fmt: skip
    p.add_argument("--padding-mask", action="store_true", help="an attention_mask is passed")
    p.add_argument("--dropout-rate", type=float, help="dropout_rate (0.1); 0 saves no masks")


def _serving(p: argparse.ArgumentParser) -> None:
    _workload(p)
    default = t5sym.views.inference.DEFAULT_SERVING_DTYPE
    p.add_argument("--dtype", default=default, help=f"fp32, bf16, fp16 ({default})")


def _training(p: argparse.ArgumentParser) -> None:
    dtypes = ", ".join(t5sym.views.memory.DTYPE_BYTES)
    optimizers = ", ".join(t5sym.views.memory.ALL_OPTIMIZERS)
    p.add_argument(
        "--dtype", default=t5sym.views.memory.DEFAULT_DTYPE, help=f"{dtypes} (%(default)s)"
    )
    p.add_argument("--optimizer", default=t5sym.views.memory.DEFAULT_OPTIMIZER,
                   help=f"{optimizers} (%(default)s)")  # fmt: skip
    p.add_argument("--cores", type=_positive_int, help="bytes of one of P cores (Mesh TF)")
    p.add_argument("--lora-rank", type=_positive_int, help="LoRA (peft) of rank R, base frozen")
    p.add_argument("--lora-targets", help="peft's target_modules, e.g. q,v (peft's default)")
    p.add_argument("--lora-dropout", type=float, help="peft's lora_dropout (0); with a workload")


def _layout(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cores", type=_positive_int, required=True,
                   help="cores of the model mesh dimension")  # fmt: skip
    p.add_argument("--bytes-per-value", type=_positive_int, default=t5sym.views.sharding.BF16,
                   help="(%(default)s)")  # fmt: skip


def _weights(p: argparse.ArgumentParser) -> None:
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument(
        "--format", default="bf16", help=f"{', '.join(t5sym.views.formats.FORMATS)} (bf16)"
    )
    fmt.add_argument("--all", action="store_true", help="one row per format")


#: name → (function, help, option adders, TARGET: "1" one, "?" optional, "path", "" none)
COMMANDS: dict[str, tuple[Callable[[argparse.Namespace], str], str, tuple[Adder, ...], str]] = {
    "list": (cmd_list, "the presets with their dims and totals", (_json_flag,), ""),
    "count": (cmd_count, "exact parameter counts", (_json_flag, _breakdown), "1"),
    "formula": (cmd_formula, "a count as a formula", (_formats, _encoder_only), "?"),
    "flops": (cmd_flops, "forward and training FLOPs per part",
              (_workload, _encoder_only, _json_flag, _breakdown), "1"),
    "memory": (cmd_memory, "bytes of weights, gradients, optimizer state",
               (_training, _lengths, _setup, _json_flag), "1"),
    "inference": (cmd_inference, "weights, caches, activations, generate() FLOPs",
                  (_serving, _json_flag), "1"),
    "shard": (cmd_shard, "per-core parameters, FLOPs, all-reduces (Mesh TF)",
              (_layout, _json_flag), "1"),
    "weights": (cmd_weights, "bytes of the weights in a storage format (fp8, int8, 4-bit, GGUF)",
                (_weights, _encoder_only, _json_flag), "1"),
    "inspect": (cmd_inspect, "what a weight file or folder holds, against the computed plan",
                (_json_flag,), "path"),
}  # fmt: skip


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``t5sym`` parser, one subcommand per view; with ``command``, only its options."""
    parser = _Parser(prog="t5sym", description="Exact, symbolic parameter counts of T5 models.")
    parser.add_argument("--version", action="version", version=f"t5sym {t5sym.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, (func, help, adders, target) in COMMANDS.items():
        wanted = adders if command in (None, name) else ()
        _command(sub, name, func, help, *wanted, target=target)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; bad input is one stderr line and status 2, never a traceback.

    Output goes through the terminal's encoding (ASCII stand-ins for ``≈`` and friends
    when it cannot hold them); a full or closed stdout is one ``output:`` error line, a
    closed pipe (``t5sym list | head -1``) is silent.
    """
    try:
        words = [a for a in (sys.argv[1:] if argv is None else argv) if not a.startswith("-")]
        parser = build_parser(words[0] if words and words[0] in COMMANDS else None)
        args = parser.parse_args(argv)
        digits_limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
        if digits_limit:  # inputs are capped at MAX_DIGITS; print any count they give
            sys.set_int_max_str_digits(0)
        try:
            out = args.func(args)
        finally:
            if digits_limit:
                sys.set_int_max_str_digits(digits_limit)
    except T5SymError as exc:
        console.say_error(str(exc))
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        console.say_error("interrupted")
        return 130
    except SystemExit as exc:  # argparse: --help, --version or a usage error, already written
        code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
        return console.write(None) or code
    return console.write(out)
