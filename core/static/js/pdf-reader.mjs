// VanThu: a PDF read with pdf.js, one page at a time: a canvas with the page's text above it
// (selectable: notes and highlights anchor there, js/meeting-notes.mjs listening to the
// `reader:page-shown` event), fitted to the tablet's width, zoomed with buttons or two fingers,
// reopened at the page the reader last reached. Whatever fails here, the reader gets the
// browser's own PDF viewer instead.
//
// Every element marked `data-pdf-reader` (templates/documents/_reader.html) is mounted; a page
// that adds one later calls `mountReader(element)`.

const MIN_ZOOM = 0.5;
const MAX_ZOOM = 4;
const ZOOM_STEP = 1.25;
// Pages turned quickly are saved once, when the reader pauses.
const SAVE_DELAY_MS = 400;
const SWIPE_PX = 60;

let library = null;

/** pdf.js, loaded once per page from our own static files. */
function loadLibrary(base) {
  library ??= import(new URL("pdf.min.mjs", base).href).then((pdfjs) => {
    pdfjs.GlobalWorkerOptions.workerSrc = new URL("pdf.worker.min.mjs", base).href;
    return pdfjs;
  });
  return library;
}

function field(root, name) {
  return root.querySelector(`[data-field="${name}"]`);
}

/** The browser's own viewer in place of ours: the same file, with the same pass. */
function fallBack(root, error) {
  console.warn("VanThu reader: showing the browser's PDF viewer instead of pdf.js", error);
  for (const name of ["stage", "status"]) {
    field(root, name)?.remove();
  }
  for (const group of root.querySelectorAll(".reader-group")) {
    group.remove();
  }
  const frame = document.createElement("iframe");
  frame.className = "pdf";
  frame.title = root.getAttribute("aria-label") || "";
  frame.src = root.dataset.fileUrl;
  root.append(frame);
  root.dataset.state = "fallback";
}

async function rememberedPage(url) {
  if (!url) {
    return null; // a file with no remembered position (a meeting material)
  }
  try {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) {
      return null;
    }
    const { page } = await response.json();
    return Number.isInteger(page) ? page : null;
  } catch {
    return null; // the document still opens, at its first page
  }
}

export async function mountReader(root) {
  if (root.dataset.state) {
    return;
  }
  root.dataset.state = "loading";
  const base = new URL(root.dataset.pdfjs, document.baseURI);
  let pdfjs;
  let pdf;
  let startPage;
  try {
    pdfjs = await loadLibrary(base);
    const loading = pdfjs.getDocument({
      url: root.dataset.fileUrl,
      cMapUrl: new URL("cmaps/", base).href,
      cMapPacked: true,
      standardFontDataUrl: new URL("standard_fonts/", base).href,
      wasmUrl: new URL("wasm/", base).href,
      iccUrl: new URL("iccs/", base).href,
      // Our policy allows no eval: pdf.js then interprets PDF functions instead of compiling them.
      isEvalSupported: false,
      // Our file route sends the whole file (no ranges): one request, one opening.
      disableRange: true,
      enableXfa: false,
    });
    [pdf, startPage] = await Promise.all([loading.promise, rememberedPage(root.dataset.positionUrl)]);
  } catch (error) {
    fallBack(root, error);
    return;
  }
  new Reader(root, pdfjs, pdf).start(startPage);
}

class Reader {
  constructor(root, pdfjs, pdf) {
    this.root = root;
    this.pdfjs = pdfjs;
    this.pdf = pdf;
    this.stage = field(root, "stage");
    this.sheet = field(root, "sheet");
    this.canvas = field(root, "canvas");
    this.text = field(root, "text");
    this.pageInput = field(root, "page");
    this.pageNumber = 0; // the page shown
    this.target = 1; // the page last asked for, shown once the drawing in progress ends
    this.zoom = 1; // times the width that fits the screen
    this.wanted = null; // the page and zoom to show once the current drawing ends
    this.drawing = false;
    this.saveTimer = null;
    this.savedPage = null;
  }

  start(page) {
    const count = this.pdf.numPages;
    field(this.root, "pages").textContent = String(count);
    this.pageInput.max = String(count);
    field(this.root, "status").hidden = true;
    // Page 1 is where a document opens anyway: nothing to store until a page is turned.
    this.savedPage = page || 1;
    this.listen();
    this.show(Math.min(Math.max(page || 1, 1), count));
  }

  listen() {
    const actions = {
      "previous-page": () => this.show(this.target - 1),
      "next-page": () => this.show(this.target + 1),
      "zoom-in": () => this.setZoom(this.zoom * ZOOM_STEP),
      "zoom-out": () => this.setZoom(this.zoom / ZOOM_STEP),
      "fit-width": () => this.setZoom(1),
    };
    this.root.addEventListener("click", (event) => {
      const button = event.target.closest("[data-action]");
      if (button && this.root.contains(button)) {
        actions[button.dataset.action]?.();
      }
    });
    this.pageInput.addEventListener("change", () => {
      const page = Number.parseInt(this.pageInput.value, 10);
      if (Number.isInteger(page)) {
        this.show(page);
      } else {
        this.pageInput.value = String(this.target);
      }
    });
    this.root.addEventListener("keydown", (event) => {
      if (event.target === this.pageInput) {
        return;
      }
      if (event.key === "ArrowRight" || event.key === "PageDown") {
        this.show(this.target + 1);
      } else if (event.key === "ArrowLeft" || event.key === "PageUp") {
        this.show(this.target - 1);
      }
    });
    let width = this.stage.clientWidth;
    new ResizeObserver(() => {
      if (this.stage.clientWidth !== width) {
        width = this.stage.clientWidth; // a tablet turned: fit the new width
        this.show(this.target);
      }
    }).observe(this.stage);
    this.listenToFingers();
    // Leaving the page (another document, closing the tab): store the last page turned.
    window.addEventListener("pagehide", () => this.saveNow());
  }

