// The neurona playground's page: the controls, the URL hash and the drawing. The network itself
// lives in the server (neurona's engine); this page sends settings and draws what comes back.
"use strict";
(function () {
  const NEG = [245, 147, 34], MID = [232, 234, 235], POS = [8, 119, 189];
  const PALETTE = ["#f59322", "#0877bd", "#2ca02c", "#9467bd", "#d62728", "#8c564b"];
  const HIDE_SUFFIX = "_hide";
  const HIDABLE_TEXT = {
    showTestData: "Show test data", discretize: "Discretize output", playButton: "Play button",
    stepButton: "Step button", resetButton: "Reset button", learningRate: "Learning rate",
    activation: "Activation", regularization: "Regularization", regularizationRate: "Regularization rate",
    problem: "Problem type", dataset: "Which dataset", percTrainData: "Ratio train data", noise: "Noise level",
    batchSize: "Batch size", numHiddenLayers: "# of hidden layers", optimizer: "Optimizer", loss: "Loss",
    userData: "Your data",
  };
  const $ = (id) => document.getElementById(id);

  let schema = null;
  const SETTINGS = {};
  let state = {};
  let socket = null;
  let view = { problem: "classification", classes: 2, features: [], shape: [], train: [], test: [] };
  let chart = { train: [], test: [] };
  let lastFrame = null;
  let drawing = false, drawn = [];
  let mathTarget = null;
  let pendingChange = null;
  let csvText = null;
  const stats = { frames: 0, firstFrame: 0, lastFrame: 0, renderMs: 0, latencies: [], states: 0, errors: [] };
  window.playgroundStats = stats;
  // what the page holds now (read by the tests and the benchmark)
  window.playgroundState = () => ({ settings: state, chart, problem: view.problem, classes: view.classes,
                                   shape: view.shape, epoch: lastFrame ? lastFrame.epoch : null });

  // -- colours --------------------------------------------------------------------------------
  const LUT = new Uint8ClampedArray(256 * 3);
  for (let code = 0; code < 256; code++) {
    const v = code / 127.5 - 1, t = Math.abs(v), to = v < 0 ? NEG : POS;
    for (let c = 0; c < 3; c++) LUT[code * 3 + c] = MID[c] + (to[c] - MID[c]) * t;
  }
  function colour(v) {
    const code = Math.round((Math.max(-1, Math.min(1, v)) + 1) * 127.5);
    return `rgb(${LUT[code * 3]},${LUT[code * 3 + 1]},${LUT[code * 3 + 2]})`;
  }
  function hexRgb(hex) { return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)); }
  function bytes(b64) {
    const text = atob(b64), out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  }
  function paintValues(canvas, b64, side, discretize) {
    // a map that did not change is not painted again (most do not, once the network has settled)
    const key = b64 + (discretize ? "d" : "");
    if (canvas.painted === key) return;
    canvas.painted = key;
    const codes = bytes(b64), ctx = canvas.getContext("2d");
    if (canvas.width !== side) { canvas.width = side; canvas.height = side; canvas.image = null; }
    if (!canvas.image) canvas.image = ctx.createImageData(side, side);
    const image = canvas.image;
    for (let i = 0; i < codes.length; i++) {
      let code = codes[i];
      if (discretize) code = code >= 128 ? 255 : 0;
      image.data[4 * i] = LUT[code * 3]; image.data[4 * i + 1] = LUT[code * 3 + 1];
      image.data[4 * i + 2] = LUT[code * 3 + 2]; image.data[4 * i + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
  }
  function paintClasses(canvas, output, side, discretize) {
    const classes = bytes(output.classes), confidence = bytes(output.confidence), ctx = canvas.getContext("2d");
    if (canvas.width !== side) { canvas.width = side; canvas.height = side; }
    const image = ctx.createImageData(side, side), rgb = PALETTE.map(hexRgb);
    for (let i = 0; i < classes.length; i++) {
      const c = rgb[classes[i] % rgb.length], t = discretize ? 0.8 : 0.15 + 0.75 * confidence[i] / 255;
      for (let k = 0; k < 3; k++) image.data[4 * i + k] = 250 + (c[k] - 250) * t;
      image.data[4 * i + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
  }

  // -- the URL hash (TensorFlow Playground's format) ---------------------------------------------
  function defaults() {
    const out = {};
    for (const s of schema.settings) out[s.name] = Array.isArray(s.default) ? s.default.slice() : s.default;
    return out;
  }
  function parseValue(s, text) {
    const number = (t) => {
      if (t.trim() === "") return undefined;
      const v = +t;
      if (!isFinite(v) || v < s.low || v > s.high) return undefined;
      if ((s.kind === "integer" || s.item === "integer") && !Number.isInteger(v)) return undefined;
      return v;
    };
    switch (s.kind) {
      case "choice": return s.choices.includes(text) ? text : undefined;
      case "number": case "integer": return number(text);
      case "boolean": return text.trim() === "" ? undefined : text !== "false";
      case "string": return text.trim() === "" ? undefined : text.slice(0, 64);
      case "integers": case "strings": {
        const items = text.trim() === "" ? [] : text.split(",");
        if (items.length > s.max_length) return undefined;
        const values = items.map((t) => (s.kind === "integers" ? number(t) : (s.choices.includes(t) ? t : undefined)));
        return values.includes(undefined) ? undefined : values;
      }
    }
    return undefined;
  }
  function readHash() {
    const map = {};
    for (const pair of window.location.hash.slice(1).split("&")) {
      if (!pair) continue;
      const at = pair.indexOf("="), key = at < 0 ? pair : pair.slice(0, at);
      let value = at < 0 ? "" : pair.slice(at + 1);
      try { value = decodeURIComponent(value); } catch (e) { /* keep it as written */ }
      map[key] = value;
    }
    const result = defaults();
    for (const s of schema.settings) {
      if (!(s.name in map)) continue;
      const value = parseValue(s, map[s.name]);
      if (value !== undefined) result[s.name] = value;
    }
    for (const key in map) {
      if (key.endsWith(HIDE_SUFFIX) && schema.hidable.includes(key.slice(0, -HIDE_SUFFIX.length))) {
        result[key] = map[key] === "true";
      }
    }
    if (!("seed" in map) || !map.seed) result.seed = Math.random().toFixed(5);
    return result;
  }
  function hashOf(values) {
    const parts = [];
    for (const s of schema.settings) {
      const value = values[s.name];
      if (value === null || value === undefined) continue;
      const text = Array.isArray(value) ? value.join(",") : s.kind === "string" ? encodeURIComponent(value) : value;
      parts.push(`${s.name}=${text}`);
    }
    for (const key in values) if (key.endsWith(HIDE_SUFFIX)) parts.push(`${key}=${values[key]}`);
    return parts.join("&");
  }
  function writeHash() {
    const hash = "#" + hashOf(state);
    if (window.location.hash !== hash) history.replaceState(null, "", hash);
    for (const link of document.querySelectorAll(".hide-controls-link")) link.href = window.location.href;
  }

  // -- the connection -------------------------------------------------------------------------------
  function connect() {
    const url = new URL("ws", window.location.href);
    url.protocol = window.location.protocol === "https:" ? "wss:" : "ws:";
    url.hash = "";
    socket = new WebSocket(url);
    socket.onopen = () => setStatus("connected", "ok");
    socket.onclose = (event) => setStatus(`disconnected${event.reason ? ": " + event.reason : ""}`, "bad");
    socket.onerror = () => setStatus("connection error", "bad");
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      const handler = HANDLERS[message.type];
      if (handler) handler(message);
    };
  }
  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }
  function setStatus(text, kind) { const el = $("status"); el.textContent = text; el.className = "status " + kind; }
  let messageTimer = null;
  function showMessage(text) {
    const el = $("message");
    el.textContent = text; el.classList.add("shown");
    clearTimeout(messageTimer);
    messageTimer = setTimeout(() => { el.textContent = ""; el.classList.remove("shown"); }, 8000);
  }
  function configure() {
    pendingChange = performance.now();
    send({ type: "configure", settings: state });
  }
  function set(key, value) {
    state[key] = value;
    writeHash();
    configure();
  }

  const HANDLERS = {
    ready() { configure(); classicStart(); requestGate(); },
    state(message) { applyState(message); },
    frame(message) { renderFrame(message); send({ type: "ack" }); },
    error(message) {
      stats.errors.push(message.message);
      showMessage(message.message);
      if (message.request === "play" || message.request === "configure") setPlaying(false);
      if (message.request === "configure" && !lastFrame) {
        // the link's settings were refused before any network existed: start from the defaults
        const seed = state.seed;
        state = Object.assign(defaults(), { seed });
        writeHash();
        configure();
      }
    },
    pong() {},
    explain(message) { renderMath(message); },
    classic(message) { renderClassic(message); },
    gate(message) { renderGate(message); },
    sweep(message) { renderSweep(message); if (message.cells) send({ type: "ack" }); },
    export(message) {
      const pre = $("export-script");
      pre.textContent = message.script; pre.hidden = false;
      link($("download-script"), message.script, "text/x-python");
      if (message.toml) link($("download-toml"), message.toml, "application/toml");
      else $("download-toml").hidden = true;
    },
    model(message) {
      const a = $("download-model");
      link(a, bytes(message.data), "application/octet-stream");
      a.click();
    },
  };
  function link(a, content, type) {
    if (a.href && a.href.startsWith("blob:")) URL.revokeObjectURL(a.href);
    a.href = URL.createObjectURL(new Blob([content], { type }));
    a.hidden = false;
  }

  // -- state from the server ---------------------------------------------------------------------------
  function applyState(message) {
    stats.states++;
    if (pendingChange !== null) { stats.latencies.push(performance.now() - pendingChange); pendingChange = null; }
    const hides = {};
    for (const key in state) if (key.endsWith(HIDE_SUFFIX)) hides[key] = state[key];
    state = Object.assign({}, message.settings, hides);
    writeHash();
    view.problem = message.problem; view.classes = message.classes; view.features = message.features;
    document.body.classList.toggle("regression", view.problem === "regression");
    document.body.classList.toggle("classification", view.problem !== "regression");
    if (message.train) {
      view.train = message.train; view.test = message.test; view.shape = message.shape;
      view.featureMaps = message.featureMaps;
      chart = { train: message.history.loss.slice(), test: message.history.val_loss.slice() };
      $("loss-name").textContent = "loss: " + message.lossName;
      buildNetwork();
    }
    if (message.userData) {
      const d = message.userData;
      $("user-data-info").textContent = `${d.rows} points` + (d.classes ? `, classes ${d.classes.join(", ")}` : ", a regression target") +
        (d.columns ? ` (columns ${d.columns.join(", ")}; features scaled onto [-5, 5])` : "");
    }
    showControls();
    renderFrame(message.frame);
    drawPoints();
  }

  function showControls() {
    $("learningRate").value = String(state.learningRate);
    if ($("learningRate").value !== String(state.learningRate)) addOption($("learningRate"), state.learningRate);
    $("regularRate").value = String(state.regularizationRate);
    if ($("regularRate").value !== String(state.regularizationRate)) addOption($("regularRate"), state.regularizationRate);
    $("activations").value = state.activation;
    $("regularizations").value = state.regularization;
    $("problem").value = state.problem;
    $("loss").value = state.loss;
    $("optimizer").value = state.optimizer;
    $("schedule").value = state.schedule;
    $("numClasses").value = String(state.numClasses);
    for (const key of ["percTrainData", "noise", "batchSize"]) {
      $(key).value = state[key];
      $(key + "-value").textContent = state[key];
    }
    $("show-test-data").checked = state.showTestData;
    $("discretize").checked = state.discretize;
    for (const canvas of document.querySelectorAll("canvas.dataset")) {
      const name = canvas.dataset.dataset || canvas.dataset.regdataset;
      const key = canvas.dataset.dataset ? "dataset" : "regDataset";
      canvas.classList.toggle("selected", state[key] === name);
    }
    $("num-layers").textContent = state.networkShape.length;
    if (state.networkShape.length > schema.pageMaxLayers || state.networkShape.some((n) => n > schema.pageMaxNeurons)) {
      $("large-network").checked = true;
    }
    $("layers-label").textContent = state.networkShape.length === 1 ? "hidden layer" : "hidden layers";
  }
  function addOption(select, value) {
    const option = document.createElement("option");
    option.value = option.textContent = String(value);
    select.appendChild(option);
    select.value = String(value);
  }

  // -- the network drawing ---------------------------------------------------------------------------
  const W = 640, H = 480, TOP = 64;
  let nodes = {}, links = [];
  function layout(count) {
    const spacing = Math.min(48, (H - TOP - 10) / Math.max(count, 1));
    const node = Math.min(30, spacing - 6);
    return { spacing, node, y: (i) => TOP + i * spacing + (spacing - node) / 2 };
  }
  function buildNetwork() {
    const svg = $("svg"), network = $("network"), controls = $("layer-controls");
    svg.innerHTML = ""; controls.innerHTML = "";
    for (const el of network.querySelectorAll(".node, .node-label")) el.remove();
    nodes = {}; links = [];
    const allFeatures = Object.keys(schema.features).filter((k) => !k.startsWith("cos") || state[k]);
    const layers = view.shape.length;           // hidden layers + the output layer
    const xs = [90];
    for (let l = 0; l < layers - 1; l++) xs.push(200 + (layers > 2 ? l * (320 / (layers - 2)) : 160));
    xs.push(600);
    // the input features: all listed, the ones in use are drawn bright and connected
    const inputLayout = layout(allFeatures.length);
    allFeatures.forEach((key, i) => {
      const on = view.features.includes(key);
      const el = makeNode(`node-${key}`, `canvas-${key}`, xs[0], inputLayout.y(i), inputLayout.node, "feature" + (on ? "" : " off"));
      el.title = `${schema.features[key]}: click to ${on ? "remove" : "add"} this feature`;
      el.addEventListener("click", () => set(key, !state[key]));
      if (on) {
        el.addEventListener("mouseenter", () => send({ type: "focus", node: key }));
        el.addEventListener("mouseleave", () => send({ type: "focus", node: null }));
        nodes[key] = { x: xs[0], y: inputLayout.y(i), size: inputLayout.node, el };
        if (view.featureMaps[key]) paintValues(el.firstChild, view.featureMaps[key], Math.round(Math.sqrt(bytes(view.featureMaps[key]).length)));
      }
      const label = document.createElement("div");
      label.className = "node-label"; label.textContent = schema.features[key];
      label.style.left = (xs[0] - 76) + "px"; label.style.top = (inputLayout.y(i) + inputLayout.node / 2 - 7) + "px";
      network.appendChild(label);
    });
    const sources = () => view.features.map((k) => nodes[k]);
    let previous = sources();
    view.shape.forEach((units, l) => {
      const lay = layout(units), current = [];
      const output = l === layers - 1;
      for (let u = 0; u < units; u++) {
        const el = makeNode(`node-${l}-${u}`, `canvas-${l}-${u}`, xs[l + 1], lay.y(u), lay.node, output ? "output-node" : "neuron");
        el.title = `${output ? "output" : "layer " + (l + 1)}, neuron ${u + 1}: hover to see it large, click for its mathematics`;
        el.addEventListener("mouseenter", () => send({ type: "focus", node: [l, u] }));
        el.addEventListener("mouseleave", () => send({ type: "focus", node: null }));
        el.addEventListener("click", () => { mathTarget = [l, u]; requestMath(); });
        const node = { x: xs[l + 1], y: lay.y(u), size: lay.node, el };
        current.push(node);
        previous.forEach((source, i) => links.push(makeLink(source, node, l, i, u)));
        node.bias = makeBias(node, l, u);
      }
      previous = current;
      nodes[`layer-${l}`] = current;
      if (!output) controls.appendChild(layerHeader(l, units, xs[l + 1] + lay.node / 2));
    });
  }
  function makeNode(id, canvasId, x, y, size, kind) {
    const el = document.createElement("div");
    el.className = "node " + kind; el.id = id;
    el.style.left = x + "px"; el.style.top = y + "px"; el.style.width = el.style.height = size + "px";
    const canvas = document.createElement("canvas");
    canvas.id = canvasId; canvas.width = canvas.height = 25;
    el.appendChild(canvas);
    $("network").appendChild(el);
    return el;
  }
  function svgElement(tag, attributes) {
    const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const key in attributes) el.setAttribute(key, attributes[key]);
    $("svg").appendChild(el);
    return el;
  }
  function makeLink(source, dest, layer, from, to) {
    const x0 = source.x + source.size, y0 = source.y + source.size / 2, x1 = dest.x, y1 = dest.y + dest.size / 2;
    const mx = (x0 + x1) / 2;
    const d = `M${x0},${y0} C${mx},${y0} ${mx},${y1} ${x1},${y1}`;
    const path = svgElement("path", { d, class: "link", id: `link-${layer}-${from}-${to}` });
    const hit = svgElement("path", { d, stroke: "transparent", "stroke-width": 8, fill: "none", "pointer-events": "stroke" });
    hover(hit, () => `Weight is ${valueOf("kernel", layer, from, to).toPrecision(3)}`, { layer, unit: to, source: from });
    return { path, layer, from, to };
  }
  function makeBias(node, layer, unit) {
    const rect = svgElement("rect", { x: node.x - 7, y: node.y + node.size - 6, width: 6, height: 6, id: `bias-${layer}-${unit}`, stroke: "#999" });
    hover(rect, () => `Bias is ${valueOf("bias", layer, unit).toPrecision(3)}`, { layer, unit, source: null });
    return rect;
  }
  function valueOf(kind, layer, a, b) {
    if (!lastFrame) return 0;
    const p = lastFrame.parameters[layer];
    return kind === "bias" ? p.bias[a] : p.kernel[a][b];
  }
  function hover(el, text, target) {
    const card = $("hovercard");
    el.addEventListener("mouseenter", (event) => {
      if (card.classList.contains("editing")) return;
      card.querySelector(".text").textContent = text() + " (click to edit)";
      place(card, event);
    });
    el.addEventListener("mouseleave", () => { if (!card.classList.contains("editing")) card.style.display = "none"; });
    el.addEventListener("click", (event) => {
      card.classList.add("editing");
      card.querySelector(".text").textContent = text();
      const input = card.querySelector("input");
      input.value = target.source === null ? valueOf("bias", target.layer, target.unit) : valueOf("kernel", target.layer, target.source, target.unit);
      place(card, event);
      input.focus(); input.select();
      input.onkeydown = (key) => {
        if (key.key === "Enter") {
          const value = +input.value;
          if (isFinite(value)) send(Object.assign({ type: "parameter", value }, target));
          card.classList.remove("editing"); card.style.display = "none";
        } else if (key.key === "Escape") { card.classList.remove("editing"); card.style.display = "none"; }
      };
    });
  }
  function place(card, event) {
    const box = $("network").getBoundingClientRect();
    card.style.left = (event.clientX - box.left + 12) + "px";
    card.style.top = (event.clientY - box.top - 10) + "px";
    card.style.display = "block";
  }
  function layerHeader(l, units, cx) {
    const box = document.createElement("div");
    box.className = "layer-header"; box.style.left = (cx - 40) + "px";
    const plus = document.createElement("button"), minus = document.createElement("button");
    plus.className = minus.className = "icon-button";
    plus.textContent = "+"; minus.textContent = "−";
    plus.title = "Add a neuron"; minus.title = "Remove a neuron";
    plus.onclick = () => { if (units < limits().neurons) changeShape((s) => { s[l] += 1; }); };
    minus.onclick = () => { if (units > 1) changeShape((s) => { s[l] -= 1; }); };
    const label = document.createElement("div");
    label.textContent = `${units} neuron${units === 1 ? "" : "s"}`;
    const activation = document.createElement("select");
    activation.className = "layer-activation"; activation.title = "this layer's activation";
    for (const [value, text] of [["", "(as all)"], ["relu", "ReLU"], ["tanh", "Tanh"], ["sigmoid", "Sigmoid"], ["linear", "Linear"]]) {
      const o = document.createElement("option"); o.value = value; o.textContent = text; activation.appendChild(o);
    }
    activation.value = state.layerActivations[l] || "";
    activation.onchange = () => {
      const list = state.networkShape.map((_, i) => state.layerActivations[i] || "");
      list[l] = activation.value;
      set("layerActivations", list.some((v) => v) ? list : []);
    };
    const dropout = document.createElement("select");
    dropout.className = "layer-dropout"; dropout.title = "this layer's dropout";
    for (const rate of [0, 10, 20, 30, 40, 50]) {
      const o = document.createElement("option"); o.value = rate; o.textContent = rate ? `dropout ${rate}%` : "no dropout"; dropout.appendChild(o);
    }
    dropout.value = String(state.dropout[l] || 0);
    dropout.onchange = () => {
      const list = state.networkShape.map((_, i) => state.dropout[i] || 0);
      list[l] = +dropout.value;
      set("dropout", list.some((v) => v) ? list : []);
    };
    box.append(plus, minus, label, activation, dropout);
    return box;
  }
  // TensorFlow Playground's buttons stop at 6 layers of 8 neurons; the "larger networks" box lifts that
  // to the server's bounds, and a link with a larger network ticks it
  function limits() {
    return $("large-network").checked ? { layers: schema.maxLayers, neurons: schema.maxNeurons }
                                      : { layers: schema.pageMaxLayers, neurons: schema.pageMaxNeurons };
  }
  function changeShape(edit) {
    const shape = state.networkShape.slice();
    edit(shape);
    state.layerActivations = state.layerActivations.slice(0, shape.length);
    state.dropout = state.dropout.slice(0, shape.length);
    set("networkShape", shape);
  }

  // -- a frame: what the network computes now -------------------------------------------------------------
  function pad(epoch) {
    const s = String(epoch).padStart(6, "0");
    return s.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }
  function renderFrame(frame) {
    if (!frame) return;
    const now = performance.now();
    if (!stats.frames) stats.firstFrame = now;
    stats.frames++; stats.lastFrame = now;
    lastFrame = frame;
    setPlaying(frame.playing);
    $("iter-number").textContent = pad(frame.epoch);
    const loss = (v) => (v === null || v === undefined ? "–" : v.toFixed(3));
    $("loss-train").textContent = loss(frame.loss.train);
    $("loss-test").textContent = loss(frame.loss.test);
    if (frame.epoch === 0) chart = { train: [], test: [] };
    else if (frame.epoch === chart.train.length + 1) { chart.train.push(frame.loss.train); chart.test.push(frame.loss.test); }
    else if (frame.epoch < chart.train.length) { chart.train.length = chart.test.length = frame.epoch; }
    drawChart();
    const scores = frame.scores;
    $("accuracy-train").textContent = scores ? (100 * scores.train).toFixed(1) + "%" : "";
    $("accuracy-test").textContent = scores && scores.test !== null ? (100 * scores.test).toFixed(1) + "%" : "–";
    drawConfusion(scores);
    const maps = frame.heatmaps;
    const main = $("heatmap-canvas");
    if (maps.output.classes) paintClasses(main, maps.output, maps.grid, state.discretize);
    else paintValues(main, maps.output.value, maps.grid, state.discretize);
    maps.nodes.forEach((layer, l) => layer.forEach((b64, u) => {
      const canvas = document.getElementById(`canvas-${l}-${u}`);
      if (canvas) paintValues(canvas, b64, maps.nodeGrid, false);
    }));
    for (const link of links) {
      const w = frame.parameters[link.layer] ? frame.parameters[link.layer].kernel[link.from][link.to] : 0;
      setIfChanged(link.path, "stroke", colour(w));
      setIfChanged(link.path, "stroke-width", Math.min(10, 1 + 9 * Math.abs(w) / 5).toFixed(1));
    }
    view.shape.forEach((units, l) => {
      (nodes[`layer-${l}`] || []).forEach((node, u) => {
        if (frame.parameters[l]) setIfChanged(node.bias, "fill", colour(frame.parameters[l].bias[u]));
      });
    });
    stats.renderMs += performance.now() - now;
  }
  function setIfChanged(el, name, value) {
    // a weight's line is restyled only when its drawing changes: restyling hundreds of SVG paths costs
    if (el["_" + name] !== value) { el["_" + name] = value; el.setAttribute(name, value); }
  }
  function setPlaying(playing) { $("play-pause-button").classList.toggle("playing", !!playing); }
  function drawChart() {
    const canvas = $("linechart"), ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const n = chart.train.length;
    if (n < 1) return;
    const finite = chart.train.concat(chart.test).filter((v) => v !== null && isFinite(v));
    const top = Math.max(1e-9, ...finite);
    for (const [series, stroke] of [[chart.test, "#777"], [chart.train, "#000"]]) {
      ctx.beginPath(); ctx.strokeStyle = stroke; ctx.lineWidth = 1.5;
      series.forEach((v, i) => {
        if (v === null) return;
        const x = n === 1 ? 0 : (i / (n - 1)) * (canvas.width - 2) + 1, y = canvas.height - 2 - (v / top) * (canvas.height - 4);
        if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      });
      ctx.stroke();
    }
  }
  function drawConfusion(scores) {
    const table = $("confusion");
    if (!scores || !scores.confusion) { table.innerHTML = ""; return; }
    const k = scores.confusion.length;
    let html = "<tr><th></th>";
    for (let j = 0; j < k; j++) html += `<th style="color:${PALETTE[j]}">${j}</th>`;
    html += "</tr>";
    scores.confusion.forEach((row, i) => {
      html += `<tr><th style="color:${PALETTE[i]}">${i}</th>` + row.map((v) => `<td>${v}</td>`).join("") + "</tr>";
    });
    table.innerHTML = html;
  }
  function pointColour(label) {
    if (view.problem === "regression") return colour(label);
    if (view.classes > 2) return PALETTE[label % PALETTE.length];
    return label === 1 ? "#0877bd" : "#f59322";
  }
  function drawPoints() {
    const canvas = $("points-canvas"), ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const px = (v) => ((v + 6) / 12) * canvas.width, py = (v) => ((6 - v) / 12) * canvas.height;
    const dot = (p, stroke) => {
      ctx.beginPath(); ctx.arc(px(p[0]), py(p[1]), 3, 0, 2 * Math.PI);
      ctx.fillStyle = pointColour(p[2]); ctx.fill();
      ctx.lineWidth = 1; ctx.strokeStyle = stroke; ctx.stroke();
    };
    for (const p of view.train) dot(p, "#fff");
    if (state.showTestData) for (const p of view.test) dot(p, "#000");
    for (const p of drawn) {
      ctx.beginPath(); ctx.arc(px(p[0]), py(p[1]), 4, 0, 2 * Math.PI);
      ctx.fillStyle = PALETTE[p[2]]; ctx.fill(); ctx.strokeStyle = "#000"; ctx.stroke();
    }
  }

  // -- the mathematics of one neuron ----------------------------------------------------------------------
  function requestMath() {
    if (!mathTarget) return;
    $("math-panel").hidden = false;
    const sample = Math.max(0, Math.floor(+$("math-sample").value || 0));
    send({ type: "explain", layer: mathTarget[0], unit: mathTarget[1], sample });
  }
  function renderMath(m) {
    const f = (v) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4));
    const output = m.layer === view.shape.length - 1;
    const name = output ? `output neuron ${m.unit + 1}` : `neuron ${m.unit + 1} of hidden layer ${m.layer + 1}`;
    const inputs = m.layer === 0 ? view.features.map((k) => schema.features[k]) : m.a_prev.map((_, i) => `a${i + 1}`);
    const terms = m.w.map((w, i) => `(${f(w)})(${f(m.a_prev[i])})`).join(" + ");
    const lines = [
      `${name}, training sample ${m.sample}: x = (${m.x.map(f).join(", ")}), target ${JSON.stringify(m.target)}`,
      `inputs a^[${m.layer}] = (${inputs.map((n, i) => `${n} = ${f(m.a_prev[i])}`).join(", ")})`,
      "",
      "forward",
      `  z = Σ w·a + b = ${terms} + (${f(m.b)})`,
      `    = ${f(m.z)}`,
      `  a = ${m.activation}(z) = ${f(m.a)}`,
      "",
      `backward (this sample's loss L = ${f(m.loss)})`,
      `  δ = ∂L/∂z = ${f(m.delta)}`,
      ...m["dL/dw"].map((g, i) => `  ∂L/∂w${i + 1} = a${i + 1} δ = (${f(m.a_prev[i])})(${f(m.delta)}) = ${f(g)}`),
      `  ∂L/∂b = δ = ${f(m["dL/db"])}`,
    ];
    $("math-text").textContent = lines.join("\n");
  }

  // -- sweep and compare ------------------------------------------------------------------------------
  const SWEEP_VALUES = {
    learningRate: "0.003, 0.01, 0.03, 0.1", activation: "relu, tanh, sigmoid, linear",
    networkShape: "2; 4,2; 8,8; 8,8,8", optimizer: "sgd, momentum, rmsprop, adam", batchSize: "1, 5, 10, 30",
    regularizationRate: "0, 0.001, 0.01, 0.1", loss: "square, crossEntropy", regularization: "none, L1, L2",
    schedule: "none, step, exponential, cosine",
  };
  let sweepCells = [];
  function sweepAxis(n) {
    const name = $(`sweep-name-${n}`).value;
    if (!name) return null;
    const text = $(`sweep-values-${n}`).value;
    const s = SETTINGS[name];
    const values = name === "networkShape"
      ? text.split(";").map((t) => (t.trim() ? t.split(",").map(Number) : []))
      : text.split(",").map((t) => t.trim()).filter((t) => t).map((t) => (s.kind === "number" || s.kind === "integer" ? Number(t) : t));
    return { name, values };
  }
  function bindSweep() {
    for (const n of [1, 2]) {
      const select = $(`sweep-name-${n}`);
      if (n === 2) { const none = document.createElement("option"); none.value = ""; none.textContent = "(none)"; select.appendChild(none); }
      for (const name in SWEEP_VALUES) { const o = document.createElement("option"); o.value = o.textContent = name; select.appendChild(o); }
      select.value = n === 1 ? "learningRate" : "";
      select.onchange = () => { $(`sweep-values-${n}`).value = SWEEP_VALUES[select.value] || ""; };
      select.onchange();
    }
    $("sweep-run").onclick = () => {
      const axes = [sweepAxis(1), sweepAxis(2)].filter((a) => a);
      sweepCells = [];
      $("sweep-grid").innerHTML = "";
      setPlaying(false);
      send({ type: "sweep", axes });
    };
    $("sweep-stop").onclick = () => send({ type: "unsweep" });
  }
  function renderSweep(message) {
    if (message.stopped) $("sweep-epoch").textContent = `stopped${message.epoch ? " at epoch " + message.epoch : ""}`;
    if (!message.cells) return;
    if (!message.stopped) $("sweep-epoch").textContent = `epoch ${message.epoch}`;
    const grid = $("sweep-grid");
    if (sweepCells.length !== message.cells.length) {
      grid.innerHTML = "";
      sweepCells = message.cells.map((cell, i) => {
        const box = document.createElement("div");
        box.className = "sweep-cell"; box.dataset.index = i;
        box.title = "open this one";
        const canvas = document.createElement("canvas");
        const label = document.createElement("div"), loss = document.createElement("div");
        label.textContent = Object.entries(cell.values).map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(",") || "none" : v}`).join(", ");
        loss.className = "loss";
        box.append(canvas, label, loss);
        box.onclick = () => {
          send({ type: "unsweep" });
          Object.assign(state, cell.values);
          writeHash();
          showControls();
          configure();
          window.scrollTo(0, 0);
        };
        grid.appendChild(box);
        return { canvas, loss };
      });
    }
    message.cells.forEach((cell, i) => {
      const target = sweepCells[i];
      if (cell.map.classes) paintClasses(target.canvas, cell.map, cell.side, false);
      else paintValues(target.canvas, cell.map.value, cell.side, false);
      const f = (v) => (v === null ? "–" : v.toFixed(3));
      target.loss.textContent = cell.diverged ? "diverged" : `test ${f(cell.loss.test)}  train ${f(cell.loss.train)}`;
    });
  }

  // -- the classic neurons -------------------------------------------------------------------------------
  let classicTimer = null;
  function classicStart() {
    send({ type: "classic", action: "start", rule: $("classic-rule").value, learningRate: +$("classic-rate").value,
           seed: Math.floor(Math.random() * 100000) });
  }
  function renderClassic(m) {
    const canvas = $("classic-canvas"), ctx = canvas.getContext("2d"), s = canvas.width;
    const px = (v) => ((v + 6) / 12) * s, py = (v) => ((6 - v) / 12) * s;
    ctx.fillStyle = "#fafafa"; ctx.fillRect(0, 0, s, s);
    const [w1, w2] = m.w, b = m.b;
    // the half-plane the neuron calls class 1 (z >= 0), lightly shaded
    const image = ctx.createImageData(s, s);
    for (let j = 0; j < s; j += 1) for (let i = 0; i < s; i += 1) {
      const x1 = -6 + 12 * i / s, x2 = 6 - 12 * j / s, z = w1 * x1 + w2 * x2 + b, k = 4 * (j * s + i);
      const c = z >= 0 ? POS : NEG;
      for (let q = 0; q < 3; q++) image.data[k + q] = 250 + (c[q] - 250) * 0.18;
      image.data[k + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
    if (w1 !== 0 || w2 !== 0) {
      ctx.beginPath(); ctx.strokeStyle = "#222"; ctx.lineWidth = 2;
      if (Math.abs(w2) > Math.abs(w1)) { ctx.moveTo(px(-6), py((-b + 6 * w1) / w2)); ctx.lineTo(px(6), py((-b - 6 * w1) / w2)); }
      else { ctx.moveTo(px((-b + 6 * w2) / w1), py(-6)); ctx.lineTo(px((-b - 6 * w2) / w1), py(6)); }
      ctx.stroke();
    }
    m.points.forEach((p, i) => {
      ctx.beginPath(); ctx.arc(px(p[0]), py(p[1]), i === m.sample ? 6 : 3.5, 0, 2 * Math.PI);
      ctx.fillStyle = p[2] === 1 ? "#0877bd" : "#f59322"; ctx.fill();
      ctx.strokeStyle = i === m.sample ? "#000" : "#fff"; ctx.lineWidth = i === m.sample ? 2 : 1; ctx.stroke();
    });
    $("classic-count").textContent = `${m.steps} samples seen (pass ${m.pass}); ${m.wrongNow} of ${m.points.length} on the wrong side now; ` +
      `w = (${w1.toFixed(3)}, ${w2.toFixed(3)}), b = ${b.toFixed(3)}`;
    $("classic-trace").textContent = m.trace.join("\n");
    if (m.wrongNow === 0 && classicTimer && m.steps % m.points.length === 0) toggleClassicPlay();
  }
  function toggleClassicPlay() {
    const button = $("classic-play");
    if (classicTimer) { clearInterval(classicTimer); classicTimer = null; button.setAttribute("aria-pressed", "false"); return; }
    button.setAttribute("aria-pressed", "true");
    classicTimer = setInterval(() => send({ type: "classic", action: "step" }), 150);
  }
  function gateInhibitory() {
    return Array.from(document.querySelectorAll("#mp-inhibitory input")).filter((i) => i.checked).map((i) => +i.value);
  }
  function requestGate() {
    send({ type: "gate", inputs: +$("mp-inputs").value, threshold: +$("mp-threshold").value, inhibitory: gateInhibitory() });
  }
  function buildGateInputs() {
    const box = $("mp-inhibitory"), n = +$("mp-inputs").value;
    box.innerHTML = "Inhibitory: ";
    for (let i = 0; i < n; i++) {
      const label = document.createElement("label"), input = document.createElement("input");
      input.type = "checkbox"; input.value = i; input.onchange = requestGate;
      label.append(input, ` x${i + 1} `);
      box.appendChild(label);
    }
  }
  function renderGate(m) {
    const n = m.inputs[0].length;
    let html = "<tr>" + Array.from({ length: n }, (_, i) => `<th>x${i + 1}${m.inhibitory.includes(i) ? " (inh.)" : ""}</th>`).join("") +
      "<th>z = Σ excitatory</th><th>ŷ</th></tr>";
    m.inputs.forEach((row, r) => {
      html += "<tr>" + row.map((v) => `<td>${v}</td>`).join("") + `<td>${m.z[r]}</td><td><b>${m.output[r]}</b></td></tr>`;
    });
    $("mp-table").innerHTML = html + `<caption>ŷ = 1 if z ≥ θ = ${m.threshold} and no inhibitory input is 1</caption>`;
  }
  function bindClassic() {
    $("classic-start").onclick = classicStart;
    $("classic-step").onclick = () => send({ type: "classic", action: "step" });
    $("classic-play").onclick = toggleClassicPlay;
    $("mp-inputs").onchange = () => { buildGateInputs(); requestGate(); };
    $("mp-threshold").onchange = requestGate;
    buildGateInputs();
  }

  // -- controls ---------------------------------------------------------------------------------------------
  function fillSelect(select, values) {
    select.innerHTML = "";
    for (const v of values) addOption(select, v);
  }
  function bindControls() {
    fillSelect($("learningRate"), SETTINGS.learningRate.list);
    fillSelect($("regularRate"), SETTINGS.regularizationRate.list);
    $("learningRate").onchange = (e) => set("learningRate", +e.target.value);
    $("regularRate").onchange = (e) => set("regularizationRate", +e.target.value);
    $("activations").onchange = (e) => set("activation", e.target.value);
    $("regularizations").onchange = (e) => set("regularization", e.target.value);
    $("problem").onchange = (e) => set("problem", e.target.value);
    $("loss").onchange = (e) => set("loss", e.target.value);
    $("optimizer").onchange = (e) => set("optimizer", e.target.value);
    $("schedule").onchange = (e) => set("schedule", e.target.value);
    $("numClasses").onchange = (e) => set("numClasses", +e.target.value);
    for (const key of ["percTrainData", "noise", "batchSize"]) {
      $(key).addEventListener("input", (e) => { $(key + "-value").textContent = e.target.value; });
      $(key).addEventListener("change", (e) => set(key, +e.target.value));
    }
    $("show-test-data").onchange = (e) => { state.showTestData = e.target.checked; writeHash(); drawPoints(); configure(); };
    $("discretize").onchange = (e) => { state.discretize = e.target.checked; writeHash(); if (lastFrame) renderFrame(lastFrame); configure(); };
    for (const canvas of document.querySelectorAll("canvas.dataset")) {
      drawThumbnail(canvas);
      canvas.addEventListener("click", () => {
        if (canvas.dataset.dataset) set("dataset", canvas.dataset.dataset);
        else set("regDataset", canvas.dataset.regdataset);
      });
    }
    $("data-regen-button").onclick = () => send({ type: "regenerate" });
    $("play-pause-button").onclick = () => {
      const playing = !$("play-pause-button").classList.contains("playing");
      setPlaying(playing);
      send({ type: playing ? "play" : "pause" });
    };
    $("next-step-button").onclick = () => send({ type: "step" });
    $("reset-button").onclick = () => send({ type: "reset" });
    $("add-layers").onclick = () => {
      if (state.networkShape.length < limits().layers) changeShape((s) => s.push(2));
    };
    $("remove-layers").onclick = () => {
      if (state.networkShape.length > 0) changeShape((s) => s.pop());
    };
    $("export-button").onclick = () => send({ type: "export" });
    $("download-model-button").onclick = () => send({ type: "download" });
    $("math-close").onclick = () => { $("math-panel").hidden = true; mathTarget = null; };
    $("math-sample").onchange = requestMath;
    bindUserData();
    bindSweep();
    bindClassic();
  }
  function bindUserData() {
    $("csv-file").addEventListener("change", async (event) => {
      const file = event.target.files[0];
      if (!file) return;
      if (file.size > 2000000) { showMessage(`${file.name} is larger than 2 MB, the playground's limit.`); return; }
      csvText = await file.text();
      const first = csvText.split(/\r?\n/, 1)[0];
      const delimiter = [",", ";", "\t"].sort((a, b) => first.split(b).length - first.split(a).length)[0];
      const columns = first.split(delimiter).map((c) => c.trim().replace(/^"|"$/g, ""));
      for (const [id, pick] of [["csv-x1", 0], ["csv-x2", 1], ["csv-label", columns.length - 1]]) {
        fillSelect($(id), columns);
        $(id).value = columns[Math.min(pick, columns.length - 1)];
      }
      $("csv-columns").hidden = false;
    });
    $("csv-use").onclick = () => {
      if (csvText === null) return;
      send({ type: "upload", csv: csvText, x1: $("csv-x1").value, x2: $("csv-x2").value, label: $("csv-label").value });
    };
    $("draw-button").onclick = () => {
      drawing = !drawing;
      $("draw-button").setAttribute("aria-pressed", String(drawing));
      $("heatmap").classList.toggle("drawing", drawing);
      $("draw-actions").hidden = !drawing && !drawn.length;
    };
    $("points-canvas").addEventListener("click", (event) => {
      if (!drawing) return;
      const box = event.target.getBoundingClientRect();
      const x1 = -6 + 12 * (event.clientX - box.left) / box.width, x2 = 6 - 12 * (event.clientY - box.top) / box.height;
      drawn.push([+x1.toFixed(3), +x2.toFixed(3), event.altKey ? 2 : event.shiftKey ? 1 : 0]);
      $("draw-count").textContent = `${drawn.length} points`;
      $("draw-actions").hidden = false;
      drawPoints();
    });
    $("draw-use").onclick = () => { send({ type: "points", points: drawn }); };
    $("draw-clear").onclick = () => { drawn = []; $("draw-count").textContent = "0 points"; drawPoints(); };
  }
  function drawThumbnail(canvas) {
    const ctx = canvas.getContext("2d"), name = canvas.dataset.dataset || canvas.dataset.regdataset;
    const s = canvas.width, px = (v) => ((v + 6) / 12) * s, py = (v) => ((6 - v) / 12) * s;
    ctx.fillStyle = "#f8f8f8"; ctx.fillRect(0, 0, s, s);
    let seed = 7;
    const rand = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };
    for (let i = 0; i < 160; i++) {
      let x = rand() * 10 - 5, y = rand() * 10 - 5, v;
      if (name === "circle") v = Math.hypot(x, y) < 2.5 ? 1 : Math.hypot(x, y) > 3.5 ? -1 : null;
      else if (name === "xor") v = x * y > 0 ? 1 : -1;
      else if (name === "gauss") { const c = i % 2 ? 2 : -2; x = c + (rand() - 0.5) * 3; y = c + (rand() - 0.5) * 3; v = c > 0 ? 1 : -1; }
      else if (name === "spiral") {
        const t = (i % 80) / 80, a = 3.5 * Math.PI * t + (i < 80 ? 0 : Math.PI);
        x = 5 * t * Math.sin(a); y = 5 * t * Math.cos(a); v = i < 80 ? 1 : -1;
      } else if (name === "reg-plane") { x = rand() * 12 - 6; y = rand() * 12 - 6; v = (x + y) / 10; }
      else { x = rand() * 12 - 6; y = rand() * 12 - 6; v = Math.sin(x * 0.8) * Math.sin(y * 1.2); }
      if (v === null) continue;
      ctx.fillStyle = colour(v); ctx.fillRect(px(x) - 1.5, py(y) - 1.5, 3, 3);
    }
  }
  function buildHideControls() {
    const box = document.querySelector(".hide-controls");
    for (const prop of schema.hidable) {
      const label = document.createElement("label"), input = document.createElement("input");
      input.type = "checkbox"; input.checked = !state[prop + HIDE_SUFFIX];
      input.onchange = () => { state[prop + HIDE_SUFFIX] = !input.checked; writeHash(); };
      label.append(input, " " + (HIDABLE_TEXT[prop] || prop));
      box.appendChild(label);
    }
    for (const key in state) {
      if (key.endsWith(HIDE_SUFFIX) && state[key]) {
        for (const el of document.querySelectorAll(".ui-" + key.slice(0, -HIDE_SUFFIX.length))) el.style.display = "none";
      }
    }
  }

  async function start() {
    schema = await (await fetch("settings.json")).json();
    for (const s of schema.settings) SETTINGS[s.name] = s;
    state = readHash();
    document.body.classList.add(state.problem === "regression" ? "regression" : "classification");
    bindControls();
    showControls();
    writeHash();
    buildHideControls();
    window.addEventListener("hashchange", () => {
      if (window.location.hash.slice(1) === hashOf(state)) return;
      state = readHash();
      configure();
    });
    connect();
  }
  start();
})();
