"""Diffusers pipelines: which components of a ``model_index.json`` are T5-family models.

A pipeline folder names each component's folder and class in ``model_index.json`` (FLUX
keeps its T5 encoder in ``text_encoder_2/``, SD3 in ``text_encoder_3/``, Wan in
``text_encoder/``); each component folder has its own ``config.json``.
"""

from __future__ import annotations

import os
import stat
from dataclasses import replace

from t5sym.errors import T5SymError
from t5sym.model.checks import shown, shown_path
from t5sym.model.config import Config, architecture, from_hf
from t5sym.views.headers import HeaderError, path_stat, read_json


def is_dir(path: str) -> bool:
    """Whether ``path`` is a folder (a missing path: a one-line error)."""
    return stat.S_ISDIR(path_stat(path).st_mode)


def components(folder: str) -> tuple[list[tuple[str, str]], list[str]]:
    """A pipeline's T5-family components (folder name, class) and its other ones."""
    index = os.path.join(folder, "model_index.json")
    data = read_json(index, "model_index.json")
    ours, others = [], []
    for key, value in data.items():
        if key.startswith("_") or not isinstance(value, list) or len(value) != 2:
            continue
        cls = value[1]
        if not isinstance(cls, str):
            continue
        if architecture(cls) is not None:
            if not key or "/" in key or "\\" in key or key in (".", ".."):
                raise HeaderError(f"{shown_path(index)}: component name {shown(key)} is no folder")
            ours.append((key, cls))
        else:
            others.append(f"{key}: {cls}")
    return ours, others


def pipeline_folder(path: str) -> str | None:
    """The pipeline folder ``path`` names (itself, or model_index.json's), or None."""
    if os.path.basename(path) == "model_index.json" and not is_dir(path):
        return os.path.dirname(path) or "."
    if is_dir(path) and os.path.exists(os.path.join(path, "model_index.json")):
        return path
    return None


def is_pipeline(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a diffusers pipeline: a ``model_index.json`` or a folder holding one.

    Examples
    --------
    >>> import tempfile
    >>> from t5sym.views.pipelines import is_pipeline
    >>> is_pipeline(tempfile.mkdtemp()), is_pipeline("no/such/model_index.json")
    (False, False)
    """
    try:
        return pipeline_folder(os.fsdecode(path)) is not None
    except (T5SymError, TypeError):
        return False


def component_folder(pipeline: str, key: str) -> str:
    """The folder of component ``key`` (a one-line error when it is missing)."""
    folder = os.path.join(pipeline, key)
    if not os.path.isdir(folder):
        raise HeaderError(f"{shown_path(folder)}: no such folder (named by model_index.json)")
    return folder


def pipeline_configs(folder: str | os.PathLike[str]) -> list[Config]:
    """The config of every T5-family component of a diffusers pipeline (``model_index.json``
    or its folder), read from each component's ``config.json`` and named ``<component>``.

    Examples
    --------
    >>> import json, os, tempfile
    >>> from t5sym.views.pipelines import pipeline_configs
    >>> root = tempfile.mkdtemp()
    >>> os.mkdir(os.path.join(root, "text_encoder_2"))
    >>> with open(os.path.join(root, "model_index.json"), "w") as f:
    ...     json.dump({"text_encoder_2": ["transformers", "T5EncoderModel"]}, f)
    >>> with open(os.path.join(root, "text_encoder_2", "config.json"), "w") as f:
    ...     json.dump({"model_type": "t5", "architectures": ["T5EncoderModel"]}, f)
    >>> [c.model for c in pipeline_configs(root)]
    ['T5EncoderModel']
    """
    path = os.fsdecode(folder)
    pipeline = pipeline_folder(path)
    if pipeline is None:
        raise HeaderError(f"{shown_path(path)}: no model_index.json (not a diffusers pipeline)")
    ours, others = components(pipeline)
    if not ours:
        listed = "; ".join(others[:4]) or "none"
        raise HeaderError(
            f"{shown_path(path)}: model_index.json names no T5-family component ({listed})"
        )
    out = []
    for key, cls in ours:
        config = from_hf(component_folder(pipeline, key), name=key)
        if not config.architectures:
            config = replace(config, architectures=(cls,), head="")
        out.append(config)
    return out
