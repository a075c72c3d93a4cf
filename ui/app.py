"""Gradio chat UI (placeholder until the UI issue lands)."""

from __future__ import annotations

import gradio as gr


def build_ui(pipeline) -> gr.Blocks:  # type: ignore[no-untyped-def]
    with gr.Blocks(title="qa") as demo:
        gr.Markdown("# qa")
    return demo
