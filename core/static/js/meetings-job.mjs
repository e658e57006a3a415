// VanThu: the progress of a zip being built (whole pack, archive). Without this module the page
// offers a Refresh link; with it, the bar follows the job and the page reloads once it ends.
const box = document.querySelector("[data-job-status-url]");

async function poll() {
  let job;
  try {
    const response = await fetch(box.dataset.jobStatusUrl, { headers: { Accept: "application/json" } });
    if (!response.ok) {
      return;
    }
    job = await response.json();
  } catch {
    window.setTimeout(poll, 5000); // the network dropped: try again a little later
    return;
  }
  const bar = box.querySelector("progress");
  if (bar) {
    bar.max = Math.max(job.total, 1);
    bar.value = job.done;
  }
  const count = box.querySelector("[data-job-count]");
  if (count) {
    count.textContent = `${job.done}/${job.total}`;
  }
  if (job.state === "done" || job.state === "failed") {
    window.location.reload();
  } else {
    window.setTimeout(poll, 1500);
  }
}

if (box && ["queued", "running"].includes(box.dataset.state)) {
  window.setTimeout(poll, 1000);
}
