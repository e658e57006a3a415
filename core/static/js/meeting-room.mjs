// VanThu: the meeting room follows the chair without reloading.
//
// The panel contract: an element [data-room-panel] with data-room-kinds="agenda. vote." and
// data-room-src="/meetings/1/room/agenda" is fetched again (GET, same origin, its innerHTML
// replaced) whenever an event whose kind starts with one of those prefixes arrives on the
// room's stream. Forms inside a panel are posted with fetch and the panel shows the answer;
// without this script they are ordinary forms that redirect back to the room.
const room = document.querySelector("[data-room]");
const FETCH = { "X-Requested-With": "fetch", Accept: "text/html" };

function prefixes(panel) {
  return (panel.dataset.roomKinds || "").split(/\s+/).filter(Boolean);
}

// One fetch per panel at a time; an event arriving meanwhile fetches once more afterwards.
const busy = new WeakMap();

async function refresh(panel) {
  if (busy.get(panel)) {
    busy.set(panel, "again");
    return;
  }
  busy.set(panel, "yes");
  try {
    const response = await fetch(panel.dataset.roomSrc, { headers: FETCH, credentials: "same-origin" });
    if (response.redirected || response.status === 401) {
      window.location.reload(); // the session ended: the page says why
      return;
    }
    if (response.ok) {
      panel.innerHTML = await response.text();
      startTimers(panel);
    }
  } catch {
    // The network dropped; the stream's reconnection brings what was missed.
  } finally {
    const again = busy.get(panel) === "again";
    busy.delete(panel);
    if (again) {
      refresh(panel);
    }
  }
}

function onEvent(kind) {
  for (const panel of document.querySelectorAll("[data-room-panel]")) {
    if (prefixes(panel).some((prefix) => kind.startsWith(prefix))) {
      refresh(panel);
    }
  }
}

// The item panel follows the current item unless the reader browses to another one.
function show(src) {
  const panel = document.querySelector("[data-room-item]");
  panel.dataset.roomSrc = src;
  refresh(panel);
}

function follow() {
  const panel = document.querySelector("[data-room-item]");
  const url = new URL(window.location.href);
  url.searchParams.delete("item");
  window.history.replaceState(null, "", url);
  show(panel.dataset.roomCurrentSrc);
}

document.addEventListener("click", (event) => {
  const browse = event.target.closest("[data-room-browse]");
  const back = event.target.closest("[data-room-follow]");
  if (browse) {
    event.preventDefault();
    window.history.replaceState(null, "", browse.href);
    show(browse.dataset.roomBrowse);
  } else if (back) {
    event.preventDefault();
    follow();
  }
});

document.addEventListener("submit", async (event) => {
  const form = event.target;
  const panel = form.closest("[data-room-panel]");
  if (!panel || form.method.toLowerCase() !== "post") {
    return;
  }
  event.preventDefault();
  // The button pressed is part of what is posted (a ballot's choice is its button's value);
  // read the form before the buttons are disabled, or the browser leaves it out.
  const body = new FormData(form, event.submitter);
  for (const button of form.querySelectorAll("button")) {
    button.disabled = true;
  }
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body,
      // A panel answers in HTML; a refusal in JSON, whose message the panel shows.
      headers: { ...FETCH, Accept: "application/json, text/html;q=0.9" },
      credentials: "same-origin",
    });
    const type = response.headers.get("Content-Type") || "";
    if (response.ok && type.startsWith("text/html")) {
      panel.innerHTML = await response.text();
      startTimers(panel);
    } else {
      let message = response.statusText;
      if (type.startsWith("application/json")) {
        message = (await response.json()).message || message;
      }
      showError(panel, message);
    }
  } catch {
    form.submit(); // let the browser post it and show what the server says
  }
});

function showError(panel, message) {
  for (const button of panel.querySelectorAll("button")) {
    button.disabled = false;
  }
  let box = panel.querySelector("[data-room-error]");
  if (!box) {
    box = document.createElement("p");
    box.className = "flash error";
    box.dataset.roomError = "";
    box.setAttribute("role", "alert");
    panel.prepend(box);
  }
  box.textContent = message;
}

// Timers count from what the server measured when it drew them, so a tablet whose clock is
// wrong still shows the right time.
function startTimers(scope) {
  for (const timer of scope.querySelectorAll(".room-timer")) {
    timer.dataset.drawnAt = String(performance.now());
  }
}

function tick() {
  for (const timer of document.querySelectorAll(".room-timer[data-drawn-at]")) {
    const seconds =
      Number(timer.dataset.elapsed) +
      Math.floor((performance.now() - Number(timer.dataset.drawnAt)) / 1000);
    const planned = Number(timer.dataset.planned);
    const minutes = String(Math.floor(seconds / 60)).padStart(2, "0");
    timer.textContent = `${minutes}:${String(seconds % 60).padStart(2, "0")}`;
    timer.classList.toggle("over", planned > 0 && seconds > planned);
  }
}

function connect() {
  const offline = room.querySelector("[data-room-offline]");
  const source = new EventSource(room.dataset.roomStream);
  const kinds = (room.dataset.roomKindsAll || "").split(/\s+/).filter(Boolean);
  for (const kind of kinds) {
    source.addEventListener(kind, () => onEvent(kind));
  }
  source.addEventListener("open", () => {
    offline.hidden = true;
    room.dataset.roomConnected = "true";
  });
  // Too much was missed, or the session ended: the page draws its state again (or the
  // sign-in page says why).
  for (const reload of ["resync", "ended"]) {
    source.addEventListener(reload, () => {
      source.close();
      window.location.reload();
    });
  }
  source.addEventListener("error", () => {
    room.dataset.roomConnected = "false";
    if (source.readyState === EventSource.CLOSED) {
      // Refused (signed out, no longer invited): the page itself says why.
      window.setTimeout(() => window.location.reload(), 3000);
    } else {
      offline.hidden = false; // the browser reconnects by itself, sending Last-Event-ID
    }
  });
}

if (room) {
  // Panels the page does not draw itself are fetched once it opens.
  for (const panel of document.querySelectorAll("[data-room-panel][data-room-load]")) {
    refresh(panel);
  }
  startTimers(document);
  window.setInterval(tick, 1000);
  connect();
}
