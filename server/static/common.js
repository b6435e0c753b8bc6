/* treadwatch shared page code: MJPEG reader, skeleton drawing, joint angles. No dependencies. */
"use strict";

const TW = (() => {
  const CRLF2 = [13, 10, 13, 10];

  function indexOfSeq(buf, seq, from) {
    outer: for (let i = from || 0; i <= buf.length - seq.length; i++) {
      for (let j = 0; j < seq.length; j++) if (buf[i + j] !== seq[j]) continue outer;
      return i;
    }
    return -1;
  }

  /* Reads multipart/x-mixed-replace JPEG parts with fetch, so each part's X-Frame-Id is known
     (an <img> would hide it). Calls onFrame(frameId, Uint8Array jpeg). Resolves when the stream ends. */
  async function readMjpeg(url, onFrame, signal) {
    const resp = await fetch(url, { cache: "no-store", signal });
    if (!resp.ok || !resp.body) throw new Error("video HTTP " + resp.status);
    const reader = resp.body.getReader();
    const dec = new TextDecoder();
    let buf = new Uint8Array(0);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const joined = new Uint8Array(buf.length + value.length);
      joined.set(buf);
      joined.set(value, buf.length);
      buf = joined;
      for (;;) {
        const headEnd = indexOfSeq(buf, CRLF2, 0);
        if (headEnd < 0) break;
        const head = dec.decode(buf.subarray(0, headEnd));
        const lenMatch = /content-length:\s*(\d+)/i.exec(head);
        if (!lenMatch) { buf = buf.slice(headEnd + 4); continue; }
        const len = parseInt(lenMatch[1], 10);
        const start = headEnd + 4;
        if (buf.length < start + len) break;
        const idMatch = /x-frame-id:\s*(\d+)/i.exec(head);
        const id = idMatch ? parseInt(idMatch[1], 10) : -1;
        const jpeg = buf.slice(start, start + len);
        buf = buf.slice(start + len);
        onFrame(id, jpeg);
      }
    }
  }

  /* lm: flat [x, y, visibility] * 33 normalized; returns point i in canvas pixels. */
  function pt(lm, i, w, h) { return [lm[3 * i] * w, lm[3 * i + 1] * h, lm[3 * i + 2]]; }

  function drawSkeleton(ctx, lm, edges, opts) {
    const w = ctx.canvas.width, h = ctx.canvas.height;
    const o = Object.assign({ color: "#39ff88", far: "rgba(120,200,255,0.85)", width: Math.max(3, w / 160) }, opts || {});
    ctx.lineCap = "round";
    ctx.lineWidth = o.width;
    for (const [a, b] of edges) {
      const pa = pt(lm, a, w, h), pb = pt(lm, b, w, h);
      if (pa[0] < 0 || pb[0] < 0) continue;
      ctx.strokeStyle = (pa[2] < 0.7 || pb[2] < 0.7) ? o.far : o.color;
      ctx.beginPath(); ctx.moveTo(pa[0], pa[1]); ctx.lineTo(pb[0], pb[1]); ctx.stroke();
    }
    ctx.fillStyle = "#ffffff";
    for (let i = 11; i < 33; i++) {
      const p = pt(lm, i, w, h);
      if (p[0] < 0) continue;
      ctx.beginPath(); ctx.arc(p[0], p[1], o.width * 0.9, 0, 2 * Math.PI); ctx.fill();
    }
  }

  /* Angle at b (degrees) between b→a and b→c, in square pixels. */
  function angle(lm, a, b, c, w, h) {
    const pa = pt(lm, a, w, h), pb = pt(lm, b, w, h), pc = pt(lm, c, w, h);
    const v1 = [pa[0] - pb[0], pa[1] - pb[1]], v2 = [pc[0] - pb[0], pc[1] - pb[1]];
    const n = Math.hypot(...v1) * Math.hypot(...v2);
    if (!n) return null;
    const cos = Math.max(-1, Math.min(1, (v1[0] * v2[0] + v1[1] * v2[1]) / n));
    return Math.acos(cos) * 180 / Math.PI;
  }

  /* Angle of the segment a→b from vertical (degrees, unsigned). */
  function fromVertical(pa, pb) {
    const dx = pb[0] - pa[0], dy = pb[1] - pa[1];
    return Math.abs(Math.atan2(dx, Math.abs(dy)) * 180 / Math.PI);
  }

  const L = { SH: [11, 12], EL: [13, 14], WR: [15, 16], HIP: [23, 24], KNEE: [25, 26], ANK: [27, 28] };

  /* Joint angles shown on a frozen frame: knee/elbow/hip for the more visible side, shank and trunk. */
  function jointAngles(lm, w, h) {
    const vis = (i) => lm[3 * i + 2];
    const side = (vis(23) + vis(25) + vis(27)) >= (vis(24) + vis(26) + vis(28)) ? 0 : 1;
    const k = L.KNEE[side], hp = L.HIP[side], an = L.ANK[side], sh = L.SH[side], el = L.EL[side], wr = L.WR[side];
    const mid = (i, j) => { const a = pt(lm, i, w, h), b = pt(lm, j, w, h); return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2]; };
    const kneeA = angle(lm, hp, k, an, w, h);
    return [
      { at: k, label: "knee", value: kneeA === null ? null : 180 - kneeA, suffix: "° flex" },
      { at: hp, label: "hip", value: angle(lm, sh, hp, k, w, h), suffix: "°" },
      { at: el, label: "elbow", value: angle(lm, sh, el, wr, w, h), suffix: "°" },
      { at: an, label: "shank", value: fromVertical(pt(lm, k, w, h), pt(lm, an, w, h)), suffix: "° from vertical" },
      { at: sh, label: "trunk", value: fromVertical(mid(23, 24), mid(11, 12)), suffix: "° lean" },
    ];
  }

  function drawAngles(ctx, lm) {
    const w = ctx.canvas.width, h = ctx.canvas.height;
    ctx.font = `bold ${Math.max(14, Math.round(w / 40))}px system-ui, sans-serif`;
    ctx.textBaseline = "middle";
    for (const a of jointAngles(lm, w, h)) {
      if (a.value === null || !isFinite(a.value)) continue;
      const p = pt(lm, a.at, w, h);
      const text = `${a.label} ${Math.round(a.value)}${a.suffix}`;
      const tw = ctx.measureText(text).width;
      const x = Math.min(w - tw - 8, p[0] + 12), y = p[1];
      ctx.fillStyle = "rgba(0,0,0,0.7)"; ctx.fillRect(x - 4, y - 13, tw + 8, 26);
      ctx.fillStyle = "#ffe066"; ctx.fillText(text, x, y);
    }
  }

  return { readMjpeg, drawSkeleton, drawAngles, jointAngles };
})();
