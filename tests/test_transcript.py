"""Console blocks for the pages: the command run in this process, as the real process."""

from __future__ import annotations

import pytest

from t5site import transcript
from t5sym import T5SymError


def test_console_block_equals_the_real_process() -> None:
    from .support.cli import run

    for command in ("t5sym count t5-3b", "t5sym formula t5-3b --node lm_head"):
        block = transcript.console_block(command)
        real = run(*command.split()[1:])
        shown = block.split("\n", 2)[2].rsplit("\n```", 1)[0]
        assert shown == (real.stdout + real.stderr).rstrip("\n"), command
        assert ("Exit status: `2`" in block) == (real.returncode == 2)


def test_console_block_runs_in_a_folder(tmp_path) -> None:
    import json

    fields = {"d_model": 8, "d_ff": 16, "num_heads": 2, "d_kv": 4, "num_layers": 1}
    (tmp_path / "config.json").write_text(json.dumps({**fields, "vocab_size": 10}))
    block = transcript.console_block("t5sym count config.json", cwd=str(tmp_path))
    # by hand: shared 80; per encoder block 4·8·8 + 2·8·16 + 2·8 = 528, bias 64, norm 8;
    # per decoder block 2·256 + 256 + 24 = 792, bias 64, norm 8
    assert f"{80 + 528 + 64 + 8 + 792 + 64 + 8:,}" in block


def test_only_t5sym_commands_run() -> None:
    with pytest.raises(T5SymError, match="^command: must start with 't5sym'"):
        transcript.console_block("rm -rf /")


def test_help_blocks_are_what_the_command_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    from .support.cli import run

    monkeypatch.setenv("COLUMNS", "84")
    text = transcript.help_blocks()
    sections = re.split(r"^### `t5sym (\w+)`$", text, flags=re.M)
    names = sections[1::2]
    assert "count" in names and "weights" in names
    for name, body in [("", sections[0]), *zip(names, sections[2::2], strict=True)]:
        real = run(*([name] if name else []), "--help", env={"COLUMNS": "84"})
        shown = body.strip().removeprefix("```text\n").removesuffix("\n```")
        assert shown == real.stdout.rstrip("\n"), name
