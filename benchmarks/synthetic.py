"""A synthetic corpus of safeguarding partnership reports, seeded from the real corpus, at any size.

The national picture (every partnership in England, a few thousand reports, ~1M chunks) cannot be
downloaded here, so this module writes one that reads like it: partnership annual reports and case
review summaries made of the real corpus's own sentences and section headings, re-combined, with

* varied partnership and area names, and review names ("Child XY CSPR", "Family Z Learning Review",
  "Adult Q Safeguarding Adults Review") with years, statuses and the partnership that owns them;
* review grids (tab-separated "Case<TAB>Critical learning themes identified:" tables whose bullets
  are theme labels from kg/ontology/themes.ttl);
* "CHILD XY: EVIDENCE OF PUTTING LEARNING INTO PRACTICE AND ITS IMPACT" sections whose bullets
  are action sentences naming organisations from kg/ontology/organisations.ttl;
* numbered paragraphs, headings, bullet lists and dates from 2015 to 2025.

Everything is deterministic: document `i` depends only on (seed, i), so a corpus of 100K chunks is
the first documents of the 1M-chunk corpus, and generation can stop and resume.

    python benchmarks/synthetic.py --chunks 10000 --out synthetic-corpus    # writes .txt files + manifest.csv

Documents are chunked by the product's own ingest (kg.ingest.ingest_file), so "chunks" here are
exactly what `kg build` would make of the same files.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kg.config import Settings, load_settings  # noqa: E402
from kg.documents import Chunk, Document  # noqa: E402
from kg.extract.reviews import NAME, NOT_AN_ID  # noqa: E402
from kg.extract.scheme import load_scheme  # noqa: E402
from kg.text import sentences  # noqa: E402
from kg.ingest import ingest_corpus, ingest_file  # noqa: E402
from kg.ingest.metadata import DocumentMeta  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
REAL_CORPUS = ROOT / "corpus"

AREA_ROOTS = [
    "Ashford", "Barwick", "Castleby", "Dunmore", "Eastbrook", "Fenwick", "Greystone", "Harrowfield", "Ingleton",
    "Kingsmere", "Langley", "Marston", "Newbridge", "Oakhampton", "Pendle Vale", "Queensbury", "Redcliffe",
    "Southmoor", "Thornbury", "Upton", "Wexcombe", "Yarrow", "Alderley", "Brantwood", "Coldharbour", "Denholme",
    "Elmstead", "Frampton", "Glenridge", "Hatherley", "Ivybridge", "Kelmscott", "Lowther", "Millbrook",
    "Northam", "Ottery", "Penrith Dale", "Rushmere", "Stanwick", "Tilbury Fields",
]
AREA_KINDS = ["", "City of ", "North ", "South ", "East ", "West "]
SUBJECTS = [("Child", 0.72), ("Family", 0.08), ("Adult", 0.12), ("Baby", 0.04), ("Young Person", 0.04)]
CHILD_TYPES = [("CSPR", 0.45), ("Rapid Review", 0.25), ("Learning Review", 0.15), ("Serious Case Review", 0.15)]
ADULT_TYPES = [("Safeguarding Adults Review", 0.7), ("Domestic Homicide Review", 0.3)]
STATUSES = ["", "", " (CSPR underway)", " (published)", " (anonymous publication)", " (publication expected)"]
SEASONS = ["Spring", "Summer", "Autumn", "Winter"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
ARTEFACTS = ["protocol", "information sharing form", "multi-agency training programme", "practice guidance",
             "7-minute briefing", "escalation policy", "audit", "toolkit", "webinar series", "pathway",
             "referral template", "safeguarding lead post", "multi-agency panel", "practitioner forum",
             "e-learning module", "threshold document", "supervision framework", "checklist"]
ACTION_TEMPLATES = [
    "{org} has developed a new {artefact} on {theme} as a direct result of learning from the {review}.",
    "Following the {review}, {org} introduced a revised {artefact} so that {theme} is considered at every contact.",
    "A multi-agency {artefact} on {theme} was delivered to over {n} practitioners in {month} {year}.",
    "The Partnership has published a revised {artefact} on {theme}, co-produced with {org}.",
    "As a result of learning from the {review}, {org} audited {n} cases to test practice on {theme}.",
    "{org} appointed a named lead for {theme} and launched a {artefact} for frontline staff.",
    "New {artefact} guidance has been circulated to all GP practices and {org} has held sessions on {theme}.",
    "In response to the review findings, {org} rolled out a {artefact} across the partnership in {year}.",
]
LEARNING_TEMPLATES = [
    "This {type} identified some critical learning themes upon: {themes}.",
    "Primary learning themes centered upon {themes}.",
    "Within this {type}, key learning focused upon {themes}.",
    "The review found that {theme} was not consistently applied, and highlighted {theme2}.",
]
INTRO_TEMPLATES = [
    "Over {season} {year} the Partnership concluded a local {type} following a serious incident involving {who}.",
    "The Partnership commenced a {type} in {month} {year} following an incident of serious harm to {who}.",
    "In {year} the {partnership} came together to review a safeguarding incident involving {who}.",
]
WHO = ["a young infant", "a teenager", "a child and their mother", "a young person at risk of exploitation",
       "an older adult living alone", "a family known to several services", "siblings in kinship care"]


def _weighted(rng: random.Random, options: list[tuple[str, float]]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


@dataclass
class SourceText:
    """What the generator re-combines: real sentences, action sentences and headings; themes and organisations."""

    sentences: list[str]
    actions: list[str]
    headings: list[str]
    themes: list[str]
    organisations: list[str]


@lru_cache(maxsize=1)
def source_text() -> SourceText:
    """Sentences and headings of the real corpus (review names removed, Barnet made a placeholder)."""
    from kg.extract.actions import ARTEFACT, STRONG_VERB

    corpus = ingest_corpus(REAL_CORPUS)
    plain, actions, headings = [], [], set()
    for document in corpus.documents:
        text = document.text
        for span in sentences(text):
            s = " ".join(text[span.start:span.end].split())
            words = len(s.split())
            if not (8 <= words <= 70) or " | " in s or NAME.search(s) or not s[0].isupper() or s[-1] not in ".!?":
                continue
            if re.search(r"@|https?:|www\.|\*\*|\[|\]|£\s?\d{3}", s):
                continue
            s = re.sub(r"\bBarnet\b", "{area}", s)
            s = re.sub(r"\bBSCP\b", "{acronym}", s)
            (actions if STRONG_VERB.search(s) and ARTEFACT.search(s) else plain).append(s)
        for section in document.sections:
            title = " ".join(section.title.split())
            if 2 <= len(title.split()) <= 9 and not NAME.search(title) and not re.search(r"\d{3,}|@|:|\(|,", title):
                headings.add(re.sub(r"\bBarnet\b", "{area}", title))
    scheme = load_scheme()
    themes = sorted({t.label for t in scheme.themes})
    organisations = sorted({label for e in scheme.gazetteer for label in [e.label, *e.alt_labels[:1]]
                            if "Barnet" not in label})
    return SourceText(sorted(set(plain)), sorted(set(actions)), sorted(headings), themes, organisations)


def area_names() -> list[str]:
    """~150 partnership areas (as many as England has safeguarding partnerships)."""
    return [f"{kind}{root}" for kind in AREA_KINDS for root in AREA_ROOTS][:150]


def acronym(area: str, adults: bool) -> str:
    letters = "".join(w[0] for w in area.replace("City of ", "").split())
    return f"{letters}{'SAB' if adults else 'SCP'}"


def _review_name(rng: random.Random, used: set[str]) -> tuple[str, str, bool]:
    """A new review's subject name, its type and whether it is about an adult."""
    while True:
        subject = _weighted(rng, SUBJECTS)
        letters = "".join(rng.choice("ABCDEFGHJKLMNPQRSTVWXYZ") for _ in range(rng.choice((1, 2, 2, 2, 3))))
        if letters in NOT_AN_ID:
            continue
        name = f"{subject} {letters}"
        if name not in used:
            used.add(name)
            adult = subject == "Adult"
            return name, _weighted(rng, ADULT_TYPES if adult else CHILD_TYPES), adult


