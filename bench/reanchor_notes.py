"""Benchmark: 1,000 notes on a 50-page document re-anchored on a version with 10% of it changed.

Baseline in the same run: a naive per-note search (first exact occurrence, else one fuzzy search of
the whole text), placed against the same ground truth. Pure Python: no database, no app.
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._setup import report
from meetings.anchoring import (
    FUZZY_MIN_CHARS,
    FUZZY_THRESHOLD,
    Anchor,
    PagedText,
    Placement,
    Reanchored,
    reanchor,
)

PAGES = 50
PAGE_CHARS = 2600
NOTES = 1000
CHANGED_SHARE = 0.10

AGENCIES = [
    "Sở Tài chính",
    "Sở Nội vụ",
    "Sở Tư pháp",
    "Sở Y tế",
    "Sở Giáo dục và Đào tạo",
    "Sở Nông nghiệp và Môi trường",
    "Sở Xây dựng",
    "Sở Khoa học và Công nghệ",
    "Sở Công Thương",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Công an thành phố",
    "Thanh tra thành phố",
]
LOCALITIES = [
    "phường Ninh Kiều",
    "phường Cái Khế",
    "phường Vị Thanh",
    "phường Ngã Bảy",
    "xã Châu Thành",
    "xã Phụng Hiệp",
    "xã Vị Thủy",
    "xã Phong Điền",
]
TASKS = [
    "cải cách thủ tục hành chính",
    "chuyển đổi số trong cơ quan nhà nước",
    "xây dựng nông thôn mới",
    "phòng, chống thiên tai và tìm kiếm cứu nạn",
    "quản lý, sử dụng tài sản công",
    "giải ngân vốn đầu tư công",
    "bảo đảm trật tự an toàn giao thông",
    "tiếp công dân và giải quyết khiếu nại, tố cáo",
    "thu ngân sách nhà nước trên địa bàn",
    "phát triển hạ tầng số",
    "chăm sóc sức khỏe ban đầu cho nhân dân",
    "sắp xếp đơn vị hành chính cấp xã",
]
LAWS = [
    "Luật Tổ chức chính quyền địa phương",
    "Luật Ngân sách nhà nước",
    "Luật Đầu tư công",
    "Luật Ban hành văn bản quy phạm pháp luật",
    "Luật Cán bộ, công chức",
    "Luật Phòng, chống tham nhũng",
]
INDICATORS = [
    "hồ sơ giải quyết đúng hạn",
    "hộ nghèo",
    "xã đạt chuẩn nông thôn mới",
    "dân số tham gia bảo hiểm y tế",
    "thủ tục hành chính được tiếp nhận trực tuyến",
    "vốn đầu tư công được giải ngân",
]
TEMPLATES = [
    "Căn cứ {law} ngày {d} tháng {m} năm {y};",
    "Theo đề nghị của Giám đốc {agency} tại Tờ trình số {n}/TTr-STC ngày {d}/{m}/{y}.",
    "{agency} chủ trì, phối hợp với {agency2} và Ủy ban nhân dân {place} tổ chức triển khai"
    " thực hiện {task} trước ngày {d}/{m}/{y}.",
    "Kinh phí thực hiện {task} là {money} đồng, được bố trí từ nguồn ngân sách tỉnh năm {y}.",
    "Ủy ban nhân dân {place} có trách nhiệm rà soát, tổng hợp kết quả {task} trên địa bàn,"
    " báo cáo về {agency} trước ngày {d} tháng {m} năm {y}.",
    "Giao {agency} hướng dẫn, kiểm tra, đôn đốc việc {task}; định kỳ hằng quý báo cáo"
    " Ủy ban nhân dân tỉnh.",
    "Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, các cơ quan, đơn vị phản ánh kịp"
    " thời về {agency} để tổng hợp, trình Ủy ban nhân dân tỉnh xem xét, quyết định.",
    "Tỷ lệ {indicator} của {place} đạt {pct}%, {trend} {pct2}% so với cùng kỳ năm trước.",
    "Năm {y}, toàn tỉnh có {n} {indicator}, trong đó {place} chiếm {pct}%.",
    "Điều {n}. Trách nhiệm của {agency} trong {task}.",
    "Chánh Văn phòng Ủy ban nhân dân tỉnh, Giám đốc {agency}, Chủ tịch Ủy ban nhân dân"
    " {place} chịu trách nhiệm thi hành Quyết định này.",
    "Quyết định này có hiệu lực kể từ ngày {d} tháng {m} năm {y}.",
]
WORDS = ["khẩn trương", "nghiêm túc", "kịp thời", "đầy đủ", "chặt chẽ", "hiệu quả", "công khai"]


@dataclass
class Sentence:
    id: int
    text: str
    edited: bool = False


@dataclass
class Note:
    sentence: int
    word_start: int
    word_end: int
    anchor: Anchor = field(init=False)


def sentence(rng: random.Random) -> str:
    return rng.choice(TEMPLATES).format(
        law=rng.choice(LAWS),
        agency=rng.choice(AGENCIES),
        agency2=rng.choice(AGENCIES),
        place=rng.choice(LOCALITIES),
        task=rng.choice(TASKS),
        indicator=rng.choice(INDICATORS),
        trend=rng.choice(["tăng", "giảm"]),
        d=rng.randint(1, 28),
        m=rng.randint(1, 12),
        y=rng.randint(2020, 2026),
        n=rng.randint(1, 350),
        pct=rng.randint(1, 99),
        pct2=rng.randint(1, 30),
        money=f"{rng.randint(1, 900)}.{rng.randint(0, 999):03d}.000.000",
    )


def write_document(rng: random.Random, counter: list[int]) -> list[list[Sentence]]:
    """Paragraphs of two to six sentences filling exactly PAGES pages."""
    paragraphs, size = [], 0
    while size < (PAGES + 1) * PAGE_CHARS:
        paragraph = [new_sentence(rng, counter) for _ in range(rng.randint(2, 6))]
        size += sum(len(s.text) + 1 for s in paragraph)
        paragraphs.append(paragraph)
    while len(paginate(paragraphs)[0].pages) > PAGES:
        paragraphs.pop()
    return paragraphs


def new_sentence(rng: random.Random, counter: list[int]) -> Sentence:
    counter[0] += 1
    return Sentence(counter[0], sentence(rng))


def paginate(paragraphs: list[list[Sentence]]) -> tuple[PagedText, dict[int, tuple[int, int]]]:
    """Pages of about PAGE_CHARS, and where each sentence lies in the joined text."""
    pages: list[list[Sentence]] = [[]]
    size = 0
    for paragraph in paragraphs:
        for item in paragraph:
            if size + len(item.text) > PAGE_CHARS:
                pages.append([])
                size = 0
            pages[-1].append(item)
            size += len(item.text) + 1
    where, offset = {}, 0
    for page in pages:
        for item in page:
            where[item.id] = (offset, offset + len(item.text))
            offset += len(item.text) + 1  # a space, or the page break after the last one
    return PagedText(" ".join(item.text for item in page) for page in pages), where


def revise(rng: random.Random, paragraphs: list[list[Sentence]], counter: list[int]) -> set[int]:
    """Edit, insert, delete and move text, each a quarter of CHANGED_SHARE; the deleted ids."""
    total = sum(len(s.text) for p in paragraphs for s in p)
    left = dict.fromkeys(["edit", "insert", "delete", "move"], CHANGED_SHARE * total / 4)
    deleted = set()
    while any(budget > 0 for budget in left.values()):
        action = rng.choice(sorted(kind for kind, budget in left.items() if budget > 0))
        paragraph = rng.choice([p for p in paragraphs if p])
        if action == "edit":  # one to three words of a sentence
            item = rng.choice(paragraph)
            words = item.text.split(" ")
            for _ in range(rng.randint(1, 3)):
                at = rng.randrange(len(words))
                left[action] -= len(words[at])
                words[at] = rng.choice(WORDS)
            item.text, item.edited = " ".join(words), True
        elif action == "insert":
            item = new_sentence(rng, counter)
            paragraph.insert(rng.randint(0, len(paragraph)), item)
            left[action] -= len(item.text)
        elif action == "delete":
            item = paragraph.pop(rng.randrange(len(paragraph)))
            deleted.add(item.id)
            left[action] -= len(item.text)
        else:  # a whole paragraph elsewhere, usually on another page
            paragraphs.remove(paragraph)
            paragraphs.insert(rng.randrange(len(paragraphs) + 1), paragraph)
            left[action] -= sum(len(s.text) for s in paragraph)
    return deleted


def write_notes(
    rng: random.Random, old: PagedText, where: dict[int, tuple[int, int]], texts: dict[int, str]
) -> list[Note]:
    notes = []
    ids = sorted(where)
    for _ in range(NOTES):
        sentence_id = rng.choice(ids)
        words = texts[sentence_id].split(" ")
        length = rng.randint(2, min(12, len(words)))
        first = rng.randint(0, len(words) - length)
        note = Note(sentence_id, first, first + length)
        start = where[sentence_id][0] + len(" ".join(words[:first])) + (1 if first else 0)
        end = start + len(" ".join(words[first : first + length]))
        page, offset = old.locate(start)
        note.anchor = old.anchor(page, offset, offset + end - start)
        notes.append(note)
    return notes


def naive(anchor: Anchor, new: PagedText) -> Reanchored:
    """First exact occurrence, else the best fuzzy window of the whole text."""
    at = new.text.find(anchor.exact)
    if at != -1:
        page, offset = new.locate(at)
        return Reanchored(Placement.EXACT, page, offset, offset + len(anchor.exact), 1.0)
    if len(anchor.exact) >= FUZZY_MIN_CHARS:
        found = fuzz.partial_ratio_alignment(anchor.exact, new.text)
        if found is not None and found.score / 100 >= FUZZY_THRESHOLD:
            page, offset = new.locate(found.dest_start)
            end = offset + found.dest_end - found.dest_start
            return Reanchored(Placement.FUZZY, page, offset, end, found.score / 100)
    return Reanchored(Placement.ORPHANED, None, None, None, 0.0)


def judge(
    notes: list[Note],
    placed: list[Reanchored],
    new: PagedText,
    where: dict[int, tuple[int, int]],
    deleted: set[int],
) -> dict[str, int]:
    """Against the truth: on its own sentence, orphaned because it was deleted, or wrong."""
    counts = dict.fromkeys(
        ["exact", "fuzzy", "orphaned", "right", "wrong", "wrong_same_words", "orphan_kept"], 0
    )
    for note, result in zip(notes, placed, strict=True):
        counts[result.kind.value] += 1
        if not result.placed:
            # A note on a surviving sentence that could not be placed is kept, not lost.
            counts["right" if note.sentence in deleted else "orphan_kept"] += 1
            continue
        assert result.page is not None and result.start is not None and result.end is not None
        start = new.position(result.page, result.start)
        span = where.get(note.sentence)
        end = start + result.end - result.start
        on_own = span is not None and start < span[1] and end > span[0]
        counts["right" if on_own else "wrong"] += 1
        # Word for word the note's quote, only not where the note was: repeated boilerplate.
        words = new.pages[result.page - 1][result.start : result.end]
        counts["wrong_same_words"] += not on_own and words == note.anchor.exact
    return counts


def main() -> None:
    rng = random.Random(20260311)
    counter = [0]
    paragraphs = write_document(rng, counter)
    old, old_where = paginate(paragraphs)
    texts = {s.id: s.text for p in paragraphs for s in p}
    notes = write_notes(rng, old, old_where, texts)
    deleted = revise(rng, paragraphs, counter)
    started = time.perf_counter()
    new, new_where = paginate(paragraphs)
    index_seconds = time.perf_counter() - started

    anchors = {number: note.anchor for number, note in enumerate(notes)}
    started = time.perf_counter()
    ours = reanchor(anchors, new, old)
    ours_seconds = time.perf_counter() - started
    started = time.perf_counter()
    theirs = [naive(anchor, new) for anchor in anchors.values()]
    naive_seconds = time.perf_counter() - started

    assert len(ours) == len(notes), "a note was lost"
    ours_counts = judge(notes, [ours[n] for n in range(len(notes))], new, new_where, deleted)
    naive_counts = judge(notes, theirs, new, new_where, deleted)
    share = {kind: ours_counts[kind] / len(notes) for kind in ("exact", "fuzzy", "orphaned")}
    print(
        f"{len(notes)} notes, {len(old.pages)} -> {len(new.pages)} pages, "
        f"{len(old.text)} -> {len(new.text)} characters, {len(deleted)} sentences deleted"
    )
    print(
        f"ours:  exact {share['exact']:.1%}, fuzzy {share['fuzzy']:.1%}, "
        f"orphaned {share['orphaned']:.1%}; {ours_counts['right']} placed right, "
        f"{ours_counts['wrong']} on other text ({ours_counts['wrong_same_words']} on the same "
        f"words), {ours_counts['orphan_kept']} orphaned with text "
        f"left; {ours_seconds * 1000:.0f} ms "
        f"(+{index_seconds * 1000:.0f} ms to normalise the new version's pages)"
    )
    print(
        f"naive: exact {naive_counts['exact']}, fuzzy {naive_counts['fuzzy']}, orphaned "
        f"{naive_counts['orphaned']}; {naive_counts['right']} placed right, "
        f"{naive_counts['wrong']} on other text ({naive_counts['wrong_same_words']} on the same "
        f"words); {naive_seconds * 1000:.0f} ms"
    )
    report(
        "reanchor_notes",
        ours_seconds,
        "s",
        naive_seconds,
        ours_seconds / naive_seconds,
        notes=len(notes),
        pages=len(new.pages),
        exact_share=round(share["exact"], 4),
        fuzzy_share=round(share["fuzzy"], 4),
        orphaned_share=round(share["orphaned"], 4),
        placed_right=ours_counts["right"],
        placed_wrong=ours_counts["wrong"],
        placed_wrong_same_words=ours_counts["wrong_same_words"],
        naive_placed_right=naive_counts["right"],
        naive_placed_wrong=naive_counts["wrong"],
        lost=len(notes) - len(ours),
    )


if __name__ == "__main__":
    main()
