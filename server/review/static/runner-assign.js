/* Review: who ran this session (re-assign to a runner or a guest) and a link to its report.
   Self-contained: adds its own controls to the header bar. Needs review.js (TWR). */
"use strict";

(() => {
  const { el, api, param, showError } = TWR;
  const id = param("id");
  if (!id) return;

  async function start() {
    const [list, current] = await Promise.all([
      api("/api/runners"), api(`/api/review/sessions/${encodeURIComponent(id)}/runner`),
    ]);
    const select = el("select", { id: "assign-runner", "aria-label": "runner of this session" },
      el("option", { value: "" }, "Guest"),
      ...list.runners.map((r) => el("option", { value: String(r.id) }, r.name)));
    select.value = current.runner ? String(current.runner.id) : "";
    const msg = el("span", { id: "assign-msg", class: "muted", role: "status" });
    const box = el("span", { id: "runner-assign" }, "Runner ", select, msg,
      el("a", { id: "report-link", class: "button secondary", href: `/review/report?session=${encodeURIComponent(id)}` }, "Report"));
    box.style.cssText = "display:inline-flex;gap:8px;align-items:center";
    select.addEventListener("change", async () => {
      try {
        const body = await api(`/api/review/sessions/${encodeURIComponent(id)}/runner`, {
          method: "PUT", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ runner_id: select.value ? Number(select.value) : null }),
        });
        msg.textContent = (body.runner ? `now ${body.runner.name}'s` : "now a guest's") +
          (body.clips_deleted ? ` (${body.clips_deleted} clip(s) deleted: no consent)` : "");
        box.dataset.runner = body.runner ? String(body.runner.id) : "";
      } catch (err) { showError(err); }
    });
    box.dataset.runner = current.runner ? String(current.runner.id) : "";
    const bar = document.querySelector("header.bar");
    bar.insertBefore(box, bar.querySelector(".spacer"));
  }

  start().catch(showError);
})();
