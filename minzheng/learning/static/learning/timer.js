// 每日一学 timer: counts study time on the phone and fills the minutes field.
(function () {
  var shown = document.getElementById("timer"), start = document.getElementById("timer-start"),
      stop = document.getElementById("timer-stop"), minutes = document.getElementById("id_minutes");
  var seconds = 0, handle = null;
  function draw() {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    shown.textContent = (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
    if (minutes && seconds >= 60) { minutes.value = Math.floor(seconds / 60); }
  }
  start.addEventListener("click", function () {
    if (handle) { return; }
    handle = setInterval(function () { seconds += 1; draw(); }, 1000);
    start.disabled = true; stop.disabled = false;
  });
  stop.addEventListener("click", function () {
    clearInterval(handle); handle = null; start.disabled = false; stop.disabled = true;
  });
})();
