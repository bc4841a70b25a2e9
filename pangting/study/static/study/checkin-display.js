// The room's screen (R-S3): ask the server for the current step, load that step's QR image,
// count down to the next step, then ask again. The server's clock decides; this page only follows.
(function () {
  "use strict";
  var body = document.body;
  var stateUrl = body.getAttribute("data-state-url");
  var image = document.getElementById("checkin-qr");
  var seconds = document.getElementById("checkin-seconds");
  var offline = document.getElementById("checkin-offline");
  var step = null;
  var left = 0;
  var timer = null;

  function tick() {
    left -= 1;
    if (left <= 0) {
      refresh();
    } else {
      seconds.textContent = String(left);
    }
  }

  function refresh() {
    window.clearInterval(timer);
    fetch(stateUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (state) {
        offline.hidden = true;
        if (state.step !== step) {
          step = state.step;
          image.src = state.qr;
          body.setAttribute("data-step", String(step));
        }
        left = state.seconds_left;
        seconds.textContent = String(left);
        timer = window.setInterval(tick, 1000);
      })
      .catch(function () {
        offline.hidden = false;
        left = 3;
        timer = window.setInterval(tick, 1000);
      });
  }

  refresh();
})();
