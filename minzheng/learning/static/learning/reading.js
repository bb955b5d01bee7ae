// Reading time of a study issue: seconds the page was open and visible, sent with "已读完".
(function () {
  var seconds = 0, field = document.getElementById("seconds");
  setInterval(function () {
    if (document.visibilityState === "visible") { seconds += 1; field.value = seconds; }
  }, 1000);
})();
