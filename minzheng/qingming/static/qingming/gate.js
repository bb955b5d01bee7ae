// Gate check-in for a phone: camera scan (jsQR) or typed code; entry/exit; counts.
// Every scan gets a nonce and goes into a queue kept in localStorage, so a scan made
// while the connection is down is sent when it comes back; the server treats a retried
// nonce as the same scan. Refusals returned by the server are listed as conflicts.
(function () {
  "use strict";
  var app = document.getElementById("gate-app");
  if (!app) { return; }
  var API = app.dataset.api;
  var KEY = "qm_gate_queue";
  var gateSelect = document.getElementById("gate-select");
  var resultBox = document.getElementById("result");
  var pendingEl = document.getElementById("pending");
  var conflictsEl = document.getElementById("conflicts");
  var netState = document.getElementById("net-state");
  var sending = false;

  gateSelect.value = localStorage.getItem("qm_gate") || gateSelect.value;
  gateSelect.addEventListener("change", function () { localStorage.setItem("qm_gate", gateSelect.value); });

  function csrf() {
    var meta = document.querySelector("meta[name=csrf-token]");
    if (meta) { return meta.content; }
    var m = document.cookie.match(/csrftoken=([^;]+)/);
    return m ? m[1] : "";
  }
  function nonce() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var a = new Uint8Array(16); crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function queue() { try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; } }
  function save(q) { localStorage.setItem(KEY, JSON.stringify(q)); pendingEl.textContent = q.length; }
  function direction() { return document.querySelector("input[name=direction]:checked").value; }
  function show(text, kind) { resultBox.textContent = text; resultBox.className = "alert fs-5 alert-" + kind; }
  function conflict(item, text) {
    var li = document.createElement("li");
    li.className = "border-start border-danger border-3 ps-2 mb-1";
    li.textContent = new Date(item.scanned_at).toLocaleTimeString("zh-CN") + " " + (item.code ? item.code.slice(0, 12) : item.kind) + "：" + text;
    conflictsEl.prepend(li);
  }

  function add(item) {
    item.gate = gateSelect.value; item.direction = item.direction || direction();
    item.nonce = nonce(); item.scanned_at = new Date().toISOString();
    var q = queue(); q.push(item); save(q);
    flush();
  }

  function describe(body) {
    var r = body.reservation;
    var verb = body.direction === "in" ? "入园" : "出园";
    if (!r) { return "✓ 已登记" + (body.kind === "green" ? "绿色通道" : "免预约") + verb + " " + body.people + " 人"; }
    return "✓ " + verb + "：" + r.name + " " + r.party_size + " 人" + (r.plate ? " · " + r.plate : "") + (body.replayed ? "（重复提交，已忽略）" : "");
  }

  function flush() {
    if (sending) { return; }
    var q = queue();
    if (!q.length) { return; }
    sending = true;
    var item = q[0];
    fetch(API, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf(), "Accept": "application/json"},
      body: JSON.stringify(item)
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (body) {
        var rest = queue().filter(function (x) { return x.nonce !== item.nonce; });
        if (resp.status === 200 || resp.status === 201) {
          save(rest); show(describe(body), "success");
        } else if (resp.status === 409 || resp.status === 400) {
          var msg = body.detail || Object.keys(body).map(function (k) { return [].concat(body[k]).join(" "); }).join(" ");
          save(rest); show("✗ " + msg, "danger"); conflict(item, msg);
        } else {
          throw new Error("HTTP " + resp.status);  // 403 (signed out), 5xx: keep it, try again later
        }
        netState.textContent = "在线";
        sending = false;
        flush();
      });
    }).catch(function () {
      sending = false;
      netState.textContent = "离线，扫码已保存，恢复后自动发送";
      show("已保存，待网络恢复后发送（" + queue().length + "）", "warning");
    });
  }

  document.getElementById("code-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var input = document.getElementById("code-input");
    var code = input.value.replace(/\s+/g, "");
    if (!code) { return; }
    add({code: code, kind: "booking"});
    input.value = ""; input.focus();
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-count]"), function (btn) {
    btn.addEventListener("click", function () { add({kind: btn.dataset.count, people: 1, cars: 0, code: ""}); });
  });

  // Camera scanning with jsQR: frames drawn on a canvas, decoded in the page.
  var video = document.getElementById("camera");
  var canvas = document.getElementById("frame");
  var lastCode = "", lastAt = 0, stream = null;
  function tick() {
    if (!stream) { return; }
    if (video.readyState === video.HAVE_ENOUGH_DATA) {
      canvas.width = video.videoWidth; canvas.height = video.videoHeight;
      var ctx = canvas.getContext("2d");
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      var img = ctx.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR && jsQR(img.data, img.width, img.height, {inversionAttempts: "dontInvert"});
      var now = Date.now();
      if (found && found.data && (found.data !== lastCode || now - lastAt > 4000)) {
        lastCode = found.data; lastAt = now;
        if (navigator.vibrate) { navigator.vibrate(80); }
        add({code: found.data, kind: "booking"});
      }
    }
    requestAnimationFrame(tick);
  }
  document.getElementById("camera-btn").addEventListener("click", function () {
    if (stream) {
      stream.getTracks().forEach(function (t) { t.stop(); }); stream = null;
      video.classList.add("d-none"); this.textContent = "打开摄像头扫码"; return;
    }
    var btn = this;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      show("此浏览器不能使用摄像头（需 HTTPS），请输入核验码", "warning"); return;
    }
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false}).then(function (s) {
      stream = s; video.srcObject = s; video.classList.remove("d-none"); video.play();
      btn.textContent = "关闭摄像头"; requestAnimationFrame(tick);
    }).catch(function () { show("无法打开摄像头，请输入核验码", "warning"); });
  });

  window.addEventListener("online", flush);
  setInterval(flush, 10000);
  save(queue());
  flush();
})();
