"""The Gradio UI: Ask, Themes, Graph, SPARQL and Documents pages over one knowledge base.

`build_ui(settings)` lays the pages out and wires each control to a handler in
kg/ui/handlers.py; `kg.server.create_app` mounts the result at `/`, next to the
SPARQL endpoint. Named API endpoints (for `gradio_client`): ask, theme, graph,
document, run_sparql.
"""

from __future__ import annotations

import gradio as gr

from kg.config import Settings
from kg.query.sparql import SparqlService
from kg.ui.handlers import DOCUMENT_COLUMNS, GRAPH_COLUMNS, THEME_COLUMNS, Handlers
from kg.ui.render import INTRO_HTML
from kg.ui.style import LINKS_JS, REVEAL_HEADING_JS, SCROLL_TO_PASSAGE_JS, STYLE_TAG

EXAMPLE_QUESTIONS = [
    "Where does information sharing appear and how was it acted on?",
    "What did the Child L review find and what changed after it?",
    "What have the police done in response to reviews?",
    "Which themes have learning but no recorded action?",
    "Which themes recur across reviews?",
]

THEMES_INTRO = ("Which reviews raised which learning themes, and whether anything was done about them. Themes in "
                "**red** (and tinted rows) were raised by a review but have **no recorded action**. Choose a theme, "
                "or click a row, to see its reviews, actions and owners, and the passages that speak of it.")
GRAPH_INTRO = ("How a theme, review, organisation or action connects to the rest: reviews raise themes; actions "
               "respond to reviews, address themes and are owned by organisations.")
SPARQL_INTRO = ("Read-only SPARQL 1.1 over the knowledge graph, with the same time and row limits as the endpoint. "
                "Pick an example or write your own. Tools can query **`/sparql`** on this server (SPARQL 1.1 "
                "Protocol: `GET /sparql?query=…` or `POST`, results as JSON, CSV, TSV or XML by `Accept` header); "
                "the ontology is at **`/ontology.ttl`**, the theme scheme at `/themes.ttl`, the examples at "
                "`/queries`.")


