// The sketchpad's front end (anywidget ES module, loaded as is: no build step).
// Canvas drawing with pointer events (mouse, touch, pen), Undo, Clear; the strokes go to the
// kernel (traits `strokes` + `seq`), which answers with `result` (see sketchpad.py). At most one
// drawing is being read at a time: strokes drawn meanwhile are sent when the answer arrives.

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function render({ model, el: root }) {
  root.classList.add("lenet-sketchpad");
  // The canvas renders: hide the one-line fallback printed for front ends without widgets.
  // sketchpad.css hides the line itself (a :has() rule on the output area, whenever it is
  // complete); this also hides its output row (prompt and margin), once the view is attached.
  let fallbackNodes = [];
  function hideFallback(tries) {
    const area = root.isConnected && root.closest(".jp-OutputArea, .output_area, .output");
    if (!area) {
      if (tries > 0) setTimeout(() => hideFallback(tries - 1), 100);
      return;
    }
    area.querySelectorAll(".lenet-sketchpad-fallback").forEach((node) => {
      const child = node.closest(".jp-OutputArea-child, .output_area") || node;
      child.style.display = "none";
      fallbackNodes.push(child);
    });
  }
  hideFallback(100);

  const size = model.get("size");
  const left = el("div", "lsp-left");
  const canvas = el("canvas", "lsp-canvas");
  canvas.width = size;
  canvas.height = size;
  canvas.style.width = `${size}px`;
  canvas.style.height = `${size}px`;
  canvas.setAttribute("aria-label", "drawing canvas: draw one digit");
  const buttons = el("div", "lsp-buttons");
  const undo = el("button", "lsp-undo", "Undo");
  const clear = el("button", "lsp-clear", "Clear");
  buttons.append(undo, clear);
  const status = el("div", "lsp-status");
  left.append(el("div", "lsp-model", model.get("model_name")), canvas, buttons, status);
  const panel = el("div", "lsp-panel");
  root.append(left, panel);

  const ctx = canvas.getContext("2d");
  let strokes = (model.get("strokes") || []).map((s) => s.map((p) => [p[0], p[1]]));
  let current = null;
  let inFlight = false; // a drawing is being read by the kernel
  let pending = false; // the drawing changed while it was
  let sentSeq = model.get("seq");
  let noAnswer = null; // timer: no answer from the kernel

  function redraw() {
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, size, size);
    ctx.strokeStyle = "#000000";
    ctx.fillStyle = "#000000";
    ctx.lineWidth = model.get("pen_width");
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    for (const s of strokes) {
      if (s.length === 1) {
        ctx.beginPath();
        ctx.arc(s[0][0], s[0][1], ctx.lineWidth / 2, 0, 2 * Math.PI);
        ctx.fill();
      } else if (s.length > 1) {
        ctx.beginPath();
        ctx.moveTo(s[0][0], s[0][1]);
        for (const p of s.slice(1)) ctx.lineTo(p[0], p[1]);
        ctx.stroke();
      }
    }
  }

  function point(e) {
    const r = canvas.getBoundingClientRect();
    const x = ((e.clientX - r.left) * size) / r.width;
    const y = ((e.clientY - r.top) * size) / r.height;
    return [Math.round(x * 10) / 10, Math.round(y * 10) / 10];
  }

  function send() {
    if (inFlight) {
      pending = true;
      return;
    }
    inFlight = true;
    pending = false;
    sentSeq = model.get("seq") + 1;
    model.set("strokes", strokes.map((s) => s.slice()));
    model.set("seq", sentSeq);
    model.save_changes();
    status.textContent = "reading…";
    clearTimeout(noAnswer);
    noAnswer = setTimeout(() => {
      // No kernel answers (stopped, busy for long, or a static page): say what to do instead.
      status.textContent = `No answer from the kernel yet: is it running? ${model.get("help_line")}`;
      root.classList.add("lsp-no-answer"); // sketchpad.css shows the fallback line again
      fallbackNodes.forEach((node) => (node.style.display = ""));
    }, 20000);
  }

  canvas.addEventListener("pointerdown", (e) => {
    if ((e.pointerType === "mouse" && e.button !== 0) || !e.isPrimary || current) return; // one pen at a time
    e.preventDefault();
    try {
      canvas.setPointerCapture(e.pointerId);
    } catch (err) {
      // synthetic events may carry no capturable pointer
    }
    current = [point(e)];
    strokes.push(current);
    redraw();
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!current) return;
    e.preventDefault();
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
    for (const ev of events.length ? events : [e]) current.push(point(ev));
    redraw();
  });
  function end(e) {
    if (!current) return;
    e.preventDefault();
    current = null;
    send();
  }
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  canvas.addEventListener("lostpointercapture", end);

  undo.addEventListener("click", () => {
    if (!strokes.length) return;
    strokes.pop();
    redraw();
    send();
  });
  clear.addEventListener("click", () => {
    strokes = [];
    redraw();
    send();
  });

  function showResult() {
    const r = model.get("result") || {};
    if (r.seq !== undefined && r.seq >= sentSeq) {
      inFlight = false;
      clearTimeout(noAnswer);
      root.classList.remove("lsp-no-answer");
      fallbackNodes.forEach((node) => (node.style.display = "none")); // the kernel answers after all
    }
    panel.replaceChildren();
    panel.dataset.status = r.status || "";
    panel.dataset.digit = r.status === "ok" ? String(r.digit) : "";
    panel.dataset.strokes = String(r.strokes ?? "");
    if (r.status !== "ok") {
      panel.append(el("div", `lsp-message lsp-${r.status || "noink"}`, r.message || ""));
    } else {
      const answer = el("div", "lsp-answer");
      answer.append(el("span", "lsp-digit", String(r.digit)), el("span", "lsp-confidence", r.confidence));
      panel.append(answer);
      for (const warning of r.warnings || []) panel.append(el("div", "lsp-warning", `Check: ${warning}`));
      const row = el("div", "lsp-row");
      const bars = el("div", "lsp-bars");
      bars.append(el("div", "lsp-caption", "softmax over the 10 digits"));
      r.probabilities.forEach((p, d) => {
        const line = el("div", d === r.digit ? "lsp-bar lsp-top" : "lsp-bar");
        const fill = el("span", "lsp-fill");
        fill.style.width = `${(100 * p).toFixed(1)}%`;
        const track = el("span", "lsp-track");
        track.append(fill);
        line.append(el("span", "lsp-label", String(d)), track, el("span", "lsp-value", r.bars[d]));
        bars.append(line);
      });
      const inputs = el("div", "lsp-inputs");
      for (const [caption, url] of r.images.slice(0, 2)) {
        const fig = el("figure", "lsp-figure");
        const img = el("img");
        img.src = url;
        img.alt = caption;
        fig.append(img, el("figcaption", "", caption));
        inputs.append(fig);
      }
      row.append(inputs, bars);
      panel.append(row);
      for (const [caption, url] of r.images.slice(2)) {
        const fig = el("figure", "lsp-figure lsp-maps");
        const img = el("img");
        img.src = url;
        img.alt = caption;
        fig.append(el("figcaption", "", caption), img);
        panel.append(fig);
      }
      if (r.note) panel.append(el("div", "lsp-note", r.note));
    }
    status.textContent = inFlight ? "reading…" : "";
    if (!inFlight && pending) send();
  }

  model.on("change:result", showResult);
  model.on("change:strokes", () => {
    if (current || inFlight) return; // our own drawing is the newest
    strokes = (model.get("strokes") || []).map((s) => s.map((p) => [p[0], p[1]]));
    redraw();
  });
  redraw();
  showResult();
}

export default { render };
