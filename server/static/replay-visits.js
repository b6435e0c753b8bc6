/* Stride beside stride across visits: on a runner's progress page, the first visit's kept
   replay beside the latest visit's; on a session's review page, the first visit's beside
   this session's. Shown only where both kept replays exist (kept with the runner's consent).
   Played by the replay player (replay-player.js). */
"use strict";

(() => {
  const params = new URLSearchParams(location.search);
  const id = params.get("id");
  const onRunner = location.pathname.startsWith("/runners");
  const main = document.querySelector("main");
  if (!id || !main) return;
  const { el } = TWReplay;

  const section = el("section", { id: "visits-replay" });
  section.hidden = true;
  const heading = el("h2", {}, "Stride beside stride");
  const note = el("p", { className: "muted", id: "vr-note" });
  const open = el("button", { id: "vr-open", type: "button" });
  const panel = el("div", { id: "replay", className: "replay" });
  panel.hidden = true;
  section.append(heading, note, open, panel);
  main.insertBefore(section, main.children[1] || null);
  const close = el("button", { id: "rp-close", type: "button", className: "secondary" }, "Close");
  TWReplay.mount(panel, [close]);
  window.twInstant = TWReplay.hook;

  async function kept() {
    const r = await fetch(`/api/replay/kept?${onRunner ? "runner" : "session"}=${encodeURIComponent(id)}`,
      { credentials: "same-origin", cache: "no-store" });
    return r.ok ? (await r.json()).kept : [];
  }

  async function show() {
    const all = await kept();
    if (!all.length) return;
    const first = all[0];
    const mine = onRunner ? all.filter((k) => k.session_id === all[all.length - 1].session_id)
      : all.filter((k) => String(k.session_id) === String(id));
    const today = mine[mine.length - 1];
    if (!today || today.session_id === first.session_id) return;
    const todayLabel = onRunner ? `Latest visit (${today.label.replace("Visit of ", "")})` : `This visit (${today.label.replace("Visit of ", "")})`;
    const firstLabel = `Visit 1 (${first.label.replace("Visit of ", "")})`;
    open.textContent = onRunner ? "Visit 1 vs latest visit" : "Visit 1 vs this visit";
    note.textContent = `The replays the therapist kept: ${firstLabel.toLowerCase()} beside ${todayLabel.toLowerCase()}, aligned on the landing, in slow motion.`;
    section.hidden = false;
    open.addEventListener("click", async () => {
      open.disabled = true;
      try {
        const [a, b] = await Promise.all([
          TWReplay.loadClip(`/api/replay/stored/${today.clip_id}`),
          TWReplay.loadClip(`/api/replay/stored/${first.clip_id}`),
        ]);
        a.label = todayLabel; b.label = firstLabel;
        panel.hidden = false;
        TWReplay.beginPair(a, b, "visit1");
      } catch (e) {
        note.textContent = String(e.message || e);
      } finally { open.disabled = false; }
    });
  }

  close.addEventListener("click", () => { TWReplay.end(); panel.hidden = true; });
  show().catch(() => {});
})();