  /** Two fingers zoom (the page is redrawn sharp when they lift); one finger swiped turns the page. */
  listenToFingers() {
    let pinch = null;
    let swipe = null;
    const distance = (touches) =>
      Math.hypot(touches[0].clientX - touches[1].clientX, touches[0].clientY - touches[1].clientY);
    this.stage.addEventListener("touchstart", (event) => {
      if (event.touches.length === 2) {
        pinch = { from: distance(event.touches), ratio: 1 };
        swipe = null;
      } else if (event.touches.length === 1 && this.zoom <= 1) {
        swipe = { x: event.touches[0].clientX, y: event.touches[0].clientY };
      }
    });
    this.stage.addEventListener(
      "touchmove",
      (event) => {
        if (pinch && event.touches.length === 2) {
          event.preventDefault();
          pinch.ratio = distance(event.touches) / pinch.from;
          this.sheet.style.transform = `scale(${pinch.ratio})`;
        }
      },
      { passive: false },
    );
    this.stage.addEventListener("touchend", (event) => {
      if (pinch && event.touches.length < 2) {
        this.sheet.style.transform = "";
        this.setZoom(this.zoom * pinch.ratio);
        pinch = null;
      } else if (swipe && event.changedTouches.length === 1) {
        const dx = event.changedTouches[0].clientX - swipe.x;
        const dy = event.changedTouches[0].clientY - swipe.y;
        if (Math.abs(dx) > SWIPE_PX && Math.abs(dy) < Math.abs(dx) / 2) {
          this.show(this.target + (dx < 0 ? 1 : -1));
        }
        swipe = null;
      }
    });
  }

  setZoom(zoom) {
    this.zoom = Math.min(Math.max(zoom, MIN_ZOOM), MAX_ZOOM);
    this.show(this.target);
  }

  /** Show page `number` (kept within the document); drawings never overlap. */
  async show(number) {
    const page = Math.min(Math.max(number, 1), this.pdf.numPages);
    this.target = page;
    this.wanted = { page, zoom: this.zoom };
    this.pageInput.value = String(page);
    if (this.drawing) {
      return; // the loop below draws the latest wish when the current drawing ends
    }
    this.drawing = true;
    try {
      while (this.wanted) {
        const { page: next, zoom } = this.wanted;
        this.wanted = null;
        await this.draw(next, zoom);
      }
    } catch (error) {
      fallBack(this.root, error);
    } finally {
      this.drawing = false;
    }
  }

  async draw(number, zoom) {
    this.root.dataset.state = "drawing";
    const page = await this.pdf.getPage(number);
    const natural = page.getViewport({ scale: 1 });
    const fit = (this.stage.clientWidth || natural.width) / natural.width;
    const viewport = page.getViewport({ scale: fit * zoom });
    const ratio = window.devicePixelRatio || 1;
    // Drawn into a fresh canvas, swapped in when complete: the reader never sees half a page.
    const canvas = document.createElement("canvas");
    canvas.width = Math.floor(viewport.width * ratio);
    canvas.height = Math.floor(viewport.height * ratio);
    canvas.dataset.field = "canvas";
    canvas.dataset.testid = "reader-canvas";
    await page.render({
      canvas,
      canvasContext: canvas.getContext("2d"),
      viewport,
      transform: ratio === 1 ? null : [ratio, 0, 0, ratio, 0, 0],
    }).promise;

    const text = document.createElement("div");
    text.className = "textLayer";
    text.dataset.field = "text";
    text.dataset.testid = "reader-text";
    this.sheet.style.setProperty("--total-scale-factor", String(viewport.scale));
    this.sheet.style.width = `${Math.floor(viewport.width)}px`;
    this.sheet.style.height = `${Math.floor(viewport.height)}px`;
    const layer = new this.pdfjs.TextLayer({
      textContentSource: page.streamTextContent(),
      container: text,
      viewport,
    });
    this.canvas.replaceWith(canvas);
    this.text.replaceWith(text);
    this.canvas = canvas;
    this.text = text;
    await layer.render();

    this.pageNumber = number;
    this.root.dataset.page = String(number);
    this.root.dataset.state = "shown";
    // Whoever draws on the page (notes and highlights) learns that it is there.
    this.root.dispatchEvent(
      new CustomEvent("reader:page-shown", { bubbles: true, detail: { page: number, text } }),
    );
    this.scheduleSave();
  }

  scheduleSave() {
    window.clearTimeout(this.saveTimer);
    this.saveTimer = window.setTimeout(() => this.saveNow(), SAVE_DELAY_MS);
  }

  saveNow() {
    window.clearTimeout(this.saveTimer);
    const page = this.pageNumber;
    if (!page || page === this.savedPage || !this.root.dataset.positionUrl) {
      return;
    }
    this.savedPage = page;
    fetch(this.root.dataset.positionUrl, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": this.root.dataset.csrfToken,
      },
      body: JSON.stringify({ page }),
      keepalive: true, // survives leaving the page
    }).catch(() => {
      this.savedPage = null; // offline for a moment: the next turn tries again
    });
  }
}

for (const root of document.querySelectorAll("[data-pdf-reader]")) {
  mountReader(root);
}
