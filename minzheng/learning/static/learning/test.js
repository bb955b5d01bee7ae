// The test-taking page: starts (or resumes) the sitting through the API, saves each answer
// as it is given (PUT), retries saves lost to a dropped connection, counts down the
// server's deadline and submits at zero. The server enforces the time limit itself.
(function () {
  var cfg = JSON.parse(document.getElementById("test-config").textContent);
  var csrf = document.querySelector("#paper [name=csrfmiddlewaretoken]").value;
  var statusBox = document.getElementById("status"), clock = document.getElementById("clock");
  var progress = document.getElementById("progress"), submitBtn = document.getElementById("submit");
  var sitting = null, deadline = 0, ticking = null, pending = {}, answered = {}, armed = false, done = false;

  function api(method, url, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        return {ok: r.ok, status: r.status, data: data};
      });
    });
  }
  function text(data) {
    var parts = [];
    Object.keys(data || {}).forEach(function (k) { parts = parts.concat(data[k]); });
    return parts.join("；") || "请稍后重试。";
  }
  function url(template, sittingId, questionId) {
    return template.replace("/sittings/0/", "/sittings/" + sittingId + "/").replace("/answers/0/", "/answers/" + questionId + "/").replace("/0/result/", "/" + sittingId + "/result/");
  }
  function showProgress() {
    var n = Object.keys(answered).length;
    progress.textContent = "已答 " + n + " / " + sitting.questions.length;
  }
  function save(q, value, note) {
    note.textContent = "保存中…";
    pending[q.question_id] = {q: q, value: value, note: note};
    api("PUT", url(cfg.answer, sitting.id, q.question_id), {answer: value}).then(function (r) {
      if (r.ok) {
        delete pending[q.question_id];
        answered[q.question_id] = true;
        note.textContent = "已保存"; note.className = "small text-success";
        showProgress();
      } else {
        delete pending[q.question_id];
        note.textContent = text(r.data); note.className = "small text-danger";
      }
    }).catch(function () {
      note.textContent = "网络中断，恢复后自动保存"; note.className = "small text-warning";
    });
  }
  function retry() {
    Object.keys(pending).forEach(function (k) { var p = pending[k]; save(p.q, p.value, p.note); });
  }
  window.addEventListener("online", retry);
  setInterval(retry, 5000);

  function render() {
    var box = document.getElementById("questions");
    box.textContent = "";
    sitting.questions.forEach(function (q) {
      var fs = document.createElement("fieldset");
      fs.className = "mz-card mb-3";
      fs.dataset.question = q.question_id;
      var legend = document.createElement("legend");
      legend.className = "fs-6";
      legend.textContent = q.position + ". [" + {single: "单选", multiple: "多选", judge: "判断", fill: "填空"}[q.kind] + "，" + q.points + "分] " + q.stem;
      fs.appendChild(legend);
      var note = document.createElement("p");
      note.className = "small text-muted"; note.setAttribute("aria-live", "polite");
      if (q.given) { answered[q.question_id] = true; note.textContent = "已保存"; }
      if (q.kind === "fill") {
        var id = "q" + q.question_id, label = document.createElement("label");
        label.className = "form-label"; label.htmlFor = id; label.textContent = "答案";
        var input = document.createElement("input");
        input.className = "form-control form-control-lg"; input.id = id; input.value = q.given || ""; input.maxLength = 200;
        input.addEventListener("change", function () { if (input.value.trim()) { save(q, input.value, note); } });
        fs.appendChild(label); fs.appendChild(input);
      } else {
        var type = q.kind === "multiple" ? "checkbox" : "radio";
        q.options.forEach(function (o) {
          var wrap = document.createElement("div"), id = "q" + q.question_id + o.key;
          wrap.className = "form-check py-1";
          var input = document.createElement("input");
          input.className = "form-check-input"; input.type = type; input.name = "q" + q.question_id;
          input.id = id; input.value = o.key; input.checked = (q.given || "").indexOf(o.key) >= 0;
          var label = document.createElement("label");
          label.className = "form-check-label fs-5"; label.htmlFor = id; label.textContent = o.key + ". " + o.text;
          input.addEventListener("change", function () {
            var chosen = Array.prototype.filter.call(fs.querySelectorAll("input"), function (i) { return i.checked; }).map(function (i) { return i.value; });
            if (!chosen.length) { note.textContent = "请至少选择一项"; return; }
            save(q, q.kind === "multiple" ? chosen : chosen[0], note);
          });
          wrap.appendChild(input); wrap.appendChild(label); fs.appendChild(wrap);
        });
      }
      fs.appendChild(note);
      box.appendChild(fs);
    });
    showProgress();
  }
  function tick() {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    var m = Math.floor(left / 60), s = left % 60;
    clock.textContent = (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
    if (left <= 0) { clearInterval(ticking); statusBox.textContent = "时间到，正在收卷…"; submit(); }
  }
  function submit() {
    if (done) { return; }
    done = true; submitBtn.disabled = true;
    api("POST", url(cfg.submit, sitting.id, 0)).then(function (r) {
      if (r.ok || r.status === 400) { window.location.href = url(cfg.result, sitting.id, 0); }
      else { done = false; submitBtn.disabled = false; statusBox.textContent = text(r.data); }
    }).catch(function () {
      done = false; submitBtn.disabled = false; statusBox.textContent = "网络中断，请恢复后再交卷。";
    });
  }
  submitBtn.addEventListener("click", function () {
    var left = sitting.questions.length - Object.keys(answered).length;
    if (!armed && left > 0) {
      armed = true;
      statusBox.textContent = "还有 " + left + " 题未作答，再次点击“交卷”确认。";
      return;
    }
    submit();
  });
  api("POST", cfg.start).then(function (r) {
    if (!r.ok) { statusBox.textContent = text(r.data); statusBox.className = "alert alert-danger"; return; }
    sitting = r.data;
    if (r.status === 200) { statusBox.textContent = "已恢复上次的答卷，计时未中断。"; }
    deadline = Date.now() + sitting.remaining_seconds * 1000;
    render();
    submitBtn.disabled = false;
    ticking = setInterval(tick, 1000);
    tick();
  }).catch(function () { statusBox.textContent = "网络中断，请刷新重试。"; });
})();
