// VanThu: notes and highlights on a meeting document (templates/meetings/read.html). Selecting
// words in the PDF's text layer (js/pdf-reader.mjs) or in a Word file's HTML opens a small
// composer; saving sends the words, a little of their context and the page as JSON, and the
// server finds them again in its own text of the version. Notes placed on the page shown are
// drawn over it.

const CONTEXT = 64;
// Left out when comparing texts: the browser's text and the server's differ in spaces, and a
// word split at a line end may keep or lose its hyphen.
const IGNORED = /[\s\u00ad\u200b-\u200d\u2060\ufeff-]/u;

function field(root, name) {
  return root.querySelector(`[data-field="${name}"]`);
}

/** The text of `surface` as the selection sees it, and each letter's place in its nodes. */
class SurfaceText {
  constructor(surface) {
    this.surface = surface;
    this.letters = "";
    this.places = []; // for each letter: [text node, offset in it]
    const walker = document.createTreeWalker(surface, NodeFilter.SHOW_TEXT);
    this.full = "";
    while (walker.nextNode()) {
      const node = walker.currentNode;
      for (let i = 0; i < node.data.length; i += 1) {
        if (!IGNORED.test(node.data[i])) {
          this.letters += node.data[i];
          this.places.push([node, i]);
        }
      }
      this.full += node.data;
    }
  }

  /** Characters of the surface's text before a boundary point of a range. */
  offsetOf(container, offset) {
    const range = document.createRange();
    range.setStart(this.surface, 0);
    range.setEnd(container, offset);
    return range.toString().length;
  }

  /** The range of `words` nearest to `position` (0..1 of the letters), or null. */
  find(words, position) {
    const wanted = squeeze(words);
    if (!wanted) {
      return null;
    }
    const expected = Number.isFinite(position) ? position * this.letters.length : 0;
    let best = -1;
    for (let at = this.letters.indexOf(wanted); at !== -1; at = this.letters.indexOf(wanted, at + 1)) {
      if (best === -1 || Math.abs(at - expected) < Math.abs(best - expected)) {
        best = at;
      }
    }
    if (best === -1) {
      return null;
    }
    const [startNode, startOffset] = this.places[best];
    const [endNode, endOffset] = this.places[best + wanted.length - 1];
    const range = document.createRange();
    range.setStart(startNode, startOffset);
    range.setEnd(endNode, endOffset + 1);
    return range;
  }
}

function squeeze(text) {
  return Array.from(text.normalize("NFC"))
    .filter((char) => !IGNORED.test(char))
    .join("");
}

class Notes {
  constructor(root) {
    this.root = root;
    this.list = field(root, "notes-list");
    this.composer = field(root, "composer");
    this.quote = field(root, "composer-quote");
    this.text = field(root, "composer-text");
    this.error = field(root, "composer-error");
    this.surface = null; // the element holding the text of the page shown
    this.layer = null; // where marks are drawn, over the page
    this.page = null;
    this.pending = null; // the selection the composer is about
  }

  start() {
    const paper = this.root.querySelector("[data-note-surface]");
    if (paper) {
      this.show(paper, 1, paper);
    }
    const reader = this.root.querySelector("[data-pdf-reader][data-state=shown]");
    if (reader) {
      // The reader drew its first page before this module ran.
      const text = field(reader, "text");
      this.show(text, Number(reader.dataset.page), text.parentElement);
    }
    this.root.addEventListener("reader:page-shown", (event) => {
      this.show(event.detail.text, event.detail.page, event.detail.text.parentElement);
    });
    document.addEventListener("selectionchange", () => this.selected());
    this.composer.addEventListener("click", (event) => {
      const action = event.target.closest("[data-action]")?.dataset.action;
      if (action === "save-note") {
        this.save("note");
      } else if (action === "save-highlight") {
        this.save("highlight");
      } else if (action === "cancel") {
        this.close();
      }
    });
    this.composer.addEventListener("submit", (event) => event.preventDefault());
  }