def build_ui(settings: Settings, sparql: SparqlService | None = None) -> gr.Blocks:
    """The UI for the knowledge base at `settings.kb`.

    The knowledge base is opened once here (and reopened when a new version is published); pictures and
    tables are drawn once per version.

    Args:
        settings: resolved settings; `settings.kb` must hold a built knowledge base.
        sparql: the SPARQL service to share (the HTTP endpoint's), or None for one of the UI's own.

    Returns:
        The Blocks, ready for `gr.mount_gradio_app` or `.launch()`.
    """
    handlers = Handlers(settings, sparql)
    handlers.warm_up()
    first = handlers.first_page()
    examples = handlers.example_choices()
    first_example = examples[0][1] if examples else None

    def load_page():
        header, *rest = handlers.load_page()
        return (STYLE_TAG + header, *rest)

    def answer_example(question: str) -> tuple[str, str]:
        # Its own name: Gradio names an example's follow-up event after its function, and "ask" is the button's.
        return handlers.ask(question)

    # Gradio's copies of served files are deleted after 15 minutes and when the server stops.
    with gr.Blocks(title="kg — learning from safeguarding reviews", analytics_enabled=False,
                   delete_cache=(300, 900)) as demo:
        header = gr.HTML(STYLE_TAG + first[0], apply_default_css=False, elem_id="kg-header")
        with gr.Tabs(selected="ask") as tabs:
            with gr.Tab("Ask", id="ask", elem_id="kg-tab-ask"):
                with gr.Row():
                    question = gr.Textbox(label="Your question", lines=1, max_lines=4, scale=6, autofocus=True,
                                          placeholder="e.g. Where does information sharing appear and how was "
                                                      "it acted on?", elem_id="kg-question")
                    ask_button = gr.Button("Ask", variant="primary", scale=0, min_width=140, elem_id="kg-ask")
                with gr.Accordion("Filters: years, review type, publisher, documents", open=False,
                                  elem_id="kg-filters"):
                    with gr.Row():
                        date_from = gr.Textbox(label="From (year or date)", placeholder="e.g. 2022", scale=1,
                                               elem_id="kg-filter-from")
                        date_to = gr.Textbox(label="To (year or date)", placeholder="e.g. 2024", scale=1,
                                             elem_id="kg-filter-to")
                        review_types = gr.Dropdown(handlers.review_type_choices(), value=[], multiselect=True,
                                                   label="Review type", scale=2, elem_id="kg-filter-type")
                        publisher = gr.Textbox(label="Publisher (words of its name)", scale=2,
                                               elem_id="kg-filter-publisher")
                    documents = gr.Dropdown(first[8].get("choices", []), value=[], multiselect=True,
                                            label="Only these documents", allow_custom_value=True,
                                            elem_id="kg-filter-docs")
                examples_row = gr.Row()  # filled below, once the answer panels exist
                with gr.Row():
                    with gr.Column(scale=5):
                        answer = gr.HTML(INTRO_HTML, js_on_load=LINKS_JS, apply_default_css=False,
                                         elem_id="kg-answer")
                        with gr.Row(elem_id="kg-answer-downloads"):  # for a board paper; printing works too
                            answer_md = gr.DownloadButton("Download the answer (Markdown)", visible=False, size="sm",
                                                          elem_id="kg-answer-md")
                            answer_docx = gr.DownloadButton("Download the answer (Word)", visible=False, size="sm",
                                                            elem_id="kg-answer-docx")
                    with gr.Column(scale=4):
                        evidence = gr.HTML(first[1], js_on_load=LINKS_JS, apply_default_css=False,
                                           elem_id="kg-evidence")
                with examples_row:
                    gr.Examples(EXAMPLE_QUESTIONS, inputs=question, outputs=[answer, evidence], fn=answer_example,
                                run_on_click=True, cache_examples=False, label="Example questions",
                                api_visibility="private", elem_id="kg-examples")  # API clients use /ask

            with gr.Tab("Themes", id="themes", elem_id="kg-tab-themes"):
                gr.Markdown(THEMES_INTRO)
                heatmap = gr.Image(first[2], type="filepath", label="Themes × reviews", interactive=False,
                                   buttons=["download", "fullscreen"], elem_id="kg-heatmap",
                                   alt_text="Heatmap of learning themes against the case reviews that raised them")
                with gr.Row():
                    with gr.Column(scale=5):
                        theme_table = gr.Dataframe(first[3], headers=THEME_COLUMNS, interactive=False,
                                                   label="Themes (click a row)", max_height=640, wrap=True,
                                                   column_widths=["38%", "14%", "16%", "14%", "18%"],
                                                   elem_id="kg-theme-table", elem_classes="kg-table")
                        theme_csv = gr.DownloadButton("Download the theme table (CSV)", first[4], size="sm",
                                                      elem_id="kg-theme-csv")
                        theme_years = gr.Dataframe(first[9], interactive=False, wrap=True, max_height=420,
                                                   label="Themes by year: passages in each year's documents",
                                                   elem_id="kg-theme-years", elem_classes="kg-table")
                    with gr.Column(scale=5):
                        theme_choice = gr.Dropdown(first[5].get("choices", []), value=None, label="Theme",
                                                   allow_custom_value=True,  # checked by the handler
                                                   elem_id="kg-theme-choice")
                        theme_detail = gr.HTML(handlers.theme_detail(None), apply_default_css=False,
                                               js_on_load=LINKS_JS + REVEAL_HEADING_JS, elem_id="kg-theme-detail")

            with gr.Tab("Graph", id="graph", elem_id="kg-tab-graph"):
                gr.Markdown(GRAPH_INTRO)
                with gr.Row():
                    entity = gr.Dropdown(first[6].get("choices", []), value=None, label="Entity", scale=5,
                                         allow_custom_value=True,  # checked by the handler
                                         elem_id="kg-entity")
                    radius = gr.Radio([1, 2], value=1, label="Steps out", scale=1, elem_id="kg-radius")
                graph_note = gr.HTML(apply_default_css=False, elem_id="kg-graph-note")
                graph_image = gr.Image(type="filepath", label="Neighbourhood", interactive=False,
                                       buttons=["download", "fullscreen"], elem_id="kg-graph-image")
                graph_table = gr.Dataframe(headers=GRAPH_COLUMNS, interactive=False, label="Connected entities",
                                           wrap=True, column_widths=["14%", "70%", "16%"], elem_id="kg-graph-table",
                                           elem_classes="kg-table")
                graph_ids = gr.State([])

            with gr.Tab("SPARQL", id="sparql", elem_id="kg-tab-sparql"):
                gr.Markdown(SPARQL_INTRO)
                example = gr.Dropdown(examples, value=first_example, label="Example queries",
                                      elem_id="kg-sparql-example")
                query = gr.Code(handlers.example_text(first_example), language="sql", label="SPARQL query",
                                lines=12, max_lines=30, interactive=True, elem_id="kg-sparql-query")
                with gr.Row():
                    run = gr.Button("Run query", variant="primary", scale=0, min_width=160, elem_id="kg-run-sparql")
                    download = gr.DownloadButton("Download results (CSV)", visible=False, scale=0, min_width=220,
                                                 size="md", elem_id="kg-sparql-csv")
                status = gr.HTML(apply_default_css=False, elem_id="kg-sparql-status")
                results = gr.Dataframe(interactive=False, label="Results", wrap=True, max_height=600,
                                       elem_id="kg-sparql-results", elem_classes="kg-table")

            with gr.Tab("Documents", id="documents", elem_id="kg-tab-documents", render_children=True):
                docs_table = gr.Dataframe(first[7], headers=DOCUMENT_COLUMNS, interactive=False, wrap=True,
                                          label="The corpus (click a row to read it)", elem_id="kg-documents",
                                          column_widths=["28%", "9%", "18%", "9%", "7%", "9%", "9%", "11%"],
                                          elem_classes="kg-table")
                doc_choice = gr.Dropdown(first[8].get("choices", []), value=None, label="Document",
                                         allow_custom_value=True,  # checked by the handler
                                         elem_id="kg-document-choice")
                viewer = gr.HTML(handlers.document(None), js_on_load=SCROLL_TO_PASSAGE_JS, apply_default_css=False,
                                 elem_id="kg-document")

        # Asking.
        filters = [date_from, date_to, review_types, publisher, documents]
        for trigger in (ask_button.click, question.submit):
            trigger(handlers.ask_within, [question, *filters], [answer, evidence], api_visibility="private").then(
                handlers.answer_files, [question, *filters], [answer_md, answer_docx], api_visibility="private")
        # API clients ask with the question alone (/ask), as before; the page's filters are its own.
        api_ask = gr.Button(visible=False)
        api_ask.click(handlers.ask, question, [answer, evidence], api_name="ask")

        # Citations, evidence cards and chips open what they point at, wherever they are.
        link_outputs = [tabs, theme_choice, theme_detail, entity, graph_image, graph_table, graph_ids, graph_note,
                        doc_choice, viewer]
        for panel in (answer, evidence, theme_detail):
            panel.select(handlers.open_link, radius, link_outputs, api_visibility="private")

        theme_choice.input(handlers.theme_detail, theme_choice, theme_detail, api_name="theme")
        theme_table.select(handlers.theme_from_table, None, [theme_choice, theme_detail], api_visibility="private")

        graph_outputs = [graph_image, graph_table, graph_ids, graph_note]
        entity.input(handlers.graph, [entity, radius], graph_outputs, api_name="graph")
        radius.input(handlers.graph, [entity, radius], graph_outputs, api_visibility="private")
        graph_table.select(handlers.graph_from_table, [graph_ids, radius], [entity, *graph_outputs],
                           api_visibility="private")

        example.input(handlers.example_text, example, query, api_visibility="private")
        run.click(handlers.run_sparql, query, [status, results, download], api_name="run_sparql")

        doc_choice.input(handlers.document, doc_choice, viewer, api_name="document")
        docs_table.select(handlers.document_from_table, None, [doc_choice, viewer], api_visibility="private")

        # A page opened after `kg build` / `kg add` shows the new version.
        demo.load(load_page, None, [header, evidence, heatmap, theme_table, theme_csv, theme_choice, entity,
                                    docs_table, doc_choice, theme_years], api_visibility="private")
    demo.downloads = handlers.downloads  # the server removes them when it stops
    return demo

