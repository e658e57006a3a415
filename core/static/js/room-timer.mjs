// The speaking-time timers of the meeting room: every element with data-room-timer shows the
// time spoken against its limit, and is marked once the limit has passed. The panels are
// replaced as events arrive, so the timers are looked up again on each tick.
const pad = (n) => String(n).padStart(2, "0");
const clock = (seconds) => `${pad(Math.floor(seconds / 60))}:${pad(seconds % 60)}`;

function tick() {
  for (const timer of document.querySelectorAll("[data-room-timer]")) {
    const started = Number(timer.dataset.started);
    const limit = Number(timer.dataset.limit);
    if (!Number.isFinite(started) || !Number.isFinite(limit)) continue;
    const spoken = Math.max(0, Math.floor((Date.now() - started) / 1000));
    timer.textContent = `${clock(spoken)} / ${clock(limit)}`;
    timer.classList.toggle("bad", spoken > limit);
  }
}

tick();
setInterval(tick, 1000);
