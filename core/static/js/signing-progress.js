// VanThu: live progress of a bulk verification job; without it the page offers a Refresh link.
"use strict";
(() => {
  const box = document.getElementById("job-progress");
  if (!box || !["queued", "running"].includes(box.dataset.state)) {
    return;
  }
  const bar = box.querySelector("progress");
  const poll = async () => {
    const response = await fetch(box.dataset.progressUrl, { headers: { Accept: "application/json" } });
    if (!response.ok) {
      return;
    }
    const job = await response.json();
    for (const key of ["done", "total", "passed", "failed", "indeterminate"]) {
      const cell = box.querySelector(`[data-field="${key}"]`);
      if (cell) {
        cell.textContent = String(job[key]);
      }
    }
    bar.max = Math.max(job.total, 1);
    bar.value = job.done;
    if (job.state === "done" || job.state === "failed") {
      window.location.reload();
    } else {
      window.setTimeout(poll, 1500);
    }
  };
  window.setTimeout(poll, 1000);
})();
