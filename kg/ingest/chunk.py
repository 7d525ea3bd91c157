"""Sections from headings, and section-aware chunks that never split a sentence.

A chunk stays inside one section, closes at a sentence (or list item, or
table row) end once it reaches its target size, prefers to close at a
paragraph end, and repeats the previous sentence when it starts mid-paragraph
(a small overlap that keeps a passage readable on its own).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.documents import Chunk, Section
from kg.ingest.clean import Block
from kg.text import sentence_spans

def build_sections(blocks: list[Block], text_length: int) -> list[Section]:
    """Sections opened by heading blocks and by blocks with an inline lead heading."""
    opened: list[Section] = []
    stack: list[Section] = []
    for block in blocks:
        title = block.text if block.kind == "heading" else block.lead
        if not title:
            continue
        title = title.rstrip(":").strip()
        level = max(block.level, 1)
        while stack and stack[-1].level >= level:
            stack.pop()
        section = Section(title=title, level=level, path=[s.title for s in stack] + [title],
                          start=block.start, end=text_length)
        opened.append(section)
        stack.append(section)
    # A section ends where the next section of the same or a higher level begins.
    for i, section in enumerate(opened):
        for later in opened[i + 1:]:
            if later.level <= section.level:
                section.end = later.start
                break
    return opened


def section_path_at(sections: list[Section], offset: int) -> list[str]:
    """The path of the innermost section that contains `offset` (empty before the first heading)."""
    best: Section | None = None
    for section in sections:
        if section.start > offset:
            break
        if section.start <= offset < section.end and (best is None or section.level >= best.level):
            best = section
    return list(best.path) if best else []


@dataclass
class _Unit:
    start: int
    end: int
    words: int
    block: int  # index of the block the unit belongs to
    first_in_block: bool
    opens_list: bool = False  # ends with ":" and the next block is a list item or table row


def chunk_blocks(doc: str, text: str, blocks: list[Block], sections: list[Section],
                 target_words: int = 110, max_words: int = 170, overlap_words: int = 40) -> list[Chunk]:
    """Chunk a cleaned document.

    Args:
        doc: the document id (its file name).
        text: the cleaned text that `blocks` index into.
        blocks: the cleaned blocks.
        sections: from `build_sections`.
        target_words: a chunk closes at the first unit end at or past this size.
        max_words: a chunk never grows past this (over-long sentences are split at clause breaks).
        overlap_words: a chunk that starts mid-paragraph repeats the previous sentence if it is this short.

    Returns:
        Chunks in document order; `text[c.start:c.end] == c.text` for each.
    """
    opened_at = {s.start: s for s in sections}
    groups: list[list[int]] = []  # block indexes per section span
    current: list[int] = []
    for i, block in enumerate(blocks):
        if block.start in opened_at and current and _closes_group(blocks, current, opened_at, i):
            groups.append(current)
            current = []
        current.append(i)
    if current:
        groups.append(current)
    groups = _merge_short_sections(groups, blocks, sections, target_words)

    chunks: list[Chunk] = []
    for group in groups:
        units = [u for i in group for u in _units(text, blocks[i], i, max_words)]
        for a, b in zip(units, units[1:]):
            a.opens_list = b.first_in_block and text[a.end - 1:a.end] == ":" and blocks[b.block].kind in {"item", "row"}
        for start, end, paragraphs_of in _pack(units, target_words, max_words, overlap_words):
            body = text[start:end]
            chunks.append(Chunk(
                doc=doc, chunk_id=f"{doc}#{len(chunks):04d}", text=body, start=start, end=end,
                section=_chunk_section(sections, start, _first_content_offset(blocks, group, start, end), end),
                paragraphs=[blocks[i].number for i in paragraphs_of if blocks[i].number],
                ordinal=len(chunks)))
    return chunks


def _merge_short_sections(groups: list[list[int]], blocks: list[Block], sections: list[Section],
                          target_words: int) -> list[list[int]]:
    """Sibling sections too short to stand alone (web pages, minutes, review lists, briefings) share a chunk.

    Neighbouring groups are joined while together they stay within the target size and their sections
    sit under the same parent heading (top-level sections stay apart), so a passage that answers a
    question is not cut into fragments.
    """
    merged: list[list[int]] = []
    words: list[int] = []
    parents: list[tuple[str, ...]] = []
    for group in groups:
        size = sum(len(blocks[i].text.split()) for i in group)
        parent = tuple(section_path_at(sections, blocks[group[0]].start)[:-1])
        if merged and words[-1] + size <= target_words and parent and parents[-1] == parent:
            merged[-1].extend(group)
            words[-1] += size
            continue
        merged.append(list(group))
        words.append(size)
        parents.append(parent)
    return merged


def _closes_group(blocks: list[Block], group: list[int], opened_at: dict[int, Section], i: int) -> bool:
    """Whether the section that block `i` opens starts a new group of blocks to chunk.

    Headings stay with what follows them: the content, or the sub-headings nested under them. A
    heading whose section is empty (the next heading, of the same or a higher level, follows it
    at once) heads no passage: it stays at the end of the group before it, so that no chunk runs
    from one section's heading into another section's content.
    """
    if _is_empty_heading(blocks, i, opened_at):
        return False
    if any(blocks[j].kind != "heading" for j in group):
        return True
    # Only headings so far: keep them if block i's section nests under one of them.
    return not any(opened_at[blocks[j].start].end > blocks[i].start for j in group if blocks[j].start in opened_at)


def _is_empty_heading(blocks: list[Block], i: int, opened_at: dict[int, Section]) -> bool:
    """A heading whose section closes before the next block (the last block, or one that opens a sibling section)."""
    section = opened_at.get(blocks[i].start)
    if blocks[i].kind != "heading" or section is None:
        return False
    return i + 1 == len(blocks) or blocks[i + 1].start >= section.end


def _chunk_section(sections: list[Section], start: int, content: int, end: int | None = None) -> list[str]:
    """The path a chunk is filed under: the section of its first content (past any headings it opens
    with), if that lies inside the section where the chunk starts; else the innermost section
    holding both (the chunk opens with the heading of an empty sibling section). A chunk that runs
    over several short sibling sections is filed under their shared parent."""
    path = section_path_at(sections, content)
    if end is not None:
        last = section_path_at(sections, max(content, end - 1))
        if last != path:
            common = []
            for a, b in zip(path, last):
                if a != b:
                    break
                common.append(a)
            if common:
                return common
    at_start = section_path_at(sections, start)
    if path[:len(at_start)] == at_start:
        return path
    holding = [s for s in sections if s.start <= start and content < s.end]
    return list(max(holding, key=lambda s: s.level).path) if holding else []


def _first_content_offset(blocks: list[Block], group: list[int], start: int, end: int) -> int:
    """Where the chunk's own text begins: past leading headings, so the path names the deepest one."""
    for i in group:
        b = blocks[i]
        if b.end > start and b.start < end and b.kind != "heading":
            return max(b.start, start)
    return start


