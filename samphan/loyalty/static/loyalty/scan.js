// The counter screen's camera: scan a member card's QR code (its link) with the device's
// camera and find the member. jsQR (vendored) reads the frames; nothing leaves the device.
(function () {
  "use strict";
  var button = document.getElementById("scan-card");
  var box = document.getElementById("scan-box");
  var video = document.getElementById("scan-video");
  var status = document.getElementById("scan-status");
  var form = document.getElementById("counter-search");
  if (!button || !box || !video || !form || typeof window.jsQR !== "function") return;
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;

  function stop() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    box.hidden = true;
  }

  function look() {
    if (!stream) return;
    if (video.readyState >= 2 && video.videoWidth) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      if (found && found.data) {
        stop();
        form.elements.q.value = found.data.slice(0, 200);
        status.textContent = button.dataset.found;
        form.submit();
        return;
      }
    }
    window.requestAnimationFrame(look);
  }

  button.addEventListener("click", function () {
    if (stream) { stop(); return; }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      status.textContent = button.dataset.unavailable;
      return;
    }
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s;
        box.hidden = false;
        video.srcObject = s;
        video.play();
        status.textContent = button.dataset.looking;
        window.requestAnimationFrame(look);
      })
      .catch(function () { status.textContent = button.dataset.unavailable; });
  });
})();
