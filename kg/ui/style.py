"""The UI's look and its two small browser behaviours, as strings Gradio takes.

The CSS travels inside an HTML component (`STYLE_TAG`) because `kg.server` mounts the
Blocks with `gr.mount_gradio_app`, which sets the page's own `css` and `theme`
itself; a <style> element in the page applies just the same and needs no change there.
Everything is local: system fonts and Gradio's bundled ones, no web fonts, no CDN.
"""

from __future__ import annotations

import gradio as gr

# System fonts first: nothing is fetched, and the page looks native on every machine.
SYSTEM_FONTS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"]
MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "Liberation Mono", "monospace"]

# Colours per entity kind, shared by the chips (CSS below) and the pictures (kg/ui/plots.py).
KIND_COLOURS = {"theme": "#2563eb", "review": "#7c3aed", "action": "#ea580c", "organisation": "#059669"}


def theme() -> gr.themes.Base:
    """A Gradio theme that uses system fonts only (the default theme's web fonts are not needed offline)."""
    return gr.themes.Default(primary_hue="blue", neutral_hue="slate", font=SYSTEM_FONTS, font_mono=MONO_FONTS)


CSS = """
/* The page's own palette and fonts (the mounted Blocks keep Gradio's default theme, whose accent is orange). */
:root {
  --font: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  --font-mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  --primary-50: #eff6ff; --primary-100: #dbeafe; --primary-200: #bfdbfe; --primary-300: #93c5fd;
  --primary-400: #60a5fa; --primary-500: #3b82f6; --primary-600: #2563eb; --primary-700: #1d4ed8;
  --primary-800: #1e40af; --primary-900: #1e3a8a; --primary-950: #172554;
}
.kg-table td, .kg-table th, .kg-table span, .kg-table input, .kg-table textarea { font-family: var(--font) !important; }
.kg-header { display:flex; align-items:baseline; gap:1rem; flex-wrap:wrap; margin:0 0 .25rem 0; }
.kg-header h1 { font-size:1.7rem; margin:0; font-weight:800; color:#1e3a8a; }
.kg-header .kg-sub { color:#475569; }
.kg-stats { color:#475569; font-size:.9rem; }
.kg-message { padding:.75rem 1rem; border-radius:8px; background:#f1f5f9; border:1px solid #cbd5e1; color:#1e293b; }
.kg-message.kg-error { background:#fef2f2; border-color:#fca5a5; color:#7f1d1d; }
.kg-answer { font-size:1.02rem; line-height:1.6; padding:1rem 1.2rem; border-radius:10px; background:#f8fafc;
             border:1px solid #e2e8f0; }
.kg-answer p { margin:.2rem 0 .6rem 0; }
.kg-answer ul.kg-list { margin:.2rem 0 .7rem 1.2rem; }
.kg-answer .kg-quoted { color:#334155; border-left:3px solid #cbd5e1; padding-left:.7rem; font-style:italic; }
button.kg-cite { display:inline-block; min-width:1.6em; padding:0 .35em; margin:0 .1em; border-radius:4px;
           font-size:.75em; font-weight:700; text-align:center; background:#dbeafe !important; color:#1e3a8a !important;
           cursor:pointer; border:1px solid #93c5fd !important; position:relative; top:-.35em; line-height:1.4; }
button.kg-cite:hover, button.kg-cite:focus { background:#1d4ed8 !important; color:white !important; outline:none; }
.kg-chips { display:flex; flex-wrap:wrap; gap:.4rem; align-items:center; margin:.6rem 0; }
.kg-chips .kg-chips-label { color:#475569; font-size:.85rem; margin-right:.2rem; }
.kg-welcome .kg-chips-label { flex-basis:100%; font-weight:600; }
button.kg-chip { border:1px solid currentColor !important; border-radius:999px; padding:.15rem .75rem; font-size:.88rem;
           background:white !important; cursor:pointer; font-weight:600; }
.kg-chip:hover, .kg-chip:focus { filter:brightness(.85); outline:2px solid currentColor; }
.kg-chip-theme { color:#2563eb !important; } .kg-chip-review { color:#7c3aed !important; }
.kg-chip-organisation { color:#059669 !important; } .kg-chip-action { color:#ea580c !important; }
.kg-section-title { font-weight:600; font-size:1.05rem; margin:1rem 0 .4rem 0; color:#0f172a; }
.kg-cards { display:flex; flex-direction:column; gap:.7rem; }
.kg-card { border:1px solid #e2e8f0; border-left:4px solid #2563eb; border-radius:8px; padding:.7rem .9rem;
           background:white; cursor:pointer; }
.kg-card:hover, .kg-card:focus { border-color:#93c5fd; border-left-color:#1d4ed8; box-shadow:0 1px 6px #0f172a1f;
           outline:none; }
.kg-card.kg-graph { border-left-color:#7c3aed; }
.kg-card-head { display:flex; gap:.6rem; align-items:baseline; flex-wrap:wrap; }
.kg-card-num { font-weight:700; color:#1e3a8a; }
.kg-card-title { font-weight:600; color:#0f172a; }
.kg-card-meta { color:#64748b; font-size:.85rem; }
.kg-card-section { color:#475569; font-size:.85rem; margin:.15rem 0 .35rem 0; }
.kg-card-text { white-space:pre-wrap; line-height:1.5; color:#1e293b; font-size:.93rem; }
.kg-open { margin-left:auto; white-space:nowrap; font-size:.82rem; color:#1d4ed8; background:none;
           border:1px solid #bfdbfe; border-radius:6px; padding:.05rem .5rem; cursor:pointer; }
.kg-open:hover { background:#eff6ff; }
mark.kg-quote { background:#fde68a; color:inherit; padding:0 .05em; border-radius:2px; }
.kg-actions-table { width:100%; border-collapse:collapse; font-size:.9rem; margin:.3rem 0 .6rem 0; }
.kg-actions-table th { text-align:left; color:#475569; font-weight:600; border-bottom:1px solid #cbd5e1;
                       padding:.3rem .4rem; }
.kg-actions-table td { border-bottom:1px solid #e2e8f0; padding:.3rem .4rem; vertical-align:top; }
.kg-doc-head { padding:.6rem .9rem; background:#f8fafc; border:1px solid #e2e8f0; border-radius:8px;
               margin-bottom:.5rem; }
.kg-doc-head h3 { margin:0 0 .2rem 0; font-size:1.1rem; font-weight:700; color:#0f172a; }
.kg-doc { white-space:pre-wrap; line-height:1.55; font-size:.95rem; max-height:70vh; overflow:auto; padding:1rem 1.2rem;
          border:1px solid #e2e8f0; border-radius:8px; background:white; color:#1e293b; }
.kg-doc .kg-heading { font-weight:700; color:#0f172a; }
mark.kg-passage { background:#dbeafe; color:inherit; outline:2px solid #60a5fa; border-radius:3px; padding:.1em 0; }
.kg-theme-head h2 { margin:0 0 .3rem 0; font-size:1.35rem; font-weight:700; color:#0f172a; }
.kg-badge { display:inline-block; font-size:.78rem; padding:.05rem .5rem; border-radius:999px; margin-left:.4rem;
            vertical-align:middle; }
.kg-badge-gap { background:#fee2e2; color:#991b1b; border:1px solid #fca5a5; }
.kg-badge-ok { background:#dcfce7; color:#166534; border:1px solid #86efac; }
.kg-definition { color:#334155; margin:.2rem 0 .5rem 0; }
.kg-list { margin:.2rem 0 .6rem 1.1rem; padding:0; }
.kg-list li { margin:.25rem 0; }
.kg-muted { color:#64748b; font-size:.88rem; }
.kg-legend { display:flex; gap:1rem; flex-wrap:wrap; font-size:.88rem; color:#334155; }
#kg-theme-years th, #kg-theme-years td:not(:first-child) { white-space:nowrap; }
@media print {  /* printing an answer gives the answer and its references, not the page around them */
  header, footer, .tab-nav, [role="tablist"], #kg-question, #kg-ask, #kg-examples, #kg-answer-downloads,
  .kg-chips button, button { display:none !important; }
  #kg-answer, #kg-evidence { width:100% !important; max-width:none !important; flex:1 1 100% !important; }
  .gradio-container { max-width:none !important; padding:0 !important; }
  a[data-open] { color:inherit; text-decoration:none; }
}
.kg-legend span::before { content:""; display:inline-block; width:.8em; height:.8em; margin-right:.3em;
                          border-radius:2px; background:var(--c); vertical-align:-.05em; }
"""

