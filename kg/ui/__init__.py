"""The Gradio UI (see kg/ui/app.py)."""