class ReportWriter:
    """Writes one synthetic report (plain text laid out like the real ones) from a seeded random source."""

    def __init__(self, seed: int, index: int):
        self.rng = random.Random(f"{seed}:{index}")
        self.index = index
        self.src = source_text()
        areas = area_names()
        self.area = areas[index % len(areas)]
        self.adults = self.rng.random() < 0.2
        self.partnership = f"{self.area} {'Safeguarding Adults Board' if self.adults else 'Safeguarding Children Partnership'}"
        self.acronym = acronym(self.area, self.adults)
        self.year = self.rng.randint(2015, 2025)
        self.date = f"{self.year}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"
        self.lines: list[str] = []

    def fill(self, sentence: str) -> str:
        return sentence.replace("{area}", self.area).replace("{acronym}", self.acronym)

    def paragraph(self, n: int | None = None) -> str:
        n = n or self.rng.randint(2, 6)
        return " ".join(self.fill(self.rng.choice(self.src.sentences)) for _ in range(n))

    def themes(self, k: int) -> list[str]:
        return self.rng.sample(self.src.themes, k)

    def org(self) -> str:
        return self.rng.choice(self.src.organisations)

    def action(self, review: str, theme: str) -> str:
        if self.rng.random() < 0.35:
            return self.fill(self.rng.choice(self.src.actions))
        return self.rng.choice(ACTION_TEMPLATES).format(
            org=self.org(), artefact=self.rng.choice(ARTEFACTS), theme=theme.lower(), review=review,
            n=self.rng.randint(12, 400), month=self.rng.choice(MONTHS), year=self.year)

    def write(self, target_words: int) -> tuple[str, DocumentMeta]:
        """The report text and its manifest metadata."""
        rng = self.rng
        kind = rng.choice(["annual report", "annual report", "case review summary", "learning briefing"])
        title = (f"{self.partnership} Annual Report {self.year - 1}-{str(self.year)[2:]}" if kind == "annual report"
                 else f"{self.partnership}: {kind.capitalize()} {self.year}")
        add = self.lines.append
        add(title)
        add("")
        add(f"Published {self.date} by the {self.partnership} ({self.acronym}).")
        add("")
        add("Summary")
        add("")
        add(self.paragraph(4))
        add("")
        used: set[str] = set()
        section = 0
        words = 0
        while words < target_words:
            section += 1
            choice = rng.random()
            # About one review section per report (the real annual report has one in ~20 sections).
            if choice < 0.08 or (section == 3 and not used):
                words += self._review_section(section, used)
            else:
                words += self._plain_section(section)
        return "\n".join(self.lines) + "\n", DocumentMeta(title=title, date=self.date, body=self.partnership, kind=kind)

    def _plain_section(self, number: int) -> int:
        heading = re.sub(r"^\d+(?:\.\d+)*\.?\s+", "", self.fill(self.rng.choice(self.src.headings)))
        self.lines += [f"{number}. {heading.upper()}", ""]
        words = 0
        for p in range(1, self.rng.randint(3, 9)):
            text = self.paragraph()
            words += len(text.split())
            self.lines += [f"{number}.{p} {text}", ""]
            if self.rng.random() < 0.2:
                items = [self.fill(self.rng.choice(self.src.sentences)) for _ in range(self.rng.randint(2, 5))]
                self.lines += [f"- {item}" for item in items] + [""]
                words += sum(len(i.split()) for i in items)
        return words

    def _review_section(self, number: int, used: set[str]) -> int:
        rng = self.rng
        reviews = [_review_name(rng, used) for _ in range(rng.randint(1, 4))]
        heading = ("LEARNING FROM SAFEGUARDING ADULTS REVIEWS" if self.adults
                   else "LEARNING FROM LOCAL CHILD SAFEGUARDING PRACTICE REVIEWS AND RAPID REVIEWS")
        self.lines += [f"{number}. {heading}", ""]
        self.lines += [f"{number}.1 Over the past 18 months {self.acronym} has coordinated and published reviews "
                       "leading to the identification of important learning. The grid below provides an overview of "
                       "the cases we have reviewed, and critical learning and practice themes identified within them:",
                       ""]
        self.lines.append("Case\tCritical learning themes identified:")
        raised = {}
        for name, rtype, _ in reviews:
            raised[name] = self.themes(rng.randint(2, 5))
            status = rng.choice(STATUSES) if rtype in ("Rapid Review", "CSPR") else ""
            bullets = " ".join(f"• {t}" for t in raised[name])
            self.lines.append(f"{name} {rtype}{status}\t{bullets}")
        self.lines.append("")
        words = 60
        for name, rtype, _ in reviews:
            review = f"{name} {rtype}"
            themes = raised[name]
            intro = rng.choice(INTRO_TEMPLATES).format(season=rng.choice(SEASONS), year=self.year - rng.randint(0, 2),
                                                      type=rtype, who=rng.choice(WHO), month=rng.choice(MONTHS),
                                                      partnership=self.partnership)
            learning = rng.choice(LEARNING_TEMPLATES).format(
                type=rtype, themes=", ".join(t.lower() for t in themes[:-1]) + f" and {themes[-1].lower()}",
                theme=themes[0].lower(), theme2=themes[-1].lower())
            text = f"{rtype} – {name}: {intro} {learning} {self.paragraph(rng.randint(1, 3))}"
            self.lines += [text, ""]
            self.lines += [f"{name.upper()} {rtype.upper()}: EVIDENCE OF PUTTING LEARNING INTO PRACTICE AND ITS IMPACT:",
                           ""]
            words += len(text.split())
            for theme in rng.sample(themes, rng.randint(1, min(3, len(themes)))):
                action = self.action(review, theme)
                more = self.paragraph(rng.randint(1, 3))
                self.lines += [f"- {theme.upper()}: {action} {more}", ""]
                words += len(action.split()) + len(more.split())
        return words


