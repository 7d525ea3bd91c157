"""The Gradio UI: Ask, Themes, Reviews, Graph, SPARQL and Documents pages over one knowledge base.

`build_ui(settings)` lays the pages out and wires each control to a handler in
kg/ui/handlers.py; `kg.server.create_app` mounts the result at `/`, next to the
SPARQL endpoint. Named API endpoints (for `gradio_client`): ask, theme, review, graph,
document, run_sparql.
"""

from __future__ import annotations

import gradio as gr

from kg.config import Settings
from kg.query.sparql import SparqlService
from kg.ui.handlers import DOCUMENT_COLUMNS, GRAPH_COLUMNS, LINK_TARGETS, THEME_COLUMNS, Handlers
from kg.ui.render import INTRO_HTML
from kg.ui.style import LINKS_JS, REVEAL_HEADING_JS, SCROLL_TO_PASSAGE_JS, STYLE_TAG
from kg.ui.uploads import UPLOAD_TYPES
from kg.ui.visuals import GRAPH_JS

EXAMPLE_QUESTIONS = [
    "Where does information sharing appear and how was it acted on?",
    "What did the Child L review find and what changed after it?",
    "What have the police done in response to reviews?",
    "Which themes have learning but no recorded action?",
    "Which themes recur across reviews?",
]

THEMES_INTRO = ("Which reviews raised which learning themes, and whether anything was done about them. Click a "
                "coloured cell to read its passages. Themes marked **⚠ no action** (and tinted rows) were raised "
                "by a review but have **no recorded action**. Choose a theme, or click a row, to see its reviews, "
                "actions and owners, and the passages that speak of it.")
REVIEWS_INTRO = ("One page per case review: its type, year, status and partnership, the themes it raised, what it "
                 "recommended and what was done after it (with owners), and the documents that speak of it.")
GRAPH_INTRO = ("How a theme, review, organisation or action connects to the rest: reviews raise themes; actions "
               "respond to reviews, address themes and are owned by organisations. Drag to pan, scroll to zoom, "
               "click a node to open it; the table under the picture lists the same entities.")
