/* treadwatch review: small canvas plots (no dependencies, no CDN).
   TWPlot.draw(canvas, series, opts)
     series: [{name, color, points: [{x, y, ref}]}]   y may be null (not measured: skipped)
     opts:   {xLabel, unit, markers: [{x, color, label}], onPick(point, series), lines: true}
   The canvas gets data-points (points drawn) so tests can check what was plotted. */
"use strict";

const TWPlot = (() => {
  const PAD = { l: 52, r: 12, t: 12, b: 30 };

  function niceStep(span, target) {
    const raw = span / Math.max(1, target);
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const norm = raw / mag;
    const nice = norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10;
    return nice * mag;
  }

  function ticks(lo, hi, target) {
    if (!(hi > lo)) { hi = lo + 1; }
    const step = niceStep(hi - lo, target);
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(v);
    return { ticks: out, step };
  }

  function fmt(v, step) {
    const digits = step >= 1 ? 0 : Math.min(4, Math.ceil(-Math.log10(step)));
    return v.toFixed(digits);
  }

  function setup(canvas) {
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth || canvas.width;
    const h = canvas.clientHeight || canvas.height;
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return { ctx, w, h };
  }

  function draw(canvas, series, opts) {
    opts = opts || {};
    const { ctx, w, h } = setup(canvas);
    const style = getComputedStyle(document.documentElement);
    const fg = style.getPropertyValue("--text") || "#eee";
    const muted = style.getPropertyValue("--muted") || "#999";
    ctx.clearRect(0, 0, w, h);
    const pts = [];
    for (const s of series) for (const p of s.points) if (p.y !== null && isFinite(p.y)) pts.push(p);
    let xlo = opts.xMin, xhi = opts.xMax;
    if (xlo === undefined) xlo = Math.min(...series.flatMap(s => s.points.map(p => p.x)), 0);
    if (xhi === undefined) xhi = Math.max(...series.flatMap(s => s.points.map(p => p.x)), xlo + 1);
    let ylo = Math.min(...pts.map(p => p.y)), yhi = Math.max(...pts.map(p => p.y));
    if (!pts.length) { ylo = 0; yhi = 1; }
    // A (nearly) constant series gets a readable axis around its value, not "5.0000 5.0000":
    // at least a tenth of its size, or 0.01 near zero.
    const minSpan = Math.max(0.2 * Math.max(Math.abs(ylo), Math.abs(yhi)), 0.02);
    if (yhi - ylo < minSpan) { const c = (yhi + ylo) / 2; ylo = c - minSpan / 2; yhi = c + minSpan / 2; }
    const padY = (yhi - ylo) * 0.08;
    ylo -= padY; yhi += padY;
    const X = x => PAD.l + (x - xlo) / (xhi - xlo) * (w - PAD.l - PAD.r);
    const Y = y => h - PAD.b - (y - ylo) / (yhi - ylo) * (h - PAD.t - PAD.b);

    ctx.font = "11px system-ui, sans-serif";
    ctx.strokeStyle = "rgba(147,161,176,0.25)";
    ctx.fillStyle = muted;
    ctx.lineWidth = 1;
    const yt = ticks(ylo, yhi, 4);
    canvas.dataset.yticks = yt.ticks.map(v => fmt(v, yt.step)).join(" ");
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (const v of yt.ticks) {
      ctx.beginPath(); ctx.moveTo(PAD.l, Y(v)); ctx.lineTo(w - PAD.r, Y(v)); ctx.stroke();
      ctx.fillText(fmt(v, yt.step), PAD.l - 5, Y(v));
    }
    const xt = ticks(xlo, xhi, 6);
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (const v of xt.ticks) ctx.fillText(fmt(v, xt.step), X(v), h - PAD.b + 5);
    if (opts.xLabel) { ctx.textAlign = "right"; ctx.fillText(opts.xLabel, w - PAD.r, h - 12); }
    if (opts.unit) { ctx.save(); ctx.textAlign = "left"; ctx.textBaseline = "top";
      ctx.fillText(opts.unit, 4, 2); ctx.restore(); }

    for (const m of opts.markers || []) {
      if (m.x < xlo || m.x > xhi) continue;
      ctx.strokeStyle = m.color || "#e74c3c";
      ctx.setLineDash([4, 3]);
      ctx.beginPath(); ctx.moveTo(X(m.x), PAD.t); ctx.lineTo(X(m.x), h - PAD.b); ctx.stroke();
      ctx.setLineDash([]);
    }

    let drawn = 0;
    const hit = [];
    for (const s of series) {
      const good = s.points.filter(p => p.y !== null && isFinite(p.y));
      if (opts.lines !== false && good.length > 1) {
        ctx.strokeStyle = s.lineColor || s.color; ctx.globalAlpha = 0.45; ctx.lineWidth = 1.5;
        ctx.beginPath();
        good.forEach((p, i) => (i ? ctx.lineTo(X(p.x), Y(p.y)) : ctx.moveTo(X(p.x), Y(p.y))));
        ctx.stroke(); ctx.globalAlpha = 1;
      }
      ctx.fillStyle = s.color;
      for (const p of good) {
        ctx.beginPath(); ctx.arc(X(p.x), Y(p.y), 3, 0, 2 * Math.PI); ctx.fill();
        hit.push({ px: X(p.x), py: Y(p.y), p, s });
        drawn++;
      }
    }
    if (!drawn) {
      ctx.fillStyle = muted; ctx.textAlign = "center"; ctx.textBaseline = "middle";
      ctx.fillText(opts.empty || "not measured in this view", w / 2, h / 2);
    }
    canvas.dataset.points = String(drawn);
    canvas._twHit = hit;
    if (!canvas._twBound) {
      canvas._twBound = true;
      const nearest = ev => {
        const r = canvas.getBoundingClientRect();
        const x = ev.clientX - r.left, y = ev.clientY - r.top;
        let best = null, bd = 100;
        for (const c of canvas._twHit || []) {
          const d = (c.px - x) ** 2 + (c.py - y) ** 2;
          if (d < bd) { bd = d; best = c; }
        }
        return best;
      };
      canvas.addEventListener("mousemove", ev => {
        const c = nearest(ev);
        canvas.title = c ? `${c.s.name}: ${(+c.p.y).toPrecision(4)} at ${(+c.p.x).toFixed(2)}` : "";
        canvas.style.cursor = c && canvas._twPick ? "pointer" : "default";
      });
      canvas.addEventListener("click", ev => {
        const c = nearest(ev);
        if (c && canvas._twPick) canvas._twPick(c.p, c.s);
      });
    }
    canvas._twPick = opts.onPick || null;
    return drawn;
  }

  /* A horizontal timeline: items [{x, color, label, row}] over [0, span]. */
  function timeline(canvas, span, items, opts) {
    opts = opts || {};
    const { ctx, w, h } = setup(canvas);
    const muted = getComputedStyle(document.documentElement).getPropertyValue("--muted") || "#999";
    ctx.clearRect(0, 0, w, h);
    const X = x => PAD.l + x / Math.max(span, 1e-6) * (w - PAD.l - PAD.r);
    ctx.strokeStyle = muted; ctx.beginPath();
    ctx.moveTo(PAD.l, h - 20); ctx.lineTo(w - PAD.r, h - 20); ctx.stroke();
    const xt = ticks(0, span, 8);
    ctx.fillStyle = muted; ctx.font = "11px system-ui, sans-serif";
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (const v of xt.ticks) ctx.fillText(fmt(v, xt.step) + " s", X(v), h - 16);
    const hit = [];
    for (const it of items) {
      const y = 8 + (it.row || 0) * 16;
      ctx.fillStyle = it.color;
      ctx.fillRect(X(it.x) - 2, y, 4, 12);
      hit.push({ px: X(it.x), py: y + 6, p: it, s: { name: it.label } });
    }
    if (opts.cursor !== undefined) {
      ctx.strokeStyle = "#4aa3ff"; ctx.beginPath();
      ctx.moveTo(X(opts.cursor), 2); ctx.lineTo(X(opts.cursor), h - 20); ctx.stroke();
    }
    canvas.dataset.items = String(items.length);
    canvas._twHit = hit;
    canvas._twPick = opts.onPick || null;
    if (!canvas._twBound) {
      canvas._twBound = true;
      canvas.addEventListener("click", ev => {
        const r = canvas.getBoundingClientRect();
        const x = ev.clientX - r.left;
        let best = null, bd = 64;
        for (const c of canvas._twHit) { const d = Math.abs(c.px - x); if (d < bd) { bd = d; best = c; } }
        if (best && canvas._twPick) canvas._twPick(best.p);
        else if (canvas._twPick && opts.onSeek) opts.onSeek((x - PAD.l) / (w - PAD.l - PAD.r) * span);
      });
      canvas.addEventListener("mousemove", ev => {
        const r = canvas.getBoundingClientRect();
        const x = ev.clientX - r.left;
        const c = (canvas._twHit || []).find(c => Math.abs(c.px - x) < 5);
        canvas.title = c ? c.s.name : "";
      });
    }
  }

  return { draw, timeline };
})();