def _units(text: str, block: Block, index: int, max_words: int) -> list[_Unit]:
    if block.kind in {"heading", "row", "item"} and len(block.text.split()) <= max_words:
        spans = [(block.start, block.end)]
    else:
        spans = [(s.start, s.end) for s in sentence_spans(text, block.start, block.end)]
    out: list[_Unit] = []
    for s, e in spans:
        for ps, pe in _split_long(text, s, e, max_words):
            out.append(_Unit(ps, pe, len(text[ps:pe].split()), index, not out))
    return out


def _split_long(text: str, start: int, end: int, max_words: int) -> list[tuple[int, int]]:
    """Split a span longer than `max_words` at clause breaks ("; ", " • ", ", "), else at words."""
    if len(text[start:end].split()) <= max_words:
        return [(start, end)]
    piece = text[start:end]
    for pattern in (r"(?<=;)\s+", r"\s+(?=•)", r"(?<=:)\s+", r"(?<=,)\s+", r"\s+"):
        cuts = [m.end() for m in re.finditer(pattern, piece)]
        if not cuts:
            continue
        spans, s, last_cut = [], 0, None
        for cut in cuts + [len(piece)]:
            if len(piece[s:cut].split()) > max_words and last_cut is not None and last_cut > s:
                spans.append((s, last_cut))
                s = last_cut
            last_cut = cut
        spans.append((s, len(piece)))
        if all(len(piece[a:b].split()) <= max_words for a, b in spans):
            return [(start + a, start + len(piece[:b].rstrip())) for a, b in spans if piece[a:b].strip()]
    return [(start, end)]


def _pack(units: list[_Unit], target: int, maximum: int, overlap: int):
    """Group units into chunks; yield (start, end, block indexes).

    A chunk after the first in a section starts by repeating the previous chunk's
    last whole units (sentences, items, rows), up to `overlap` words, so a passage
    that straddles a chunk boundary is still whole in one chunk.
    """
    i = 0
    n = len(units)
    floor = 0  # a chunk never reaches back to (or before) the previous chunk's first unit
    while i < n:
        first, back = i, 0
        while first - 1 >= floor and back + units[first - 1].words <= overlap \
                and back + units[first - 1].words + units[i].words <= maximum:
            first -= 1
            back += units[first].words
        words = back
        j = i
        while j < n:
            if j > first and words + units[j].words > maximum:
                break
            words += units[j].words
            j += 1
            if words >= target:
                break
            # Prefer to close at a paragraph end once the chunk has some substance,
            # but keep a lead-in ("… as follows:") with the list it introduces.
            if j < n and units[j].first_in_block and words >= 0.6 * target \
                    and words + units[j].words > target and not units[j - 1].opens_list:
                break
        yield units[first].start, units[j - 1].end, sorted({u.block for u in units[first:j]})
        floor = first + 1
        i = j
