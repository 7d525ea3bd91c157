"""The Gradio UI: a placeholder until the UI is built."""

from __future__ import annotations

import gradio as gr

from kg.config import Settings


def build_ui(settings: Settings) -> gr.Blocks:
    with gr.Blocks(title="kg") as demo:
        gr.Markdown("# kg\nAsk questions of the safeguarding reviews knowledge base.")
    return demo