def generate_document(seed: int, index: int, folder: Path) -> tuple[Path, DocumentMeta]:
    """Write synthetic report `index` into `folder` (once; an existing file is kept) and return its path and metadata."""
    writer = ReportWriter(seed, index)
    target = int(writer.rng.lognormvariate(9.2, 0.6))  # words: median ~10K (an annual report), long tail
    target = max(2_000, min(target, 60_000))
    path = folder / f"{index:06d}.txt"
    text, meta = writer.write(target)
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.rename(path)
    return path, meta


def iter_documents(seed: int, folder: Path, settings: Settings | None = None,
                   start: int = 0) -> Iterator[tuple[Document, list[Chunk]]]:
    """Documents `start`, `start`+1, … written to `folder` and ingested with the product's ingest, forever."""
    settings = settings or load_settings()
    folder.mkdir(parents=True, exist_ok=True)
    index = start
    while True:
        path, meta = generate_document(seed, index, folder)
        yield ingest_file(path, path.name, meta, settings)
        index += 1


def generate(chunks: int, folder: Path, seed: int = 7, settings: Settings | None = None) -> tuple[list[Document], list[Chunk]]:
    """Documents (and their chunks) until at least `chunks` chunks; files and manifest.csv land in `folder`."""
    documents, all_chunks = [], []
    for document, doc_chunks in iter_documents(seed, folder, settings):
        documents.append(document)
        all_chunks.extend(doc_chunks)
        if len(all_chunks) >= chunks:
            break
    write_manifest(folder, documents)
    return documents, all_chunks


def write_manifest(folder: Path, documents: list[Document]) -> None:
    with (folder / "manifest.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "title", "date", "body", "kind", "source"])
        for d in documents:
            writer.writerow([d.doc, d.title, d.date, d.body, d.kind, "synthetic (benchmarks/synthetic.py)"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=10_000, help="chunks to reach")
    parser.add_argument("--out", type=Path, required=True, help="folder for the .txt files and manifest.csv")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    documents, chunks = generate(args.chunks, args.out, args.seed)
    print(f"{len(documents)} documents, {len(chunks)} chunks in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