  show(surface, page, holder) {
    this.surface = surface;
    this.page = page;
    let layer = holder.querySelector(":scope > .note-marks");
    if (!layer) {
      layer = document.createElement("div");
      layer.className = "note-marks";
      layer.dataset.testid = "note-marks";
      holder.append(layer);
    }
    this.layer = layer;
    this.draw();
  }

  /** Marks over the words of every note placed on the page shown. */
  draw() {
    if (!this.surface || !this.layer) {
      return;
    }
    this.layer.replaceChildren();
    const text = new SurfaceText(this.surface);
    const origin = this.layer.getBoundingClientRect();
    for (const note of this.list.querySelectorAll("[data-mark]")) {
      if (Number(note.dataset.page) !== this.page) {
        continue;
      }
      const range = text.find(note.dataset.mark, Number.parseFloat(note.dataset.position));
      if (!range) {
        continue;
      }
      for (const rect of range.getClientRects()) {
        if (rect.width < 1 || rect.height < 1) {
          continue;
        }
        const mark = document.createElement("div");
        mark.className = note.classList.contains("highlight") ? "note-mark highlight" : "note-mark";
        mark.dataset.testid = "note-mark";
        mark.dataset.noteId = note.dataset.noteId || "";
        mark.style.left = `${rect.left - origin.left}px`;
        mark.style.top = `${rect.top - origin.top}px`;
        mark.style.width = `${rect.width}px`;
        mark.style.height = `${rect.height}px`;
        this.layer.append(mark);
      }
    }
    this.root.dataset.marksPage = String(this.page);
  }

  /** A new selection inside the page opens the composer; anything else leaves it as it is. */
  selected() {
    const selection = document.getSelection();
    if (!this.surface || !selection || selection.isCollapsed || selection.rangeCount === 0) {
      return;
    }
    const range = selection.getRangeAt(0);
    if (!this.surface.contains(range.commonAncestorContainer)) {
      return;
    }
    const text = new SurfaceText(this.surface);
    const start = text.offsetOf(range.startContainer, range.startOffset);
    const end = text.offsetOf(range.endContainer, range.endOffset);
    const quote = text.full.slice(start, end);
    if (!quote.trim()) {
      return;
    }
    const before = squeeze(text.full.slice(0, start)).length;
    this.pending = {
      page: this.page,
      quote,
      prefix: text.full.slice(Math.max(0, start - CONTEXT), start),
      suffix: text.full.slice(end, end + CONTEXT),
      position: text.letters.length ? before / text.letters.length : 0,
    };
    this.quote.textContent = `“${quote.trim()}”`;
    this.error.hidden = true;
    this.composer.hidden = false;
  }

  close() {
    this.pending = null;
    this.composer.hidden = true;
    this.text.value = "";
  }

  async save(kind) {
    if (!this.pending) {
      return;
    }
    const sent = { ...this.pending, kind, text: this.text.value, version: Number(this.root.dataset.version) };
    let body = {};
    let ok = false;
    try {
      const response = await fetch(this.root.dataset.notesUrl, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": this.root.dataset.csrfToken,
        },
        body: JSON.stringify(sent),
      });
      ok = response.ok;
      body = await response.json().catch(() => ({}));
    } catch {
      ok = false;
    }
    if (!ok) {
      this.error.textContent = body.message || this.root.dataset.errorMessage;
      this.error.hidden = false;
      return;
    }
    this.added(body.note, sent.position);
    document.getSelection()?.removeAllRanges();
    this.close();
    this.draw();
  }

  added(note, position) {
    field(this.root, "no-notes")?.remove();
    const item = field(this.root, "note-template").content.firstElementChild.cloneNode(true);
    item.dataset.noteId = String(note.id);
    item.dataset.mark = note.quote;
    item.dataset.page = String(note.page);
    item.dataset.position = String(position);
    if (note.kind === "highlight") {
      item.classList.add("highlight");
    }
    item.querySelector("blockquote").textContent = `“${note.quote}”`;
    const words = item.querySelector("[data-testid=note-text]");
    if (note.text) {
      words.textContent = note.text;
    } else {
      words.remove();
    }
    field(item, "page-label").textContent = String(note.page);
    this.list.append(item);
  }
}

for (const root of document.querySelectorAll("[data-notes]")) {
  new Notes(root).start();
}