DOCUMENTS_INTRO = ("The reports in the knowledge base, newest first. Click a row (or choose a title) to read one, "
                   "search inside it, or download the original file.")
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

    def load_page(shown: str):
        # The Ask page's document filter and the remove drop-down take the document choices too (the last outputs).
        version, header, *rest = handlers.page_update(shown)
        return (version, header if isinstance(header, dict) else STYLE_TAG + header, *rest, rest[7], rest[7])

    def answer_example(question: str) -> tuple[str, str]:
        # Its own name: Gradio names an example's follow-up event after its function, and "ask" is the button's.
        return handlers.ask(question)

    # Gradio's copies of served files are deleted after 15 minutes and when the server stops.
    with gr.Blocks(title="kg — learning from safeguarding reviews", analytics_enabled=False,
                   delete_cache=(300, 900)) as demo:
        header = gr.HTML(STYLE_TAG + first[0], apply_default_css=False, elem_id="kg-header")
        with gr.Tabs(selected="ask") as tabs:
            with gr.Tab("Ask", id="ask", elem_id="kg-tab-ask"):
                with gr.Row(elem_id="kg-question-row"):
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
                with gr.Row(elem_id="kg-answer-row"):
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
                with gr.Row(elem_id="kg-examples-row"):  # after the answer, so a phone shows the answer first
                    gr.Examples(EXAMPLE_QUESTIONS, inputs=question, outputs=[answer, evidence], fn=answer_example,
                                run_on_click=True, cache_examples=False, label="Example questions",
                                api_visibility="private", elem_id="kg-examples")  # API clients use /ask

            with gr.Tab("Themes", id="themes", elem_id="kg-tab-themes"):
                gr.Markdown(THEMES_INTRO)
                with gr.Tabs():
                    with gr.Tab("Themes × reviews"):
                        heatmap = gr.HTML(first[2], apply_default_css=False, js_on_load=LINKS_JS,
                                          elem_id="kg-heatmap")
                    with gr.Tab("Themes × years"):
                        theme_years = gr.HTML(first[9], apply_default_css=False, js_on_load=LINKS_JS,
                                              elem_id="kg-theme-years")
                heatmap_png = gr.DownloadButton("Download the heatmap as a picture (PNG)", first[16], size="sm",
                                                elem_id="kg-heatmap-png")
                cell_detail = gr.HTML(apply_default_css=False, js_on_load=LINKS_JS, elem_id="kg-cell-detail")
                with gr.Row():
                    with gr.Column(scale=5):
                        theme_table = gr.Dataframe(first[3], headers=THEME_COLUMNS, interactive=False,
                                                   label="Themes (click a row)", max_height=640, wrap=True,
                                                   column_widths=["38%", "14%", "16%", "14%", "18%"],
                                                   elem_id="kg-theme-table", elem_classes="kg-table")
                        theme_csv = gr.DownloadButton("Download the theme table (CSV)", first[4], size="sm",
                                                      elem_id="kg-theme-csv")
                    with gr.Column(scale=5):
                        theme_choice = gr.Dropdown(first[5].get("choices", []), value=None, label="Theme",
                                                   allow_custom_value=True,  # checked by the handler
                                                   elem_id="kg-theme-choice")
                        theme_detail = gr.HTML(handlers.theme_detail(None), apply_default_css=False,
                                               js_on_load=LINKS_JS + REVEAL_HEADING_JS, elem_id="kg-theme-detail")

            with gr.Tab("Reviews", id="reviews", elem_id="kg-tab-reviews"):
                gr.Markdown(REVIEWS_INTRO)
                review_choice = gr.Dropdown(first[11].get("choices", []), value=None, label="Review",
                                            allow_custom_value=True,  # checked by the handler
                                            elem_id="kg-review-choice")
                review_page = gr.HTML(handlers.review_page(None), apply_default_css=False,
                                      js_on_load=LINKS_JS + REVEAL_HEADING_JS, elem_id="kg-review-page")

            with gr.Tab("Graph", id="graph", elem_id="kg-tab-graph"):
                gr.Markdown(GRAPH_INTRO)
                with gr.Row():
                    entity = gr.Dropdown(first[6].get("choices", []), value=None, label="Entity", scale=5,
                                         allow_custom_value=True,  # checked by the handler
                                         elem_id="kg-entity")
                    radius = gr.Radio([1, 2], value=1, label="Steps out", scale=1, elem_id="kg-radius")
                graph_note = gr.HTML(first[15], apply_default_css=False, elem_id="kg-graph-note")
                graph_view = gr.HTML(first[12], apply_default_css=False, js_on_load=GRAPH_JS, elem_id="kg-graph-view")
                graph_table = gr.Dataframe(first[13], headers=GRAPH_COLUMNS, interactive=False, label="Connected entities",
                                           wrap=True, column_widths=["14%", "70%", "16%"], elem_id="kg-graph-table",
                                           elem_classes="kg-table")
                graph_ids = gr.State(first[14])

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
                gr.Markdown(DOCUMENTS_INTRO)
                docs_table = gr.Dataframe(first[7], headers=DOCUMENT_COLUMNS, interactive=False, wrap=True,
                                          label="The corpus (click a row to read it)", elem_id="kg-documents",
                                          column_widths=["34%", "10%", "20%", "11%", "8%", "9%", "8%"],
                                          elem_classes="kg-table")
                doc_ids = gr.State(first[10])
                with gr.Row():
                    doc_choice = gr.Dropdown(first[8].get("choices", []), value=None, label="Document", scale=3,
                                             allow_custom_value=True,  # checked by the handler
                                             elem_id="kg-document-choice")
                    doc_find = gr.Textbox(label="Find in this document", placeholder="words to find", scale=2,
                                          elem_id="kg-document-find")
                viewer = gr.HTML(handlers.document(None), js_on_load=SCROLL_TO_PASSAGE_JS, apply_default_css=False,
                                 elem_id="kg-document")
                with gr.Accordion("Add or remove documents", open=False, elem_id="kg-manage"):
                    gr.HTML(handlers.write_notice(), apply_default_css=False, elem_id="kg-write-notice")
                    uploaded = gr.File(label="Reports to add (PDF, Word, HTML or text)", file_count="multiple",
                                       file_types=UPLOAD_TYPES, elem_id="kg-upload")
                    with gr.Row():
                        new_title = gr.Textbox(label="Title (one file)", elem_id="kg-upload-title")
                        new_date = gr.Textbox(label="Date (one file)", placeholder="e.g. 2024-03-31",
                                              elem_id="kg-upload-date")
                        new_publisher = gr.Textbox(label="Publisher (one file)", elem_id="kg-upload-publisher")
                    token = gr.Textbox(label="Access token (this server is shared)", type="password",
                                       visible=handlers.writes_need_token(), elem_id="kg-token")
                    add_button = gr.Button("Add to the knowledge base", variant="primary", elem_id="kg-add")
                    with gr.Row(equal_height=True):
                        remove_choice = gr.Dropdown(first[8].get("choices", []), value=None, scale=3,
                                                    label="Document to remove", allow_custom_value=True,
                                                    elem_id="kg-remove-choice")
                        remove_button = gr.Button("Remove this document", variant="stop", scale=1,
                                                  elem_id="kg-remove")
                    change_status = gr.HTML(apply_default_css=False, elem_id="kg-change-status")

        # Asking.
        filters = [date_from, date_to, review_types, publisher, documents]
        for trigger in (ask_button.click, question.submit):
            trigger(handlers.ask_within, [question, *filters], [answer, evidence], api_visibility="private").then(
                handlers.answer_files, [question, *filters], [answer_md, answer_docx], api_visibility="private")
        # API clients ask with the question alone (/ask), as before; the page's filters are its own.
        api_ask = gr.Button(visible=False)
        api_ask.click(handlers.ask, question, [answer, evidence], api_name="ask")

        # Citations, evidence cards and chips open what they point at, wherever they are.
        targets = dict(tabs=tabs, theme_choice=theme_choice, theme_detail=theme_detail, entity=entity,
                       graph_view=graph_view, graph_table=graph_table, graph_ids=graph_ids, graph_note=graph_note,
                       doc_choice=doc_choice, viewer=viewer, review_choice=review_choice, review_page=review_page,
                       cell_detail=cell_detail)
        link_outputs = [targets[name] for name in LINK_TARGETS]
        for panel in (answer, evidence, theme_detail, review_page, heatmap, theme_years, cell_detail, graph_view):
            panel.select(handlers.open_link, radius, link_outputs, api_visibility="private")

        theme_choice.input(handlers.theme_detail, theme_choice, theme_detail, api_name="theme")
        theme_table.select(handlers.theme_from_table, None, [theme_choice, theme_detail], api_visibility="private")

        review_choice.input(handlers.review_page, review_choice, review_page, api_name="review")

        graph_outputs = [graph_view, graph_table, graph_ids, graph_note]
        entity.input(handlers.graph, [entity, radius], graph_outputs, api_name="graph")
        radius.input(handlers.graph, [entity, radius], graph_outputs, api_visibility="private")
        graph_table.select(handlers.graph_from_table, [graph_ids, radius], [entity, *graph_outputs],
                           api_visibility="private")

        example.input(handlers.example_text, example, query, api_visibility="private")
        run.click(handlers.run_sparql, query, [status, results, download], api_name="run_sparql")

        doc_choice.input(handlers.document, doc_choice, viewer, api_name="document")
        doc_choice.input(lambda: "", None, doc_find, api_visibility="private")
        docs_table.select(handlers.document_from_table, doc_ids, [doc_choice, viewer, doc_find],
                          api_visibility="private")
        doc_find.submit(handlers.find_in_document, [doc_choice, doc_find], viewer, api_visibility="private")

        # Adding and removing documents, then showing the new version everywhere.
        shown_version = gr.State(handlers.first_version)  # what this page shows; a page load sends only news
        page_outputs = [shown_version, header, evidence, heatmap, theme_table, theme_csv, theme_choice, entity,
                        docs_table, doc_choice, theme_years, doc_ids, review_choice, graph_view, graph_table,
                        graph_ids, graph_note, heatmap_png, documents, remove_choice]
        graph_outputs_on_load = [entity, graph_view, graph_table, graph_ids, graph_note]
        private = dict(api_visibility="private")
        add_button.click(handlers.add_files, [uploaded, new_title, new_date, new_publisher, token],
                         [change_status, uploaded], **private) \
            .then(load_page, shown_version, page_outputs, **private) \
            .then(handlers.heatmap_picture, None, heatmap_png, **private) \
            .then(handlers.load_graph, None, graph_outputs_on_load, **private) \
            .then(handlers.removable, None, remove_choice, **private)
        remove_button.click(handlers.remove_file, [remove_choice, token], change_status, **private) \
            .then(load_page, shown_version, page_outputs, **private) \
            .then(handlers.heatmap_picture, None, heatmap_png, **private) \
            .then(handlers.load_graph, None, graph_outputs_on_load, **private) \
            .then(handlers.removable, None, remove_choice, **private)

        # A page opened after `kg build` / `kg add` shows the new version (one opened on the version the server
        # started with already does, and is sent nothing); the graph follows the tables.
        demo.load(load_page, shown_version, page_outputs, **private) \
            .then(handlers.heatmap_picture, None, heatmap_png, **private) \
            .then(handlers.load_graph, None, graph_outputs_on_load, **private)
    demo.downloads = handlers.downloads  # the server removes them when it stops
    demo.wait_for_page = handlers.wait_for_page  # the server's own warm-up waits for it too
    return demo