STYLE_TAG = f"<style>{CSS}</style>"

# Clicking anything with a data-open attribute (a citation, an evidence card, a chip) sends its value to the
# Python `select` handler; Enter or Space on a focused card does the same, so the page works by keyboard.
LINKS_JS = """
const send = (target) => trigger('select', {index: 0, value: target.dataset.open});
element.addEventListener('click', (event) => {
  const target = event.target.closest('[data-open]');
  if (!target || !element.contains(target)) return;
  event.preventDefault();
  event.stopPropagation();
  send(target);
});
element.addEventListener('keydown', (event) => {
  if (event.key !== 'Enter' && event.key !== ' ') return;
  const target = event.target.closest('[data-open]');
  if (!target || !element.contains(target)) return;
  event.preventDefault();
  send(target);
});
"""

# A theme chosen from another page (a chip, a citation) may open below the fold: bring its heading into view.
REVEAL_HEADING_JS = """
watch('value', () => {
  const heading = element.querySelector('h2');
  if (heading) setTimeout(() => heading.scrollIntoView({block: 'nearest'}), 50);
});
"""

# The document viewer brings the highlighted passage into view whenever it shows a new one; the tab may
# still be opening, so it waits (briefly) until the passage is laid out.
SCROLL_TO_PASSAGE_JS = """
const reveal = (tries) => {
  const mark = element.querySelector('mark.kg-passage');
  if (!mark) return;
  if (mark.offsetParent === null || mark.getClientRects().length === 0) {
    if (tries > 0) setTimeout(() => reveal(tries - 1), 100);
    return;
  }
  mark.scrollIntoView({block: 'center', behavior: 'instant'});
};
watch('value', () => reveal(30));
reveal(30);
"""
