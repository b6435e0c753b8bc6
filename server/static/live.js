/* treadwatch live page: WebSocket data + MJPEG video, skeleton overlay matched by frame id. */
"use strict";

(() => {
  /* The key numbers, then a small tile for every other metric a cue watches (every cue has
     its number on the page) and the shank angle. Labels, units, digits and normal ranges
     come from the server's metric catalogue (the hello message): the same as every other
     screen and the report. */
  const MAIN_TILES = ["cadence_spm", "overstride", "trunk_lean_deg", "head_pitch_deg", "arm_crossover"];
  const SMALL_TILES = ["shank_angle_deg"];
  const CHART_COLORS = [["overstride", "#ff8c42"], ["trunk_lean_deg", "#4aa3ff"], ["head_pitch_deg", "#c77dff"], ["arm_crossover", "#39ff88"]];
  let TILES = [];
  let CHART = [];
  const CHART_SPAN_S = 60;
  /* A pause longer than this between two steps is drawn as a gap, not a line. */
  const CHART_GAP_S = 1.5;
  /* Steps a number stands on when no cue rule watches its metric. */
  const DEFAULT_WINDOW = 10;
  const KEEP_STRIDES = 300;

  const $ = (id) => document.getElementById(id);
  const videoCanvas = $("video"), overlay = $("overlay");
  const vctx = videoCanvas.getContext("2d"), octx = overlay.getContext("2d");
  const state = {
    edges: [], simulated: false, lmById: new Map(), lastLm: null, lastLmId: -1,
    videoId: -1, lastVideoAt: 0, frozen: false, contacts: [], contact: null,
    strides: [], alerts: new Map(), wsOpen: false, source: null, latestT: 0,
    rules: {}, ranges: {}, praise: null, catalogue: {}, minConfidence: 0.5, maxActive: 1,
    ended: null, sessionT0: null,
  };
  /* How long the praise for a fixed fault stays in the cue box before "Running well". */
  const PRAISE_MS = 5000;
  let praiseTimer = 0;

  // --- numbers -----------------------------------------------------------------------------
  const numbers = $("numbers"), moreNumbers = $("numbers-more");
  const meta = (key) => state.catalogue[key] || { label: key, unit: "", digits: 2, chart: key, range: null };

  function buildTiles() {
    const keys = [...MAIN_TILES, ...SMALL_TILES];
    for (const [name, r] of Object.entries(state.rules)) if (r.enabled && !keys.includes(name) && state.catalogue[name]) keys.push(name);
    TILES = keys.map((key) => ({ key, small: !MAIN_TILES.includes(key), ...meta(key) }));
    CHART = CHART_COLORS.map(([key, color]) => ({ key, color, label: meta(key).chart, digits: meta(key).digits }));
    numbers.replaceChildren(); moreNumbers.replaceChildren();
    for (const t of TILES) {
      const el = document.createElement("div");
      el.className = t.small ? "tile small" : "tile"; el.id = "tile-" + t.key; el.dataset.band = "";
      el.innerHTML = `<div class="label"></div>` +
        `<div class="reading"><span class="value" id="metric-${t.key}">–</span>` +
        `<span class="unit${t.unit === "°" ? " deg" : ""}"></span></div>` +
        `<div class="what" id="what-${t.key}"></div>` +
        `<div class="last">last step <span id="last-${t.key}">–</span></div>` +
        `<div class="note" id="note-${t.key}"></div>` +
        `<div class="range" id="range-${t.key}"></div>` +
        `<div class="cue-at" id="cueat-${t.key}"></div>`;
      el.querySelector(".label").textContent = t.label;
      el.querySelector(".unit").textContent = t.unit;
      (t.small ? moreNumbers : numbers).appendChild(el);
    }
    moreNumbers.hidden = !moreNumbers.children.length;
  }

  function fmt(v, digits) {
    const s = Number(v).toFixed(digits);
    const z = Number(s) === 0 ? Number(0).toFixed(digits) : s; // no "-0.00"
    return z.replace("-", "\u2212");
  }

  function median(xs) {
    const s = [...xs].sort((a, b) => a - b), n = s.length;
    return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  /* The band of a number as shown (rounded to its digits), from the catalogue's range: a
     value shown as "12" is inside "normal −12 to 12". */
  function bandOf(key, v) {
    const r = meta(key).range;
    if (!r || v === null || v === undefined) return null;
    const x = Number(Number(v).toFixed(meta(key).digits));
    if (x >= r.green[0] && x <= r.green[1]) return "green";
    if (x >= r.amber[0] && x <= r.amber[1]) return "amber";
    return "red";
  }

  /* The number a tile shows: the median of the steps its cue rule judges — the last `last_m`
     steps whose value is at least `min_confidence` sure, exactly the steps the rule counts.
     When none of the last `last_m` steps could be measured, the metric is not measurable
     now: "–" and the reason (never an older value), and it is not judged. Exposed for the
     browser tests. */
  function tileReading(key, rule) {
    if (rule === undefined) rule = state.rules[key];
    const n = rule ? rule.last_m : DEFAULT_WINDOW;
    const minConf = rule ? rule.min_confidence : state.minConfidence;
    const steps = state.strides;
    const used = [];
    let reason = null, recentOk = false;
    for (let i = steps.length - 1; i >= 0 && used.length < n; i--) {
      const m = steps[i].metrics[key];
      const ok = m && m.value !== null && m.value !== undefined && (m.confidence === null || m.confidence >= minConf);
      if (ok) {
        used.push(m);
        if (i >= steps.length - n) recentOk = true;
      } else if (reason === null && m && i >= steps.length - n) {
        reason = m.reason || (m.value !== null && m.value !== undefined ? "not sure enough in this view" : null);
      }
    }
    if (!steps.length) return { value: null, reason: null, n: 0, confidence: null, band: null };
    if (!recentOk) {
      return { value: null, reason: reason || `not measured in the last ${n} steps`, n: 0, confidence: null, band: null };
    }
    const med = median(used.map((m) => m.value));
    const confs = used.map((m) => (m.confidence === null ? 1 : m.confidence));
    return { value: med, reason: null, n: used.length, confidence: median(confs), band: bandOf(key, med) };
  }
  window.twTileReading = tileReading;

  /* A threshold as a person reads it: in the tile's unit; a count (landing signs) as
     "2 or more". */
  function thresholdText(key, rule) {
    const m = meta(key), thr = rule.threshold;
    if (m.digits === 0 && !Number.isInteger(thr)) {
      return rule.direction === "below" ? `${Math.floor(thr)} or fewer` : `${Math.ceil(thr)} or more`;
    }
    return (rule.direction === "below" ? "below " : "above ") + fmt(thr, m.digits);
  }
  const unitText = (key) => { const u = meta(key).unit; return u === "°" ? "°" : u ? " " + u : ""; };

  /* Where the tile's cue is raised, in the tile's own unit, or in the unit of what the cue
     watches (overstride: landing signs) beside the tile's. */
  function cueAt(key) {
    const rule = state.rules[key];
    if (!rule) return "";
    if (!rule.enabled) return "cue off";
    // The tile's own unit is beside its value; another unit (landing signs) is named.
    const unit = rule.metric !== key ? unitText(rule.metric) : meta(key).unit === "°" ? "°" : "";
    return `cue ${thresholdText(rule.metric, rule)}${unit}`;
  }

  /* Why a number outside its normal range raised no cue ("" when it is in range or did). */
  function whyNoCue(key, r) {
    if (state.ended || r.value === null || !r.band || r.band === "green" || state.alerts.has(key)) return "";
    const rule = state.rules[key];
    if (!rule) return "no cue watches this number";
    if (!rule.enabled) return "no cue: this cue is off";
    const own = rule.metric === key ? r : tileReading(rule.metric, rule);
    const v = own.value;
    const past = v !== null && (rule.direction === "below" ? v < rule.threshold : v > rule.threshold);
    if (!past) {
      const now = v === null ? "" : ` (now ${fmt(v, meta(rule.metric).digits)}${unitText(rule.metric)})`;
      return `no cue: outside the normal range, but the cue is set ${thresholdText(rule.metric, rule)}${unitText(rule.metric)}${now}`;
    }
    if (state.alerts.size >= state.maxActive) return "no cue: one cue at a time, another is shown";
    return `no cue yet: needs ${rule.n_of} of the last ${rule.last_m} steps past it (or waits after a recent cue)`;
  }
  window.twWhyNoCue = (key) => whyNoCue(key, tileReading(key));

  /* After the session: each tile shows the session's figure, as the review page, the
     progress page and the report show it. */
  function showSessionFigures() {
    const summary = (state.ended && state.ended.summary) || {};
    for (const t of TILES) {
      const f = summary[t.key];
      const v = f && f.value !== null && f.value !== undefined ? f.value : null;
      $("metric-" + t.key).textContent = v === null ? "–" : fmt(v, t.digits);
      $("what-" + t.key).textContent = v === null ? "" : t.key === "cadence_spm" ? "the session" : "session median";
      $("last-" + t.key).textContent = "–";
      $("note-" + t.key).textContent = f && f.low_confidence ? "low confidence in this view: not judged" : "";
      $("tile-" + t.key).dataset.band = v === null || (f && f.low_confidence) ? "" : bandOf(t.key, v) || "";
      $("tile-" + t.key).dataset.session = "true";
    }
  }

  function showMetrics() {
    if (state.ended) { showSessionFigures(); return; }
    const last = state.strides.length ? state.strides[state.strides.length - 1] : null;
    for (const t of TILES) {
      const s = last && last.metrics[t.key];
      $("last-" + t.key).textContent = s && s.value !== null && s.value !== undefined ? fmt(s.value, t.digits) : "–";
      const r = tileReading(t.key);
      const v = $("metric-" + t.key), note = $("note-" + t.key), what = $("what-" + t.key);
      const tile = $("tile-" + t.key);
      tile.dataset.session = "false";
      if (r.value === null) {
        v.textContent = "–"; what.textContent = ""; note.textContent = r.reason || "";
      } else {
        v.textContent = fmt(r.value, t.digits);
        what.textContent = r.n === 1 ? "the last step" : `median, last ${r.n} steps`;
        note.textContent = r.confidence !== null && r.confidence < state.minConfidence
          ? `low confidence (${Math.round(r.confidence * 100)} %)` : whyNoCue(t.key, r);
      }
      note.title = note.textContent;
      tile.dataset.band = r.band || "";
    }
  }

  function clearMetrics() {
    for (const t of TILES) {
      $("metric-" + t.key).textContent = "–"; $("note-" + t.key).textContent = "";
      $("last-" + t.key).textContent = "–"; $("what-" + t.key).textContent = "";
      $("tile-" + t.key).dataset.band = ""; $("tile-" + t.key).dataset.session = "false";
    }
  }

  function showRanges() {
    for (const t of TILES) {
      const r = t.range;
      const el = $("range-" + t.key);
      // The unit is the tile's own (shown beside the value); the source is in the tooltip.
      // The range on one line; where the cue is raised beneath it.
      el.textContent = r && Array.isArray(r.green) ? `normal ${fmt(r.green[0], t.digits)}–${fmt(r.green[1], t.digits)}` : "";
      el.title = r ? r.source || "" : "";
      $("cueat-" + t.key).textContent = cueAt(t.key);
    }
  }

  // --- cues --------------------------------------------------------------------------------
  const speakBox = $("speak");
  speakBox.checked = localStorage.getItem("tw-speak") === "1";
  speakBox.addEventListener("change", () => localStorage.setItem("tw-speak", speakBox.checked ? "1" : "0"));

  function speak(text) {
    if (!speakBox.checked || !("speechSynthesis" in window)) return;
    window.speechSynthesis.cancel();
    window.speechSynthesis.speak(new SpeechSynthesisUtterance(text));
  }

  const capital = (s) => s.charAt(0).toUpperCase() + s.slice(1);

  /* The main cue fills a box of fixed height: its type shrinks to fit, the box never grows. */
  function fitCue() {
    const main = $("cue-main");
    let size = parseFloat(getComputedStyle($("cue")).getPropertyValue("--cue-max")) || 52;
    main.style.fontSize = size + "px";
    while (size > 16 && (main.scrollHeight > main.clientHeight + 1 || main.scrollWidth > main.clientWidth + 1)) {
      size -= 2; main.style.fontSize = size + "px";
    }
  }

  function renderCue() {
    const cue = $("cue");
    const active = [...state.alerts.values()].sort((a, b) => a.priority - b.priority || a.t - b.t);
    if (active.length) state.praise = null;  // a new fault outranks praise for an old one
    cue.dataset.praise = state.praise ? "true" : "false";
    cue.dataset.ended = state.ended ? "true" : "false";
    const second = $("cue-second");
    if (state.ended) {
      // The source ended or the runner left: never "Running well" over a still picture.
      cue.dataset.active = "false"; cue.dataset.rule = ""; cue.dataset.second = "";
      $("cue-main").textContent = "Session ended";
      const link = document.createElement("a");
      link.id = "review-link";
      link.href = state.ended.id ? `/review/session?id=${state.ended.id}` : "/review";
      link.textContent = state.ended.id ? "Review this session" : "Review sessions";
      second.replaceChildren(link);
    } else if (!active.length) {
      cue.dataset.active = "false"; cue.dataset.rule = state.praise ? state.praise.rule : "";
      cue.dataset.second = "";
      // "Running well" only when every number a cue watches is in its normal range (a
      // number no cue watches says so under it).
      const off = TILES.filter((t) => {
        const b = $("tile-" + t.key).dataset.band, rule = state.rules[t.key];
        return rule && rule.enabled && (b === "amber" || b === "red");
      });
      $("cue-main").textContent = state.praise ? capital(state.praise.text) : off.length ? "No cue now" : "Running well";
      second.textContent = !state.praise && off.length ? `${off.map((t) => t.label).join(", ")} outside the normal range: why no cue is under it` : "";
    } else {
      cue.dataset.active = "true"; cue.dataset.rule = active[0].rule;
      $("cue-main").textContent = capital(active[0].cue);
      cue.dataset.second = active.length > 1 ? active[1].rule : "";
      second.textContent = active.length > 1 ? "also: " + active[1].cue : "";
    }
    fitCue();
    for (const t of TILES) $("tile-" + t.key).dataset.alert = state.alerts.has(t.key) ? "true" : "false";
  }

  /* The session that just ended: its id (for the review link) and figures, once the
     recorder has stored its end (the review API; behind the PIN). */
  async function fetchEnded(t) {
    for (let i = 0; i < 20 && state.ended && state.ended.t === t; i++) {
      try {
        const r = await fetch(`/api/review/sessions/ended?t=${t}`, { credentials: "same-origin" });
        if (r.status === 401 || r.status === 403) return;
        if (r.ok) {
          const body = await r.json();
          if (state.ended && state.ended.t === t) {
            state.ended.id = body.session.id; state.ended.summary = body.summary;
            showMetrics(); renderCue();
            window.twEnded = { id: body.session.id, summary: body.summary };
          }
          return;
        }
      } catch (e) { /* retry */ }
      await new Promise((res) => setTimeout(res, 500));
    }
  }

  // --- strip chart -------------------------------------------------------------------------
  const chart = $("chart"), cctx = chart.getContext("2d");
  function drawChart() {
    const dpr = window.devicePixelRatio || 1;
    const cw = Math.max(1, Math.round(chart.clientWidth * dpr)), ch = Math.max(1, Math.round(chart.clientHeight * dpr));
    if (chart.width !== cw || chart.height !== ch) { chart.width = cw; chart.height = ch; }
    cctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const w = chart.clientWidth, h = chart.clientHeight;
    cctx.clearRect(0, 0, w, h);
    const tEnd = state.latestT, tStart = tEnd - CHART_SPAN_S;
    const band = h / CHART.length;
    const LEFT = 96, RIGHT = 58; // label gutter and last-value gutter: traces stay between
    const X = (t) => LEFT + ((t - tStart) / CHART_SPAN_S) * (w - LEFT - RIGHT);
    cctx.font = "13px system-ui, sans-serif";
    cctx.textBaseline = "middle";
    const layout = [];
    CHART.forEach((s, k) => {
      const y0 = k * band;
      cctx.fillStyle = "rgba(255,255,255,0.04)"; cctx.fillRect(LEFT, y0 + 2, w - LEFT - RIGHT, band - 4);
      cctx.fillStyle = s.color; cctx.textAlign = "left"; cctx.fillText(s.label, 4, y0 + band / 2);
      // Runs of consecutive measured steps; an unmeasured step or a pause breaks the line.
      const runs = [];
      let run = [], prevT = null;
      for (const st of state.strides) {
        if (st.t < tStart) { prevT = st.t; continue; }
        const m = st.metrics[s.key];
        const ok = m && m.value !== null && m.value !== undefined;
        if (!ok || (prevT !== null && st.t - prevT > CHART_GAP_S)) { if (run.length) runs.push(run); run = []; }
        if (ok) run.push([st.t, m.value]);
        prevT = st.t;
      }
      if (run.length) runs.push(run);
      const pts = runs.flat();
      layout.push({ key: s.key, runs: runs.length, points: pts.length, y0, band });
      if (!pts.length) return;
      let lo = Math.min(...pts.map((p) => p[1])), hi = Math.max(...pts.map((p) => p[1]));
      const span = Math.max(hi - lo, s.digits ? 0.05 : 2);
      const c = (hi + lo) / 2; lo = c - span * 0.65; hi = c + span * 0.65;
      const Y = (v) => y0 + band - 4 - ((v - lo) / (hi - lo)) * (band - 8);
      cctx.strokeStyle = s.color; cctx.fillStyle = s.color; cctx.lineWidth = 2;
      // Traces stay inside the plot: never over the label or the last value.
      cctx.save();
      cctx.beginPath(); cctx.rect(LEFT, y0, w - LEFT - RIGHT, band); cctx.clip();
      for (const r of runs) {
        cctx.beginPath();
        r.forEach((p, i) => (i ? cctx.lineTo(X(p[0]), Y(p[1])) : cctx.moveTo(X(p[0]), Y(p[1]))));
        cctx.stroke();
        for (const p of r) { cctx.beginPath(); cctx.arc(X(p[0]), Y(p[1]), 2.5, 0, 2 * Math.PI); cctx.fill(); }
      }
      cctx.restore();
      const last = pts[pts.length - 1][1];
      cctx.textAlign = "right"; cctx.fillText(fmt(last, s.digits), w - 4, y0 + band / 2); cctx.textAlign = "left";
    });
    // Read-only hook for the browser tests: where the traces may go, and their runs.
    window.twChart = { plotLeft: LEFT, plotRight: w - RIGHT, width: w, height: h, series: layout };
  }

  // --- overlay -----------------------------------------------------------------------------
  function sizeCanvases(w, h) {
    for (const c of [videoCanvas, overlay]) if (c.width !== w || c.height !== h) { c.width = w; c.height = h; }
    $("video-wrap").style.setProperty("--ar", String(w / h));
  }

  function drawOverlay(lm, id) {
    octx.clearRect(0, 0, overlay.width, overlay.height);
    if (lm) TW.drawSkeleton(octx, lm, state.edges);
    // Read-only hook for the browser tests: what the overlay shows now.
    window.twOverlay = { id: id === undefined ? -1 : id, lm: lm || null, frozen: state.frozen };
  }

  /* Frozen contact: the landing leg's values as measured for that step (the stride message),
     drawn beside that leg's joints and listed under the picture. */
  const FROZEN_VALUES = [
    { key: "knee_flexion_deg", label: "knee", suffix: "° flex", joint: "knee", digits: 0 },
    { key: "shank_angle_deg", label: "shank", suffix: "° from vertical", joint: "ankle", digits: 0 },
    { key: "overstride", label: "overstride", suffix: " × leg", joint: "heel", digits: 2 },
    { key: "foot_strike", label: "foot", suffix: "° toes up", joint: "toe", digits: 0 },
    { key: "trunk_lean_deg", label: "trunk", suffix: "° lean", joint: "shoulder", digits: 0 },
  ];
  const JOINTS = {
    left: { hip: 23, knee: 25, ankle: 27, heel: 29, toe: 31, shoulder: 11 },
    right: { hip: 24, knee: 26, ankle: 28, heel: 30, toe: 32, shoulder: 12 },
  };

  function frozenValues(c) {
    return FROZEN_VALUES.map((f) => {
      const m = c.stride.metrics[f.key];
      const v = m && m.value !== null && m.value !== undefined ? m.value : null;
      return { ...f, value: v, text: v === null ? "–" : fmt(v, f.digits) };
    });
  }

  function drawFrozenValues(c) {
    const w = overlay.width, h = overlay.height;
    const joints = JOINTS[c.stride.foot] || JOINTS.left;
    const P = (i) => [c.lm[3 * i] * w, c.lm[3 * i + 1] * h];
    // The landing leg, drawn over the skeleton so it is clear which leg the values are of.
    const leg = [joints.hip, joints.knee, joints.ankle, joints.heel, joints.toe, joints.ankle];
    if (leg.every((i) => c.lm[3 * i] >= 0)) {
      octx.strokeStyle = "#ffe066"; octx.lineWidth = Math.max(4, w / 110); octx.lineCap = "round";
      octx.beginPath();
      leg.forEach((i, k) => (k ? octx.lineTo(...P(i)) : octx.moveTo(...P(i))));
      octx.stroke();
    }
    const size = Math.max(14, Math.round(w / 40));
    octx.font = `bold ${size}px system-ui, sans-serif`;
    octx.textBaseline = "middle";
    // Labels beside their joints, stacked so that none covers another.
    const labels = [];
    for (const f of frozenValues(c)) {
      if (f.value === null) continue;
      const [x0, y0] = P(joints[f.joint]);
      if (!(x0 >= 0)) continue;
      labels.push({ text: `${f.label} ${f.text}${f.suffix}`, x0, y0, y: y0 });
    }
    labels.sort((a, b) => a.y0 - b.y0);
    const gap = size + 10;
    for (let i = 1; i < labels.length; i++) labels[i].y = Math.max(labels[i].y, labels[i - 1].y + gap);
    const over = labels.length ? labels[labels.length - 1].y - (h - gap / 2) : 0;
    if (over > 0) for (const l of labels) l.y -= over;
    for (const l of labels) {
      const tw = octx.measureText(l.text).width;
      const x = Math.max(4, Math.min(w - tw - 8, l.x0 + 24));
      if (Math.abs(l.y - l.y0) > 4) {
        octx.strokeStyle = "rgba(255,224,102,0.8)"; octx.lineWidth = 2;
        octx.beginPath(); octx.moveTo(l.x0, l.y0); octx.lineTo(x - 4, l.y); octx.stroke();
      }
      octx.fillStyle = "rgba(0,0,0,0.75)"; octx.fillRect(x - 4, l.y - gap / 2 + 2, tw + 8, gap - 4);
      octx.fillStyle = "#ffe066"; octx.fillText(l.text, x, l.y);
    }
  }

  function showFrozen() {
    const c = state.contact;
    if (!c) return;
    sizeCanvases(c.canvas.width, c.canvas.height);
    vctx.drawImage(c.canvas, 0, 0);
    drawOverlay(c.lm, c.id);
    drawFrozenValues(c);
    const foot = c.stride.foot === "right" ? "Right" : "Left";
    $("frozen-label").textContent = `Frozen: ${c.stride.foot} foot landing`;
    const list = $("frozen-values");
    list.innerHTML = "";
    const head = document.createElement("span"); head.className = "fv-head"; head.textContent = foot + " foot landing:";
    list.appendChild(head);
    for (const f of frozenValues(c)) {
      const span = document.createElement("span");
      span.className = "fv"; span.dataset.key = f.key; span.dataset.value = f.value === null ? "" : String(f.value);
      span.textContent = `${f.label} ${f.text}${f.value === null ? "" : f.suffix}`;
      list.appendChild(span);
    }
    list.hidden = false;
    window.twFrozen = { id: c.id, frame: c.stride.frame_id, foot: c.stride.foot, index: c.stride.index,
      values: Object.fromEntries(frozenValues(c).map((f) => [f.key, f.value])) };
  }

  $("freeze").addEventListener("click", () => {
    state.frozen = !state.frozen && state.contact !== null;
    $("freeze").textContent = state.frozen ? "Back to live" : "Freeze last contact";
    $("frozen-label").hidden = !state.frozen;
    $("frozen-values").hidden = !state.frozen;
    if (state.frozen) showFrozen();
  });

  // Recent decoded video frames, so the frame of a contact (reported a few frames late)
  // can still be held; the contact is offered to Freeze once its step is measured.
  const recent = [];
  const RECENT_MAX = 12;

  function snapshot(frameId) {
    let best = null;
    for (const r of recent) if (!best || Math.abs(r.id - frameId) < Math.abs(best.id - frameId)) best = r;
    if (!best || Math.abs(best.id - frameId) > 2) return null;
    const lm = state.lmById.get(best.id) || state.lmById.get(frameId);
    if (!lm) return null;
    const canvas = document.createElement("canvas");
    canvas.width = best.bitmap.width; canvas.height = best.bitmap.height;
    canvas.getContext("2d").drawImage(best.bitmap, 0, 0);
    return { id: best.id, frame: frameId, lm, canvas, stride: null };
  }

  function onContact(frameId) {
    const snap = snapshot(frameId);
    if (snap) state.contacts.push(snap);
    else state.contacts.push({ id: frameId, frame: frameId, lm: null, canvas: null, stride: null, pending: true });
    while (state.contacts.length > 6) state.contacts.shift();
  }

  function contactMeasured(stride) {
    for (const c of state.contacts) {
      if (c.pending && Math.abs(c.frame - stride.frame_id) <= 2) {
        const snap = snapshot(c.frame);
        if (snap) Object.assign(c, snap, { pending: false });
      }
      if (!c.pending && Math.abs(c.frame - stride.frame_id) <= 2 && !c.stride) {
        c.stride = stride;
        state.contact = c;
        $("freeze").disabled = false;
      }
    }
  }

  async function onVideoFrame(id, jpeg) {
    let bitmap;
    try { bitmap = await createImageBitmap(new Blob([jpeg], { type: "image/jpeg" })); } catch (e) { return; }
    state.lastVideoAt = performance.now();
    $("novideo").hidden = true;
    recent.push({ id, bitmap });
    while (recent.length > RECENT_MAX) recent.shift().bitmap.close();
    for (const c of state.contacts) {
      if (c.pending && Math.abs(id - c.frame) <= 2) { const s = snapshot(c.frame); if (s) Object.assign(c, s, { pending: false }); }
    }
    if (!state.frozen && id > state.videoId) {
      state.videoId = id;
      window.twVideoId = id;
      sizeCanvases(bitmap.width, bitmap.height);
      vctx.drawImage(bitmap, 0, 0);
      drawOverlay(state.lmById.get(id) || null, id);
    }
  }

  async function videoLoop() {
    let delay = 500;
    for (;;) {
      try {
        await TW.readMjpeg("/video.mjpeg", (id, jpeg) => { onVideoFrame(id, jpeg); });
        delay = 500;
      } catch (e) { /* reconnect below */ }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 5000);
    }
  }

  // --- live data ---------------------------------------------------------------------------
  function onFrame(m) {
    if (m.lm) { state.lmById.set(m.id, m.lm); state.lastLm = m.lm; }
    state.lastLmId = m.id;
    state.latestT = m.t;
    if (state.lmById.size > 120) {
      for (const k of state.lmById.keys()) { if (k < m.id - 90) state.lmById.delete(k); else break; }
    }
    for (const e of m.ev || []) if (e.kind === "contact") onContact(e.frame);
    if (state.frozen) return;
    if (m.id === state.videoId) drawOverlay(m.lm, m.id);
    // No video (yet, or stalled): draw the skeleton as it comes.
    if (performance.now() - state.lastVideoAt > 1500) {
      if (videoCanvas.width !== 640) sizeCanvases(640, 480);
      vctx.fillStyle = "#000"; vctx.fillRect(0, 0, videoCanvas.width, videoCanvas.height);
      drawOverlay(m.lm, m.id);
    }
  }

  function setConn(kind, text) {
    $("conn").dataset.state = kind; $("conn-text").textContent = text;
  }

  function onStatus(s) {
    state.source = s.source;
    const sim = $("simulated");
    sim.hidden = !s.source.simulated;
    if (s.source.simulated) sim.textContent = "SIMULATED" + (s.source.demo_phase ? " · " + s.source.demo_phase.replace("_", " ") : "");
    const gov = $("governor"); // the pose stage cannot keep up: analysis runs at half rate
    gov.hidden = !(s.governor && s.governor.active); gov.title = s.governor ? s.governor.reason : "";
    if (!state.wsOpen) return;
    const st = s.source.state;
    if (st === "running") setConn("live", "Live · " + s.source.name);
    else if (st === "retrying") setConn("retrying", "Camera lost, retrying: " + (s.source.message || ""));
    else if (st === "starting") setConn("connecting", "Starting camera…");
    else setConn("failed", "Camera " + st + (s.source.message ? ": " + s.source.message : ""));
    $("session").textContent = s.session.active ? "Runner on the belt" : "Waiting for a runner";
  }

  function resetRunner() {
    state.strides = []; state.alerts.clear(); state.contact = null; state.contacts = [];
    state.praise = null;
    state.frozen = false; $("frozen-label").hidden = true; $("frozen-values").hidden = true;
    $("freeze").textContent = "Freeze last contact";
    $("freeze").disabled = true;
    clearMetrics(); renderCue(); drawChart();
  }

  function onMessage(m) {
    switch (m.type) {
      case "frame": onFrame(m); break;
      case "stride":
        state.strides.push(m);
        while (state.strides.length > KEEP_STRIDES) state.strides.shift();
        state.latestT = Math.max(state.latestT, m.t);
        contactMeasured(m);
        showMetrics(); renderCue(); drawChart(); break;
      case "alert":
        if (m.state === "raised") { state.alerts.set(m.rule, m); speak(m.cue); }
        else {
          state.alerts.delete(m.rule);
          // Cleared because the fault is gone: tell the runner so, for a few seconds.
          if (m.feedback) {
            state.praise = { rule: m.rule, text: m.feedback };
            speak(m.feedback);
            clearTimeout(praiseTimer);
            praiseTimer = setTimeout(() => { state.praise = null; renderCue(); }, PRAISE_MS);
          }
        }
        renderCue(); break;
      case "session":
        if (m.state === "started") { state.ended = null; state.sessionT0 = m.t; resetRunner(); }
        else { state.ended = { t: m.t, id: null, summary: null }; state.alerts.clear(); state.praise = null; showMetrics(); renderCue(); fetchEnded(m.t); }
        $("session").textContent = m.state === "started" ? "Runner on the belt" : "Session ended · waiting for a runner";
        break;
      case "status": onStatus(m); break;
      case "rules": state.rules = m.rules || {}; buildTiles(); showRanges(); showMetrics(); renderCue(); break;
      case "hello":
        state.edges = m.edges; state.simulated = m.simulated;
        state.rules = m.rules || {}; state.ranges = m.ranges || {};
        state.catalogue = m.catalogue || {}; state.minConfidence = m.min_confidence ?? 0.5;
        state.maxActive = m.max_active || 1;
        $("simulated").hidden = !m.simulated;
        buildTiles(); showRanges(); resetRunner(); break;
      default: break;
    }
  }

  let wsDelay = 500;
  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}/ws/live`);
    ws.onopen = () => { state.wsOpen = true; wsDelay = 500; setConn("live", "Connected"); };
    ws.onmessage = (ev) => { try { onMessage(JSON.parse(ev.data)); } catch (e) { console.warn("bad message", e); } };
    ws.onclose = () => {
      state.wsOpen = false;
      setConn("down", "Disconnected, reconnecting…");
      setTimeout(connect, wsDelay);
      wsDelay = Math.min(wsDelay * 2, 5000);
    };
  }

  // Therapist: with the settings unlocked on this tablet, moments can be marked for review.
  fetch("/api/auth", { credentials: "same-origin" }).then((r) => r.json()).then((a) => {
    $("mark").hidden = !a.authenticated;
  }).catch(() => {});
  $("mark").addEventListener("click", async () => {
    const r = await fetch("/api/mark", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify({ note: "" }),
    });
    const body = await r.json().catch(() => ({}));
    // The time into the session (from the server, which knows when it started), as the
    // review page and the exports show the mark.
    const into = body.session_time_s ?? (state.sessionT0 === null ? null : body.t - state.sessionT0);
    $("mark-msg").textContent = r.status === 201
      ? (into === null ? "Marked" : `Marked at ${into.toFixed(1)} s into the session`)
      : (body.detail || "Not marked");
  });

  window.addEventListener("resize", () => { fitCue(); drawChart(); });
  $("freeze").disabled = true;
  renderCue(); drawChart();
  connect();
  videoLoop();
})();
