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
.kg-chips .kg-chips-more { font-size:.85rem; align-self:center; }
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
.kg-doc-head h2 { margin:0 0 .2rem 0; font-size:1.1rem; font-weight:700; color:#0f172a; }
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

/* Review pages */
.kg-facts { display:grid; grid-template-columns:max-content 1fr; gap:.15rem .9rem; margin:.3rem 0 .7rem 0; }
.kg-facts dt { color:#475569; font-weight:600; } .kg-facts dd { margin:0; color:#0f172a; }
h3.kg-section-title { margin:1rem 0 .4rem 0; }
.kg-theme-lines li { margin:.35rem 0; }
a.kg-download { color:#1d4ed8; font-size:.88rem; margin-left:.4rem; text-decoration:underline; }
/* Heatmap grids: full titles wrapped, counts in the cells, the colour scale above */
.kg-scale { display:flex; gap:.3rem; align-items:center; flex-wrap:wrap; margin:.3rem 0 .5rem 0; font-size:.85rem; }
.kg-scale-step { display:inline-flex; align-items:center; gap:.25rem; }
.kg-scale-step::before { content:""; width:1.4em; height:1em; background:var(--c); border:1px solid #94a3b8;
                         border-radius:2px; }
.kg-grid-wrap { overflow:auto; max-width:100%; max-height:75vh; border:1px solid #e2e8f0; border-radius:8px; }
.kg-grid { border-collapse:separate; border-spacing:2px; font-size:.85rem; }
.kg-grid caption { text-align:left; font-weight:600; padding:.4rem; color:#0f172a; }
.kg-grid thead th { vertical-align:bottom; text-align:left; font-weight:600; color:#1e293b; min-width:6.5rem;
                    max-width:9rem; white-space:normal; position:sticky; top:0; background:white; z-index:1; }
.kg-grid tbody th { text-align:left; font-weight:500; color:#0f172a; min-width:12rem; max-width:18rem;
                    position:sticky; left:0; background:white; z-index:1; }
.kg-grid td { text-align:center; padding:0; }
button.kg-cell { width:100%; min-height:1.9rem; border:0; border-radius:3px; cursor:pointer; font-weight:700; }
button.kg-cell:focus, button.kg-cell:hover { outline:3px solid #f59e0b; outline-offset:-1px; }
.kg-cell-empty { background:#f8fafc; }
.kg-gap-flag { color:#991b1b; font-size:.78rem; white-space:nowrap; }
.kg-sr { position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); white-space:nowrap; }
/* The graph view */
.kg-graph-controls { display:flex; flex-wrap:wrap; gap:.8rem; align-items:center; margin:.3rem 0; }
.kg-filter { display:inline-flex; gap:.3rem; align-items:center; font-weight:600; color:#0f172a; }
.kg-filter::before { content:""; width:.8em; height:.8em; border-radius:50%; background:var(--c); }
.kg-filter input[type=checkbox] { appearance:auto !important; -webkit-appearance:checkbox !important; width:1rem;
                                  height:1rem; margin:0; accent-color:#1d4ed8; }
.kg-graph-zoom { margin-left:auto; display:inline-flex; gap:.3rem; }
.kg-graph-zoom button { border:1px solid #94a3b8; border-radius:6px; padding:.1rem .6rem; background:white;
                        color:#0f172a; font-weight:700; }
.kg-cy { width:100%; height:540px; border:1px solid #e2e8f0; border-radius:8px; background:#fcfcfd; }
/* Finding words in a document */
mark.kg-find { background:#fef08a; color:inherit; outline:1px solid #ca8a04; border-radius:2px; }
#kg-find-first { outline:2px solid #a16207; }
.kg-doc:focus { outline:3px solid #2563eb; outline-offset:2px; }
/* Contrast: the primary button and the footer links meet WCAG AA (4.5:1) */
button.primary, .primary { background:#1d4ed8 !important; color:#ffffff !important; border-color:#1d4ed8 !important; }
button.primary:hover { background:#1e40af !important; }
button.stop { background:#b91c1c !important; color:#ffffff !important; border-color:#b91c1c !important; }
footer, footer a, footer button, .built-with, .show-api { color:#334155 !important; }
button[role=tab][aria-selected=true], button[role=tab].selected { color:#1d4ed8 !important; }
#kg-sparql-query .cm-line span { color:#1e3a8a !important; }  /* the editor theme's token colours are too light */
#kg-sparql-query .cm-gutterElement { color:#475569 !important; }  /* line numbers: readable, as is the text */
/* Phones: one column, the question box full width, nothing wider than the screen */
@media (max-width: 640px) {
  #kg-question-row { flex-wrap:wrap !important; }
  #kg-question-row > * { flex:1 1 100% !important; min-width:0 !important; }
  #kg-answer-row { flex-direction:column !important; }
  #kg-answer-row > * { min-width:0 !important; width:100% !important; }
  .gradio-container { padding-left:.4rem !important; padding-right:.4rem !important; }
  .kg-actions-table { display:block; overflow-x:auto; }
  .kg-cy { height:380px; }
  .kg-card-text { display:-webkit-box; -webkit-line-clamp:4; -webkit-box-orient:vertical; overflow:hidden; }
  .kg-header h1 { font-size:1.4rem; }
  .kg-header .kg-sub { display:none; }  /* the question sooner on a small screen */
}
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
  const mark = element.querySelector('#kg-find-first') || element.querySelector('mark.kg-passage');
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
